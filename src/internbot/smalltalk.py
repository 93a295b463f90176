"""Greetings, thanks and "what can you do?" get a friendly reply instead of a retrieved passage.

Only whole short utterances match, so "tell me a joke about dogs" is not small talk: it is an
out-of-scope question and gets the honest fallback.
"""

from __future__ import annotations

import re

_TAIL = r"(?:\s+(?:there|internbot|bot|everyone|all|so much|a lot|very much|again))*[\s!.?,:)]*"
_GUIDE = r"(?:this|the|your) (?:guides?|articles?|site)"
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("greeting", re.compile(
        r"^(?:hi+|hello+|hey+|hiya|howdy|yo|greetings|good (?:morning|afternoon|evening|day))"
        + _TAIL + r"$", re.I)),
    ("thanks", re.compile(
        r"^(?:(?:ok(?:ay)?|great|cool|awesome|perfect|nice)[,!. ]*)?"
        r"(?:thanks?|thank you|thx|ty|cheers|much appreciated|that helps|got it)" + _TAIL + r"$",
        re.I)),
    ("bye", re.compile(r"^(?:bye|goodbye|see (?:you|ya)(?: later)?|later|good night)" + _TAIL + r"$",
                       re.I)),
    ("help", re.compile(
        r"^(?:help|what can (?:you|i) (?:do|ask(?: you)?)|what do you (?:do|know)|who are you"
        r"|what are you|how does this work|what is this|what can you help (?:me )?with"
        r"|what (?:questions|topics) can (?:you|i) (?:answer|ask)"
        # "What topics does this guide cover?": the guide itself, not a topic in it.
        rf"|(?:what|which) (?:topics|subjects|things)? ?(?:does|do) {_GUIDE} (?:cover|talk about|discuss)"
        rf"|(?:what|which) (?:topics|subjects) (?:are|get) covered(?: in {_GUIDE})?)"
        + _TAIL + r"$", re.I)),
]


def classify(text: str) -> str | None:
    """The kind of small talk ('greeting', 'thanks', 'bye', 'help'), or None for a real question."""
    cleaned = " ".join(text.strip().split())
    if len(cleaned) > 60:
        return None
    for kind, pattern in _PATTERNS:
        if pattern.match(cleaned):
            return kind
    return None


def reply(kind: str, topics: str) -> str:
    """A short friendly reply that points at what the guides cover."""
    if kind == "thanks":
        return "You're welcome! Ask me anything else about " + topics + "."
    if kind == "bye":
        return "Good luck with your applications! Come back any time."
    if kind == "help":
        return (
            "I answer questions from our career guides, quoting the passage I used. "
            "You can ask me about " + topics + "."
        )
    return "Hi! I can answer questions about " + topics + ". What would you like to know?"
