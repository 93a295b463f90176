"""The Gradio chat front end: a factory, so every server or test gets its own Blocks and queue.

It calls the answerer and nothing below it; the question's length is checked on the server,
since the browser's `max_length` protects nothing.
"""

from __future__ import annotations

import html
from typing import Any

import gradio as gr

from internbot.answerer import Answerer
from internbot.errors import QuestionError
from internbot.records import Answer

EXAMPLES = [
    "How much do ML interns make?",
    "Which company is best for a machine learning internship?",
    "What comes after the internship?",
    "What skills do I need for an ML internship?",
]


def _text(content: Any) -> str:
    """Gradio 6 message content is a string or a list of typed parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
    if isinstance(content, dict):
        return str(content.get("text", ""))
    return ""


def user_questions(history: list[dict[str, Any]]) -> list[str]:
    """The user's earlier questions from a Gradio messages history, oldest first."""
    return [_text(m.get("content")) for m in history if m.get("role") == "user"]


def render(answer: Answer) -> str:
    """The reply as Markdown: the answer, then its sources in a collapsible block."""
    parts = [html.escape(answer.answer).replace("\n", "  \n")]
    if answer.answered and answer.sources:
        items = []
        for s in answer.sources[:3]:
            text = html.escape(s.text)
            for h in s.highlights:
                text = text.replace(html.escape(h), f"<mark>{html.escape(h)}</mark>")
            items.append(f"<li><b>{html.escape(s.section)}</b> ({s.score:.2f})<br>{text}</li>")
        parts.append(f"<details><summary>Sources</summary><ol>{''.join(items)}</ol></details>")
    if answer.suggestions:
        parts.append("_You could also ask:_ " + " · ".join(html.escape(s) for s in answer.suggestions))
    return "\n\n".join(parts)


def build_chat(answerer: Answerer) -> gr.Blocks:
    """A new chat app answering through `answerer`."""
    max_chars = answerer.settings.max_question_chars

    def respond(message: Any, history: list[dict[str, Any]]) -> str:
        question = _text(message)
        previous = user_questions(history)[-answerer.settings.max_history :]
        try:
            return render(answerer.ask(question[: max_chars + 1], previous))
        except QuestionError as exc:
            return f"Sorry, {exc}."

    return gr.ChatInterface(
        respond,
        title="internbot",
        description="Ask about machine learning internships: pay, top programs, skills, next steps. "
                    "Answers quote the guide, with sources.",
        examples=EXAMPLES,
        textbox=gr.Textbox(placeholder="Ask a question about ML internships…", max_length=max_chars),
        concurrency_limit=32,
        api_visibility="private",
    )
