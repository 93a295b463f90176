"""Small typed records that flow between the modules: Document → Chunk → Hit → Answer."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

ChunkKind = Literal["paragraph", "bullet", "item", "faq", "list"]
#: How a document's text is parsed.
DocumentFormat = Literal["text", "markdown", "html"]
AnswerKind = Literal["passage", "list", "curated", "smalltalk", "fallback"]


#: How `Chunk.search_text` and `Chunk.sentence_texts` form what is embedded. Bump it when either
#: changes. An index stores each vector's `content_key`, so a rebuild still reuses the vectors of
#: texts that came out the same (an index from before the keys were stored: only while this
#: matches). (2, briefly: a sentence with its nearest heading only; reverted to 1's texts,
#: docs/quality.md item 27, so an index built then is rebuilt.) 3: a sentence under its last
#: SENTENCE_HEADINGS headings, not the whole path (item 74). 4: in a corpus of several
#: documents, a passage is embedded led by its document's title, as BM25 reads it (item 75).
EMBEDDED_TEXT_VERSION = 4
#: A sentence is embedded behind this many of its innermost headings (and its label): a deep
#: path's outer headings ("How to Find Internship Opportunities in Software Engineering ›
#: Interview Preparation Tools › …") drown a short sentence, the nearest alone is too thin.
SENTENCE_HEADINGS = 2


def content_key(text: str) -> int:
    """The 64-bit hash by which a text embedded once is found again (blake2b)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")

@dataclass(frozen=True)
class Document:
    """One source file of the corpus."""

    id: str
    title: str
    path: str
    text: str
    format: DocumentFormat = "text"
    #: Where the document lives on the web, when it was crawled from there.
    url: str = ""
    #: Each page's text, for paged formats (PDF): passages then know their page.
    pages: tuple[str, ...] = field(default=(), repr=False)
    #: For web pages, each heading's `#anchor` on the page (heading text → id).
    anchors: dict[str, str] = field(default_factory=dict, repr=False)
    #: Who wrote it, from its byline ("By Maple Ong"), when it has one.
    author: str = ""


def introduces_list(sentence: str) -> bool:
    """The sentence ends on a colon: what it announces is the list right after it."""
    return sentence.rstrip().endswith(":")


@dataclass(frozen=True)
class Chunk:
    """A passage small enough to be an answer, with the section it sits in.

    `kind` tells the answerer how to present it: a `list` chunk summarises a whole
    enumerating section, the others are single passages.
    """

    id: str
    doc_id: str
    doc_title: str
    section: tuple[str, ...]
    kind: ChunkKind
    text: str
    sentences: tuple[str, ...]
    #: For bullets and items, the label before the colon ("Curiosity"); for FAQ pairs, the question.
    label: str = ""
    #: The page it starts on, in paged documents (PDF); 0 otherwise.
    page: int = 0
    #: Its document's author, from the byline ("" when it has none).
    doc_author: str = ""
    #: Its row in the index (vectors, FAISS, BM25), once it belongs to one; not saved.
    row: int = field(default=-1, compare=False)

    @property
    def section_title(self) -> str:
        return " › ".join(self.section) if self.section else self.doc_title

    @property
    def context(self) -> tuple[str, ...]:
        """The headings a passage sits under: its section path, or the document's title when it
        comes before any heading (an FAQ thread's question, an article's introduction)."""
        return self.section or ((self.doc_title,) if self.doc_title else ())

    @property
    def items(self) -> tuple[str, ...]:
        """A list summary's items, without their "• " (whole, where its text may cut them)."""
        return tuple(s[2:] for s in self.sentences if s.startswith("• "))

    @property
    def lead(self) -> tuple[str, ...]:
        """A list summary's sentences before its items; a passage's sentences."""
        return tuple(s for s in self.sentences if not s.startswith("• "))

    @property
    def listing(self) -> str:
        """What names the list this passage is, belongs to or leads into: a list's headings and
        the sentence leading into it ("…these characteristics:"), a bullet's headings, an
        entry's parent headings, a passage ending on a colon."""
        if self.kind == "list":
            return " ".join((*self.section, *(s for s in self.lead if introduces_list(s))))
        if self.kind in ("bullet", "item"):
            return " ".join(self.section if self.kind == "bullet" else self.section[:-1])
        return self.text if introduces_list(self.text) else ""

    def search_text(self, titled: bool = False) -> str:
        """What gets embedded and indexed: the section path is evidence for the passage, led by
        the document's title when `titled` (a corpus of several guides, where the title tells
        them apart: "data science portfolio" in the question, only in one guide's title, not in
        its "focus on 2–5 outstanding projects"; a passage before any heading has the title as
        its path already)."""
        heading = " › ".join(self.context)
        if titled and self.section and self.doc_title:
            heading = f"{self.doc_title} › {heading}"
        return f"{heading}: {self.text}" if heading else self.text

    def lexical_text(self, titled: bool = False) -> str:
        """What BM25 indexes: the search text, led by its author's name, so "What does Maple Ong
        say about…" reads a known name that points to her guide, not an unknown word."""
        text = self.search_text(titled)
        return f"{self.doc_author} › {text}" if self.doc_author else text

    def sentence_texts(self) -> list[str]:
        """Sentences as embedded: prefixed with their innermost headings and label, so "12 to
        16 weeks" still knows it is about the Microsoft Research internship. (The nearest
        heading alone, item 27, and the last two, item 74: docs/quality.md.)"""
        context = " › ".join(self.context[-SENTENCE_HEADINGS:])
        if self.label and self.label not in self.section:
            context = f"{context} › {self.label}" if context else self.label
        return [f"{context}: {s}" if context else s for s in self.sentences]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        del data["row"]
        if not data["doc_author"]:
            del data["doc_author"]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any], row: int = -1) -> Chunk:
        return cls(
            id=data["id"],
            doc_id=data["doc_id"],
            doc_title=data["doc_title"],
            section=tuple(data["section"]),
            kind=data["kind"],
            text=data["text"],
            sentences=tuple(data["sentences"]),
            label=data.get("label", ""),
            page=int(data.get("page", 0)),
            doc_author=data.get("doc_author", ""),
            row=row,
        )


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its fused score and the evidence behind it."""

    chunk: Chunk
    score: float
    dense: float = 0.0
    lexical: float = 0.0


@dataclass(frozen=True)
class Source:
    """A passage shown to the user as evidence for an answer."""

    doc: str
    section: str
    text: str
    score: float
    doc_title: str = ""
    highlights: tuple[str, ...] = ()
    #: The chunk's id in the index: a stable passage id for TREC runs and feedback.
    chunk: str = ""
    #: The page the passage comes from, when its guide was crawled from the web.
    url: str = ""
    #: The PDF page the passage starts on (0: not a paged document).
    page: int = 0


#: The longest answer text shown, source line included.
MAX_ANSWER_CHARS = 800


def clip(text: str, limit: int = MAX_ANSWER_CHARS) -> str:
    """`text` cut at a word boundary to at most `limit` characters, with an ellipsis."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"


@dataclass(frozen=True)
class Answer:
    """The answer contract shared by the CLI, batch eval and the HTTP API."""

    question: str
    answered: bool
    answer: str
    confidence: float
    sources: tuple[Source, ...] = ()
    suggestions: tuple[str, ...] = ()
    kind: AnswerKind = "passage"
    section: str = ""
    #: Answered, but with a confidence in the band where answers are often wrong: the text
    #: says so (`Settings.unsure_below`).
    unsure: bool = False

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy. Shallow, since every field is a plain value: `asdict` copied
        them deeply, a sixth of the HTTP thread's time under load (docs/benchmarks.md)."""
        data = dict(vars(self))
        data["sources"] = [{k: v for k, v in vars(s).items() if k != "highlights" or v}
                           for s in self.sources]
        data["suggestions"] = list(self.suggestions)
        return data


@dataclass(frozen=True)
class Query:
    """A question with the earlier user questions of the same chat, oldest first."""

    question: str
    history: tuple[str, ...] = field(default_factory=tuple)
