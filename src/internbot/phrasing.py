"""A chat question's own words: greetings, request frames, apologies and thanks set aside.

Visitors type "Hi! I was wondering, can you tell me how much ML interns make? Thanks!" or lead
with themselves ("I'm a second-year CS student. Do I need a PhD?"). Those words weigh in the
question's vector and its BM25 terms as much as the question does, and pull the answer off
(docs/quality.md, item 32). `focus` returns the question to retrieve with and the statements
around it, which the answerer reads like an earlier question of the chat.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from internbot.tokens import specificity

#: A question whose every word is at most this specific in everyday English ("What are my
#: options?", "Is there a faster way?") says too little without the visitor's statements.
SAYS_LITTLE = 0.35

_GREETING = (r"(?:hi+|hello+|hey+|hiya|howdy|greetings|dear \w+|good (?:morning|afternoon|evening|day))"
             r"(?:\s+(?:there|internbot|bot|everyone|all|team|folks))?")
_FILLER = (r"(?:ok(?:ay)?|um+|uh+|hm+|well|alright|right|please|pls|plz|basically|honestly|actually"
           r"|quick one|one more thing)")
_ASK = r"(?:tell|explain(?: to)?|show|let) me(?: know)?"
_QUESTION = (r"(?:i have a |i've got a |a |my |one )?(?:quick |short |simple |small |dumb |silly |basic )?"
             r"question(?: for you)?(?: (?:about|on|regarding) [^:?.]{1,40}(?=:))?(?: (?:is|was))?")
_FRAME = (
    r"(?:(?:can|could|would|will) you(?: please| kindly)? " + _ASK
    + r"|would you mind (?:telling|explaining to|showing) me(?: about)?"
    + r"|please " + _ASK
    + r"|i(?:'d| would) (?:like|love) to (?:know|ask|understand)|i (?:want|wanted|need) to (?:know|ask)"
    r"|(?:i|we|me and my \w+|my \w+ and i)(?:'m|'re| am| are| was| were)(?: just| really)?"
    r" (?:wondering|curious)"
    r"|(?:i|we) wonder|just (?:wondering|curious)"
    r"|(?:do|does) (?:you|anyone|anybody)(?: happen to)? know|any(?: one| body)? (?:idea|ideas|clue)"
    r"|" + _QUESTION + r"|help me understand"
    r"|(?:sorry|apologies)(?: if this is| for)?(?: a| the)?(?: (?:dumb|stupid|silly|basic|naive|newbie))?"
    r"(?: question)?(?:,? but)?"
    r"|this (?:might|may|could) be a (?:dumb|stupid|silly|basic|naive) question(?:,? but)?)"
)
#: Whatever stands before the question proper: greetings, fillers, request frames, in any order.
_LEAD = re.compile(
    rf"^(?:\W*(?:{_GREETING}|{_FRAME}|{_FILLER})\b(?:\s+(?:about|if|whether|on))?[\s,.:;!?\-–—]*)+",
    re.I)
#: Thanks and pleas after it.
_TAIL = re.compile(
    r"(?:[\s,.;!\-–—]*\b(?:thanks?(?: (?:a lot|so much|very much|in advance))?|thank (?:you|u)"
    r"(?: (?:so much|very much|in advance))?|thx|ty|cheers|please|pls|plz|much appreciated)\b"
    r"[\s.!:)(]*)+$", re.I)
#: A sentence that only asks for help or thanks ahead ("Could you help me?", "Any help is
#: appreciated.", "I'd love some advice."): it says nothing of what is asked.
_META = re.compile(
    r"(?:(?:can|could|would|will) you help(?: me)?(?: out)?(?: with something)?|can i ask(?: you)?"
    r"(?: (?:something|a question))?|i need (?:some |your )?(?:help|advice)"
    r"|(?:i(?:'d| would) )?(?:really |greatly )?(?:appreciate|love) (?:any|some|your)"
    r" (?:help|advice|input|tips)"
    r"|any (?:help|advice|tips|input)(?: (?:is|would be))?(?: (?:much|greatly|really))? appreciated"
    r"|(?:i have|i've got) (?:a|some) (?:quick |few )?questions?(?: (?:about|on) [^.?!]{1,40})?)",
    re.I)
#: The words a question opens with: wh-words, and the auxiliaries a yes-or-no question starts on.
_WH = r"how|what|which|when|where|why|who"
_ASKING = (rf"(?:{_WH}|whom|whose|is|are|am|was|were|do|does|did|can|could|should|would|will|may"
           r"|might|must|have|has|any)\b")
#: Sentence ends: a question mark, or a full stop or exclamation mark after a lower-case word
#: and before a capital or a question word ("student. What…", not "Dr. Smith" or "U.S. Army").
_SENTENCES = re.compile(
    rf"(?<=\?)\s+|(?<=[a-z]{{3}}[.!])\s+(?=[A-Z\"“'‘]|(?:{_WH}|is|are|do|does|can|could|should|would"
    r"|will)\b)")
#: In chat, a statement's full stop also ends it before a lower-case word ("I'm new here. ml
#: intern salary"); "etc." does not.
_LOWER_NEXT = re.compile(r"(?<=[a-z]{3}[.!])(?<!\betc\.)\s+(?=[a-z])")
#: A verb makes "As a person gets older, …" a clause of time, not a role the visitor holds.
_VERB = r"is|are|was|were|gets?|got|becomes?|became|grows?|grew|has|have|had|goes|went|does|did|turns?"
#: A clause saying who the visitor is or what they are doing, ahead of the question in the same
#: sentence ("I'm a bootcamp grad and how…", "As someone with no experience, what…", "I'm
#: switching careers from finance, is…"). Other clauses about the visitor ("I forgot my
#: password, how…") often name what is asked: they stay.
_ABOUT_ME = re.compile(
    r"^(?:(?:so|and|well|ok|okay),?\s+)?"
    r"((?:(?:i'm|im|i am|we're|we are)(?: just| only)? (?:an?|\d+|\w+ing)\b[^?]*?"
    r"(?:\s*[,:;–—-]\s*(?:and |but |so )?|\s+(?:and|but|so)\s+)"
    r"|(?:as an?|as someone|being an?)\b(?:(?!\s(?:" + _VERB + r")\b)[^?])*?"
    rf"(?:\s*[,:;–—-]\s*|\s+(?=(?:{_WH})\b)))"
    rf")(?={_ASKING})", re.I)
#: A sentence typed as a search query: it ends on a word, with no full stop or question mark.
_QUERY = re.compile(r"\w[)\"'”’]?$")
#: The guide itself, as visitors name it ("the guide", "this article"): it is what every
#: question is asked of, so saying it names no topic, yet its rare words ("guide") pull the
#: question to the one passage that says them.
_SOURCE = (r"(?:the|this|that|your|ur) (?:guide|article|post|blog(?: post)?|handbook|tutorial"
           r"|write-?up|piece)")
#: "According to the guide, …", "… mentioned in this article?", "what does the guide say about
#: …", "does the post mention …", "does the guide recommend …": the words that only say where
#: to look. (The guides' advice is all recommendation, and "recommend" would pull BM25 to
#: "recommendation systems".)
_WHERE = re.compile(
    rf"^(?:according to|based on|in|from|per) {_SOURCE}\s*[,:]?\s*"
    rf"|\s*,?\s*(?:according to|based on|in|from|per) {_SOURCE}(?=[\s?.!]*$)"
    rf"|\b(?:does|do|did) {_SOURCE} (?:mention|say|list|cover|discuss|talk about|describe|state"
    r"|include|note|recommend|suggest|advise|explain|go over|touch on"
    r"|have (?:anything|something|(?:any |some )?(?:info(?:rmation)?|tips|advice)))\b"
    r"(?:\s+(?:about|on|regarding|for))?", re.I)
#: "The author" of a guide is its "I": guides tell their own story in the first person, and
#: the one passage that says "author" is the byline ("About the Author"). "The author of X"
#: is someone else.
_AUTHOR = re.compile(r"\b(?:the|this) (?:author|writer)(?:(['’]s)|\b(?! of\b))", re.I)
#: A longer clause about the visitor says what their situation is, not only who they are.
SHORT_CLAUSE = 6


@dataclass(frozen=True)
class Focused:
    """The question to retrieve with, and the visitor's statements beside it ("" when none)."""

    question: str
    context: str = ""


def _core(text: str) -> str:
    """The sentence without its greeting, frame and thanks ("" when nothing else is left)."""
    core = _TAIL.sub("", _LEAD.sub("", text.strip()))
    if len(re.sub(r"\W", "", core)) < 3 or _META.fullmatch(core.strip(" .,!?:;")):
        return ""
    unsourced, where = _WHERE.subn(" ", core)
    unsourced, author = _AUTHOR.subn(lambda m: "my" if m.group(1) else "I", unsourced)
    if not where + author:  # most questions: no rewrite, and no word lookups for one
        return core
    unsourced = re.sub(r"\s+(?=[?.!,])", "", " ".join(unsourced.split()))
    return core if says_little(unsourced) else unsourced


def focus(text: str) -> Focused:
    """The question without what surrounds it; statements beside a question become context.

    Only the wrapping goes: a text that would keep fewer than three letters keeps its own
    words, and a text with no sentence ending in "?" stays the question, unless it ends on a
    query typed after whole sentences ("Long-time lurker here. Define machine learning")."""
    text = " ".join(text.split())
    parts = [core for s in _SENTENCES.split(text) for p in _after_statement(s) if (core := _core(p))]
    if not parts:
        return Focused(text)
    asks = [p for p in parts if p.rstrip().endswith("?")]
    if not asks and len(parts) > 1 and _QUERY.search(parts[-1]) and all(
            p.rstrip().endswith((".", "!")) for p in parts[:-1]):
        asks = parts[-1:]  # a query typed after whole sentences: "Lurker here. Define ML"
    if not asks or len(asks) == len(parts):
        asks = parts
    said = [p for p in parts if p not in asks]
    if me := _ABOUT_ME.match(asks[0]):
        who = re.sub(r"\s+(?:and|but|so)$", "", me.group(1).strip(" ,:;–—-"), flags=re.I)
        if 2 <= len(who.split()) <= SHORT_CLAUSE:
            said.append(who)
            asks = [asks[0][me.end():], *asks[1:]]
    context = " ".join(said)
    return Focused(" ".join(asks), context if len(context.split()) >= 2 else "")


def _after_statement(sentence: str) -> list[str]:
    """A sentence, split where a statement's full stop comes before a lower-case word; a
    question is left whole ("How much land did John Pell. own…?" is one, with a typo)."""
    if re.match(_ASKING, _LEAD.sub("", sentence), re.I):
        return [sentence]
    return _LOWER_NEXT.split(sentence)


def says_little(question: str) -> bool:
    """Every word of the question is everyday English: it names no topic of its own."""
    words = re.findall(r"[A-Za-z][A-Za-z'’-]+", question)
    return max((specificity(w.lower()) for w in words), default=0.0) < SAYS_LITTLE
