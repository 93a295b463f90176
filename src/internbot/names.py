"""The corpus's proper names ("Shopify", "Google", "AWS") and the documents that speak of each.

A question naming one ("How much do Shopify interns get paid per hour?") is about that name.
When the passage found does not say it and its document does not speak of it, the passage
answers another question (the seed's intern pay, which never names Shopify): the answerer then
abstains (`Answerer.confidence`). A name is a word the corpus writes capitalised after a
lower-case word ("interning at Shopify") nearly every time, never the title case of a heading
("Online Job Portals") or a sentence's first word.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

from internbot.records import Chunk
from internbot.tokens import STOPWORDS, fold, words

FILE = "names.json"
#: A word is a name when at least this share of its uses after a lower-case word in a
#: sentence are capitalised…
CAPITALISED = 0.8
#: …and at least this many are, or one that stands alone: "platforms like Netflix" names
#: Netflix, "automated Applicant Tracking Systems" is a term in title case.
MIN_CAPITALISED = 2
#: Version of how names are read, kept in the manifest: an index read the old way is rebuilt.
#: 2: a word capitalised once after a lower-case word is a name when that use stands alone.
NAMES_VERSION = "2"
#: A document speaks of a name when this many of its passages say it; one passing mention ("a
#: quick Google search") is not the guide speaking of Google.
SPEAKS_OF = 2

#: A name more documents than this speak of is a theme of the corpus (Google in a FAQ on
#: Google's apps), which a passage can be about without saying it: only a name at most one
#: document speaks of is checked.
THEME = 1

#: A word and the break before it: a sentence's end or a colon resets "after a lower-case word",
#: a comma does not ("skills, Python"), and any break ends a run of capitalised words.
_TOKEN = re.compile(r"([.!?:;,]\s*)?\b([A-Za-z][A-Za-z0-9]*)\b")


class Names:
    """The corpus's names, each with the documents that speak of it."""

    def __init__(self, spoken: dict[str, frozenset[str]]) -> None:
        self.spoken = spoken

    def unspoken(self, question: str, top: Chunk,
                 aliases: Iterable[tuple[str, Iterable[str]]] = ()) -> str:
        """A name the question says that the passage `top` (with its headings, title and
        author) does not, and its document does not speak of, while at most one other does
        (`THEME`); "" when there is none. A name said as its alias counts as said
        (`aliases`: each phrase the question says with its group's other members), so "Meta"
        asks about the corpus's "Facebook" as "Facebook" does."""
        asked = [(w, w) for w in dict.fromkeys(words(question))]
        asked += [(said, w) for said, others in aliases for m in others for w in words(m)]
        said = [(w, name) for w, name in asked
                if name in self.spoken and len(self.spoken[name]) <= THEME]
        if not said:
            return ""
        held = set(words(f"{top.lexical_text(True)} {top.label}"))
        return next((w for w, name in said if name not in held and not held.issuperset(words(w))
                     and top.doc_id not in self.spoken[name]), "")

    def save(self, folder: Path) -> Path:
        path = Path(folder) / FILE
        path.write_text(json.dumps({w: sorted(d) for w, d in sorted(self.spoken.items())},
                                   ensure_ascii=False), encoding="utf-8")
        return path

    @classmethod
    def load(cls, folder: Path) -> Names:
        data = json.loads((Path(folder) / FILE).read_text(encoding="utf-8"))
        return cls({w: frozenset(d) for w, d in data.items()})


class NamesBuilder:
    """Counts capitalisation over the passages, in corpus order (the index build streams them),
    and each document's passages saying each capitalised word."""

    def __init__(self) -> None:
        self._after_lower: Counter[str] = Counter()
        self._capitalised: Counter[str] = Counter()
        self._alone: Counter[str] = Counter()
        self._spoken: defaultdict[str, set[str]] = defaultdict(set)
        self._doc = ""
        self._in_doc: Counter[str] = Counter()

    def add(self, chunk: Chunk) -> None:
        if chunk.doc_id != self._doc:
            self._close_doc()
            self._doc = chunk.doc_id
        if chunk.kind == "list":  # a summary of passages counted on their own, led by their titles
            return
        said: set[str] = set()
        for n, sentence in enumerate(chunk.sentences):
            if n == 0 and chunk.label:  # a heading's title case ("Stay on the Radar: …")
                sentence = sentence.removeprefix(chunk.label)
            before = ""
            tokens = _TOKEN.findall(fold(sentence))
            for k, (stop, word) in enumerate(tokens):
                if before.islower() and stop.strip() in ("", ","):
                    low = word.lower()
                    self._after_lower[low] += 1
                    self._capitalised[low] += word[0].isupper()
                    after, following = tokens[k + 1] if k + 1 < len(tokens) else ("", "")
                    self._alone[low] += word[0].isupper() and not (following[:1].isupper() and not after)
                if word[0].isupper():
                    said.add(word.lower())
                before = word
        self._in_doc.update(said)

    def _close_doc(self) -> None:
        for word, n in self._in_doc.items():
            if n >= SPEAKS_OF:
                self._spoken[word].add(self._doc)
        self._in_doc.clear()

    def finish(self) -> Names:
        self._close_doc()
        names = {w for w, n in self._capitalised.items()
                 if (n >= MIN_CAPITALISED or self._alone[w])
                 and n >= CAPITALISED * self._after_lower[w]
                 and w not in STOPWORDS and len(w) > 2}
        return Names({w: frozenset(self._spoken.get(w, ())) for w in names})


def names_of(chunks: Iterable[Chunk]) -> Names:
    """`NamesBuilder` over these passages."""
    builder = NamesBuilder()
    for chunk in chunks:
        builder.add(chunk)
    return builder.finish()
