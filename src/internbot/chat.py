"""The Gradio chat front end, built by a factory so every server or test gets its own queue.

It answers through an `ask` callable (the server's micro-batcher in front of the answerer) and
checks the question's length on the server: the browser's `max_length` protects nothing.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import gradio as gr

from internbot.errors import InternbotError
from internbot.records import Answer

AskFn = Callable[[str, tuple[str, ...], str, str], Answer]
FeedbackFn = Callable[[str, str, bool], None]

EXAMPLES = [
    "How much do ML interns make?",
    "Which company is best for a machine learning internship?",
    "What comes after the internship?",
    "What skills do I need for an ML internship?",
]
DESCRIPTION = (
    "Ask about machine learning internships: pay, the best programs, skills, and what comes "
    "next. Every answer quotes the guide and shows its source."
)
CSS = """
.gradio-container {max-width: 860px !important; margin: auto;}
.ib-header h1 {margin-bottom: .2em;}
.ib-embedded .ib-header {display: none;}
.ib-embedded .gradio-container {padding: 6px !important;}
.ib-embedded .ib-chatbot {height: calc(100vh - 96px) !important;}
.ib-sources summary {cursor: pointer; color: #4b5563;}
.ib-sources mark {background: #fde68a; padding: 0 .1em;}
.ib-sources li {margin-bottom: .5em;}
@media (max-width: 480px) {.gradio-container {padding: 4px !important;} h1 {font-size: 1.3rem;}}
"""
#: Runs on page load. Inside the widget's iframe: hide the header to give the chat the room,
#: and let Escape close the panel even while the focus is in the chat.
JS = """() => {
  if (window.self === window.top) return;
  document.body.classList.add('ib-embedded');
  window.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') window.parent.postMessage({internbot: 'close'}, '*');
  });
}"""
_SOURCES = re.compile(r"\s*<details class=\"ib-sources\">.*", re.S)


def _text(content: Any) -> str:
    """Gradio 6 message content is a string, a typed part, or a list of parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(_text(p) for p in content)
    if isinstance(content, dict):
        return str(content.get("text") or content.get("value") or "")
    return ""


def user_questions(history: list[dict[str, Any]]) -> list[str]:
    """The user's earlier questions from a Gradio messages history, oldest first."""
    return [_text(m.get("content")) for m in history if m.get("role") == "user"]


def render(answer: Answer) -> str:
    """The reply as Markdown: the answer, then its sources in a collapsible block."""
    body = html.escape(answer.answer).replace("\n", "  \n")
    if not (answer.answered and answer.sources):
        return body
    items = []
    for s in answer.sources[:3]:
        text = html.escape(s.text)
        for h in s.highlights:
            text = text.replace(html.escape(h), f"<mark>{html.escape(h)}</mark>")
        title = html.escape(s.section + (f", p. {s.page}" if s.page else ""))
        if s.url.startswith(("https://", "http://")):
            title = f'<a href="{html.escape(s.url, quote=True)}" target="_blank" rel="noopener">{title}</a>'
        items.append(f"<li><b>{title}</b><br>{text}</li>")
    return (f"{body}\n\n<details class=\"ib-sources\"><summary>Sources ({len(items)})</summary>"
            f"<ol>{''.join(items)}</ol></details>")


def plain_answer(content: Any) -> str:
    """The answer part of a rendered reply, without its sources block."""
    return html.unescape(_SOURCES.sub("", _text(content))).replace("  \n", "\n").strip()


def make_respond(ask: AskFn, max_chars: int = 1000, max_history: int = 20
                 ) -> Callable[[Any, list[dict[str, Any]], gr.Request], dict[str, Any]]:
    """The chat's reply function; it checks lengths here, on the server."""

    def respond(message: Any, history: list[dict[str, Any]], request: gr.Request) -> dict[str, Any]:
        question = " ".join(_text(message).split())
        if not question:
            return {"role": "assistant", "content": "Please type a question."}
        if len(question) > max_chars:
            return {"role": "assistant",
                    "content": f"That question is {len(question)} characters long; please keep it "
                               f"under {max_chars}."}
        params = dict(request.query_params) if request is not None else {}
        previous = tuple(q[:max_chars] for q in user_questions(history)[-max_history:] if q)
        try:
            answer = ask(question, previous, params.get("page_url", ""), params.get("page_title", ""))
        except InternbotError as exc:
            return {"role": "assistant", "content": f"Sorry: {exc}."}
        reply: dict[str, Any] = {"role": "assistant", "content": render(answer)}
        if answer.suggestions:
            reply["options"] = [{"value": s, "label": s} for s in answer.suggestions]
        return reply

    return respond


def build_chat(ask: AskFn, feedback: FeedbackFn | None = None, *, max_chars: int = 1000,
               max_history: int = 20) -> gr.Blocks:
    """A new chat app answering through `ask(question, history, page_url, page_title)`."""

    def on_like(data: gr.LikeData, history: list[dict[str, Any]]) -> None:
        if feedback is None:
            return
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        if not isinstance(index, int) or not 0 <= index < len(history):
            return
        question = next((_text(m.get("content")) for m in reversed(history[:index])
                         if m.get("role") == "user"), "")
        feedback(question[:max_chars], plain_answer(history[index].get("content")), bool(data.liked))

    with gr.Blocks(title="internbot") as demo:
        gr.Markdown(f"# internbot\n{DESCRIPTION}", elem_classes=["ib-header"])
        chatbot = gr.Chatbot(
            label="internbot", height="62vh", elem_classes=["ib-chatbot"], buttons=["copy"],
            sanitize_html=True,
            placeholder="<b>Hi!</b> Ask me anything about machine learning internships.",
        )
        chatbot.like(on_like, [chatbot], None, api_visibility="private", queue=False)
        gr.ChatInterface(
            make_respond(ask, max_chars, max_history),
            chatbot=chatbot,
            examples=EXAMPLES,
            textbox=gr.Textbox(placeholder="Ask a question about ML internships…",
                               max_length=max_chars, submit_btn=True),
            concurrency_limit=64,
            api_visibility="private",
        )
    return demo
