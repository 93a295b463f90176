"""How an answer is shaped: the policy knobs, and the cues read from a question's words
(a follow-up, a wish for a whole list) and from a sentence's opening (it refers back)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from internbot.records import Chunk, introduces_list
from internbot.tokens import specificity

#: Sentences scoring this far below a passage's best sentence are trimmed from the answer.
TRIM_MARGIN = 0.15
#: The pronouns by which a question names something said before it.
_PRONOUN = r"it|its|it's|they|them|their|that|this|those|these|he|she|his|her"
#: Words that make a short question lean on the previous one ("how long is it?").
FOLLOW_UP = re.compile(
    r"^(?:and|also|but|so|then|what about|how about|and what about)\b"
    rf"|\b(?:{_PRONOUN}|there|one)\b"
    r"|\b(?:other|else|more)\b",
    re.I,
)
#: Of those, the words that point at something said before ("is it paid?", "who works there?"),
#: not an existential "there" ("are there remote internships?"): the question is incomplete
#: without the previous one. The others ("and…", "which one…", "other…") may open a new topic.
POINTS_BACK = re.compile(
    rf"\b(?:{_PRONOUN})\b"
    r"|(?<!\bis )(?<!\bare )(?<!\bwas )(?<!\bwere )\bthere\b(?!\s+(?:is|are|was|were|be)\b|['’]s\b)",
    re.I,
)
#: Sentence openings that refer back to the previous sentence.
ANAPHOR = re.compile(r"^(?:it|its|this|that|these|those|they|their|he|she|his|her|but|however|such|"
                      r"the latter|the former|there|then|also|so|all (?:of )?(?:this|that|these|those)"
                      r"|\w+ like (?:this|that|these|those))\b", re.I)
#: A closing sentence that only announces what follows ("Let's delve into their distinctions.",
#: "Here are the steps:").
POINTS_AHEAD = re.compile(
    r":\s*$|^(?:let['’]?s|let us|here(?:['’]s| is| are)|below|in this section|the following"
    r"|we(?:['’]ll| will))\b",
    re.I)
#: A question about the text itself, which a signpost does answer.
ABOUT_THE_TEXT = re.compile(
    r"\b(?:this|the) (?:section|article|guide|post|chapter|handbook|tutorial|book)s?\b", re.I)
#: Questions after one fact: a degree, amount or time ("how hard…", "how long…"),
#: or a yes or no ("is it…", "should I…"), also after what the visitor says first ("I have a
#: master's in statistics, do I still need an internship?"). Naming a list's heading, they
#: still ask about a passage.
ASKS_FACT = re.compile(
    r"(?:^\W*|[,;]\s*)(?:how (?:hard|difficult|easy|long|much|many|early|late|often|soon|important)\b"
    r"|when\b)"
    r"|^\W*(?:is|are|was|were|does|do|did|can|could|should|will|would|must)\b"
    r"|[,;]\s*(?:is|are|was|were|does|do|did|can|could|should|will|would|must)"
    r" (?:i|you|we|they|it|he|she|there|my|your|their|this|that|these|those|a|an|the)\b",
    re.I,
)
#: A question asking for a way to do something ("how do I get started with open source?"):
#: the passage that says how answers it, not a list that happens to share its section.
ASKS_WAY = re.compile(r"^\W*how (?:do|can|could|should|would|to)\b", re.I)
#: A plural asked for after "what" or "which" ("What pages should go on my website?", "Which
#: programming languages should I know?"): the things, not one passage about them.
ASKS_PLURAL = re.compile(
    r"^\W*(?:what|which)\s+(?!(?:is|are|was|were|do|does|did|should|can|could|would|will|has|have)\b)"
    r"(?:\w+\s+){0,2}?(\w{2,}[^\Wsui]s)\s+(?:should|do|did|can|could|would|will|to|go|are|make)\b",
    re.I,
)
#: Cues that the user wants a whole list rather than one item of it.
ENUMERATE = re.compile(
    r"\b(?:what|which) (?:are|were)\b|\blist\b|\bname (?:some|a few)\b|\btop\b|\boptions\b"
    r"|\bwhat (?:can|could|should) i do\b|\bpaths?\b|\bpathways\b|\bwhat (?:kinds|types|sorts)\b"
    r"|\b(?:best|top|main|key)\s+\w*\s*(?:jobs|companies|programs|programmes|internships|roles"
    r"|careers|skills|options|reasons|benefits|qualities|traits)\b"
    r"|\bwhat\s+(?:qualities|traits|characteristics|benefits|reasons|careers|jobs|roles|options)\b",
    re.I,
)


@dataclass(frozen=True)
class Policy:
    """Answer-shaping knobs; each is an ablation step in docs/quality.md."""

    lists: bool = True
    trim: bool = True
    follow_ups: bool = True
    #: Sentences scoring this far below a passage's best sentence are trimmed from the answer.
    trim_margin: float = TRIM_MARGIN
    #: A trimmed answer takes in neighbouring sentences up to this many characters.
    trim_budget: int = 500
    #: Passages up to this long are never trimmed.
    trim_above: int = 500
    #: An answer that only leads in goes on with the passage it announces.
    go_on: bool = True
    #: An answer that opens by pointing back ("These techniques…") starts with what it points at.
    look_back: bool = True
    #: Score gap under which a close runner-up from another section is offered as "did you mean".
    did_you_mean_gap: float = 0.03


#: "What comes after the action?", "what step is before networking?": the item next to one a
#: list names (group 1: which side, group 2: the item).
NEXT_TO = re.compile(
    r"^\W*(?:what|which)\b[^?]*?\b(?:comes?|came|is|are|goes|happens|step|steps|follows)\s+"
    r"(?:right |just |directly |immediately )?(after|before)\s+(?:the |a |an |step )?([^?.!,;]{2,60})",
    re.I)


def next_to(question: str) -> tuple[int, str] | None:
    """The side (+1 after, −1 before) and the item a question asks the neighbour of, if it does."""
    m = NEXT_TO.search(question)
    return None if m is None else (1 if m.group(1).lower() == "after" else -1, m.group(2))


_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4,
             "4th": 4, "fifth": 5, "5th": 5, "sixth": 6, "6th": 6, "seventh": 7, "eighth": 8,
             "ninth": 9, "tenth": 10, "last": -1, "final": -1}
#: "What is the third step?", "the second best job", "step 3", "tip #2": a list's member by
#: its place (group 1, a word; group 2, a number).
ORDINAL = re.compile(
    rf"\bthe ({'|'.join(_ORDINALS)})(?: \w+)? (?:step|tip|item|point|stage|phase|thing|one|way"
    r"|rule|lesson|mistake|takeaway|reason|option|skill|trait|quality|qualities|characteristic"
    r"|attribute|requirement|qualification|benefit|job|role|program|path|pathway|strategy|method"
    r"|technique|hack|habit|idea|project|resource|example|question|part|letter)s?\b"
    r"|\b(?:step|tip|item|point|stage|phase|part|rule|lesson) (?:#|number |no\.? )?(\d{1,2})\b", re.I)


def ordinal(question: str) -> int | None:
    """The place in a list a question asks for (1 the first, −1 the last), if it asks one."""
    m = ORDINAL.search(question)
    if m is None:
        return None
    return _ORDINALS[m.group(1).lower()] if m.group(1) else int(m.group(2)) or None


def refers_back(sentence: str) -> bool:
    """The sentence opens by pointing at the one before ("It was…", "(This is…")."""
    return bool(ANAPHOR.match(sentence.lstrip("(\"'“‘")))


#: A sentence turning against what was said before it ("This is great advice, but…", "However, …").
TURN = re.compile(
    r"^(?:but|however|yet|still)\b|^(?:it|this|that|these|those|they|such)\b[^,.;]{0,60},\s*but\b", re.I)


def turns_on(sentence: str) -> bool:
    """The sentence takes up the one before and turns against it ("This is great advice, but
    you can do more…"): the point comes after the turn."""
    return bool(TURN.match(sentence.lstrip("(\"'“‘")))


def points_ahead(sentence: str) -> bool:
    """The sentence leads into the next passage instead of saying anything itself."""
    return bool(POINTS_AHEAD.search(sentence.strip()))


def only_points_ahead(sentences: tuple[str, ...]) -> bool:
    """A signpost: every sentence announces what follows ("In this section, we will cover…"),
    none says it. As an answer it tells the visitor nothing (docs/quality.md, item 57)."""
    return bool(sentences) and all(points_ahead(s) for s in sentences)


#: A caption a lost picture left behind ('My "About Me" page on Personal Website'): at most
#: this many words, and no full stop.
CAPTION_WORDS = 14


def caption(sentence: str) -> bool:
    """The sentence only captions a picture the text lost: short, and it ends unpunctuated."""
    text = sentence.strip().rstrip("\\\"'”’)")
    return bool(text) and not text.endswith((".", "!", "?", ":")) and len(text.split()) <= CAPTION_WORDS


def uncaptioned(sentences: tuple[str, ...]) -> tuple[str, ...]:
    """The sentences without the captions a lead-in's lost pictures left after it ("…to building
    a stellar LinkedIn portfolio: \\My\\ LinkedIn Profile\\"): the lead-in ends the passage."""
    while len(sentences) > 1 and caption(sentences[-1]) and points_ahead(sentences[-2]):
        sentences = sentences[:-1]
    return sentences


def leads_into_list(sentences: tuple[str, ...]) -> bool:
    """The passage ends on a lead-in to a list ("…these tips:"), past the captions of pictures
    the text lost after it."""
    return bool(sentences) and introduces_list(uncaptioned(sentences)[-1])


def unlabelled(chunk: Chunk) -> tuple[str, ...]:
    """The chunk's sentences without its label ("Example Project Ideas: Here's a handbook…"
    says "Here's a handbook…"): a heading says nothing of its own."""
    first, *rest = chunk.sentences or ("",)
    if chunk.label:
        first = first.removeprefix(chunk.label).lstrip(": ")
    return tuple(s for s in (first, *rest) if s)


def says_nothing(chunk: Chunk) -> bool:
    """A section's opening entry whose text after its heading only captions a lost picture, or
    points ahead to one ("About You Page: Below is my About Me page…: My "About Me" page on
    Personal Website"): what the section says is in the passages after it."""
    if chunk.kind != "item" or not chunk.label or not chunk.section or chunk.section[-1] != chunk.label:
        return False
    said = unlabelled(chunk)
    return any(map(caption, said)) and all(points_ahead(s) or caption(s) for s in said)


#: Labels of a counter-example ("Bad Example: 'Worked on a team to make a school app.'"): it
#: shows what not to do, so it answers no question alone, unless the question asks for what
#: not to do ("what does a bad résumé look like?").
COUNTER_EXAMPLE = re.compile(r"^(?:(bad|poor|weak|wrong) examples?|don['’]?t|do not|avoid)$", re.I)
#: A question asking what to avoid ("what should I avoid…?", "what not to do…"), which a
#: "Don't:" or "Avoid:" item answers; a bare "don't" is not enough ("what if I don't have…?").
ASKS_AVOID = re.compile(r"\b(?:not to|avoid\w*|shouldn['’]?t|should not|never)\b", re.I)


def counter_example(chunk: Chunk, question: str = "") -> bool:
    """The chunk is a labelled counter-example ("Bad Example: …", "Don't: …") that the question
    does not ask for: "what does a bad résumé look like?" asks for the bad example."""
    m = COUNTER_EXAMPLE.match(chunk.label.strip()) if chunk.label else None
    if m is None:
        return False
    asked = re.compile(rf"\b{m.group(1)}\b", re.I) if m.group(1) else ASKS_AVOID
    return not asked.search(question)


def asked_plural(question: str) -> str:
    """The plural a "what/which …s should…" question asks for ("pages"), or ""."""
    m = ASKS_PLURAL.search(question)
    return m.group(1).lower() if m else ""


def about_the_text(question: str) -> bool:
    """The question asks about the text itself ("what does this guide cover?")."""
    return bool(ABOUT_THE_TEXT.search(question))


def is_follow_up(question: str) -> bool:
    words = question.split()
    return len(words) <= 8 and bool(FOLLOW_UP.search(question))


def points_back(question: str) -> bool:
    """The question is incomplete without the one before it: it names it by a pronoun."""
    return bool(POINTS_BACK.search(question))


def suggestion_for(chunk: Chunk) -> str:
    """A question a user could click to get this chunk's answer."""
    if chunk.kind == "faq" and chunk.label:
        return chunk.label
    if chunk.kind in ("bullet", "item") and chunk.label:
        return f"Tell me about {chunk.label}"
    title = chunk.section[-1] if chunk.section else chunk.doc_title
    return title if title.endswith("?") else f"Tell me about {title}"


#: A question after a place for the asker to go ("where can I publish developer articles?",
#: "is there a website for mock interviews?"), not after where to begin ("where do I start?")
#: or where something is ("where was the Secretariat based?").
ASKS_PLACE = re.compile(
    r"^\W*(?:where (?:can|could|should|do|would|might|to)\b(?!(?:\s+(?:i|we|you|one))?\s+(?:start|begin)\b)"
    r"|(?:is|are) there (?:a|an|any|some) (?:\w+ )?(?:websites?|sites?|platforms?|places?)\b"
    r"|(?:what|which) (?:\w+ )?(?:websites?|sites?|platforms?)\b)", re.I)
_WEB_ADDRESS = re.compile(r"\b[a-z0-9][a-z0-9-]*\.(?:com|io|to|org|dev|so|net|co|ai|app)\b", re.I)
_WORD = re.compile(r"[A-Za-z][A-Za-z.'’-]*[A-Za-z]")
_TO_A_PLACE = frozenset({"like", "called", "on", "at", "via", "through", "including", "as"})
#: A capitalised word at least this rare in everyday English names something ("Pramp",
#: "Coursera", "LinkedIn"), where a common one is only a word in title case ("Data Science").
NAME_RARITY = 0.5


def _name(word: str) -> bool:
    return word[0].isupper() and specificity(word.lower()) >= NAME_RARITY


def names_place(chunk: Chunk) -> bool:
    """The passage names where to go: a web address ("dev.to"), a name as its whole label
    ("Pramp: Engage in free mock interviews"), or a name after a word that leads to a place
    ("platforms like Coursera", "on LinkedIn"); a heading's title case ("Job Portals") or a
    name said otherwise ("emails from Inbox") names no place to go."""
    if _WEB_ADDRESS.search(chunk.text):
        return True
    if chunk.label and len(chunk.label.split()) <= 2 and all(map(_name, chunk.label.split())):
        return True
    for sentence in unlabelled(chunk):
        said = _WORD.findall(sentence)
        if any(before in _TO_A_PLACE and _name(word) for before, word in pairwise(said)):
            return True
    return False
