"""Structure-aware chunking: blocks → `Chunk`s that each know their document and section.

- paragraphs become passages (tiny ones merge with the next; long ones split on sentences);
- every bullet is its own chunk, kept whole;
- numbered entries ("1. Google AI Residency:") become one `item` chunk, FAQ questions one `faq`
  chunk holding the question with its answer;
- a section with three or more bullets or entries also gets a `list` chunk summarising them,
  so enumerating questions can be answered with the whole list.

Deterministic: the same document always gives the same chunks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

from internbot.parsing import Block, parse
from internbot.records import Chunk, ChunkKind, Document

CHUNKER_VERSION = "19"  # 19: a numbered section may open on a sub-heading ("12. How to Navigate…")
MIN_PARAGRAPH_CHARS = 120
MIN_LIST_MEMBERS = 3

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[\"“‘(]?[A-Z0-9$£€])")
_ABBREV = re.compile(r"(?:\b(?:e\.g|i\.e|etc|vs|Mr|Mrs|Ms|Dr|Prof|St|No|U\.S|Ph\.D|Inc|Ltd)\.)$")


def split_sentences(text: str) -> list[str]:
    """Sentences of a paragraph, without breaking on common abbreviations."""
    parts: list[str] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        candidate = text[start : m.start() + 1].strip() if m.start() >= start else ""
        if not candidate or _ABBREV.search(text[start : m.end()].rstrip()):
            continue
        parts.append(text[start : m.end()].strip())
        start = m.end()
    tail = text[start:].strip()
    if tail:
        parts.append(tail)
    return parts


def hard_wrap(text: str, limit: int) -> list[str]:
    """Split an over-long sentence at word boundaries (or anywhere, for unbroken text)."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind(" ", 0, limit)
        cut = cut if cut > limit // 2 else limit
        pieces.append(text[:cut].strip())
        text = text[cut:].strip()
    if text:
        pieces.append(text)
    return pieces


def pack_sentences(text: str, limit: int) -> list[list[str]]:
    """Group a paragraph's sentences into runs of at most `limit` characters."""
    groups: list[list[str]] = [[]]
    size = 0
    for sentence in split_sentences(text):
        for piece in hard_wrap(sentence, limit):
            if groups[-1] and size + len(piece) + 1 > limit:
                groups.append([])
                size = 0
            groups[-1].append(piece)
            size += len(piece) + 1
    return [g for g in groups if g]


def split_label(text: str) -> str:
    """The bold-ish label of "Curiosity: A deep-seated…", or '' when there is none."""
    head, sep, _ = text.partition(":")
    return head.strip() if sep and 0 < len(head) <= 60 and len(head.split()) <= 8 else ""


@dataclass
class Section:
    """Blocks gathered under one heading path while walking the document."""

    path: tuple[str, ...]
    level: int
    numbered: bool = False
    #: Titles only the bullets under it: the text after them belongs to the parent again.
    list_title: bool = False
    blocks: list[Block] = field(default_factory=list)
    children: list[Section] = field(default_factory=list)


def build_sections(blocks: Iterable[Block]) -> list[Section]:
    """Group blocks under their heading path; level-2 entries nest under the level-1 section."""
    root = Section((), 0)
    sections = [root]
    stack: list[Section] = [root]
    for block in blocks:
        if block.kind == "heading" and block.level == 0 and len(sections) == 1 and not root.blocks:
            continue  # the document title
        if block.kind == "heading":
            while len(stack) > 1 and stack[-1].level >= max(block.level, 1):
                stack.pop()
            parent = stack[-1]
            sec = Section((*parent.path, block.text), max(block.level, 1), list_title=block.list_title)
            parent.children.append(sec)
            sections.append(sec)
            stack.append(sec)
        else:
            top = stack[-1]
            if top.list_title and block.kind != "bullet" and top.blocks:
                stack.pop()
            stack[-1].blocks.append(block)
    return sections


class _Builder:
    def __init__(self, doc: Document, limit: int) -> None:
        self.doc, self.limit = doc, limit
        self.chunks: list[Chunk] = []

    def add(self, section: tuple[str, ...], kind: ChunkKind, sentences: list[str],
            label: str = "", text: str | None = None) -> None:
        body = text if text is not None else " ".join(sentences)
        self.chunks.append(Chunk(
            id=f"{self.doc.id}#{len(self.chunks)}",
            doc_id=self.doc.id, doc_title=self.doc.title, section=section, kind=kind,
            text=body, sentences=tuple(sentences), label=label, doc_author=self.doc.author,
        ))

    def passages(self, section: tuple[str, ...], paragraphs: list[str], kind: ChunkKind,
                 label: str = "") -> None:
        """Pack sentences into chunks of at most `limit` characters.

        Plain paragraphs start a new chunk each (a short one joins the next); the paragraphs of
        an FAQ answer or a numbered entry stay together as long as they fit.
        """
        carry: list[str] = []
        size = 0
        for para in paragraphs:
            for group in pack_sentences(para, self.limit):
                glen = sum(len(s) + 1 for s in group)
                if carry and size + glen > self.limit:
                    self.add(section, kind, carry, label)
                    carry, size = [], 0
                carry, size = carry + group, size + glen
            if kind == "paragraph" and size >= MIN_PARAGRAPH_CHARS:
                self.add(section, kind, carry, label)
                carry, size = [], 0
        if carry:
            self.add(section, kind, carry, label)

    def list_summary(self, section: tuple[str, ...], intro: str, members: list[str]) -> None:
        """One chunk listing every member as "• Label: first sentence", within the size limit."""
        lead = split_sentences(intro)[:2] if intro else []
        lead_text = " ".join(lead)
        room = max(60, (self.limit - len(lead_text) - 2) // len(members) - 3)
        lines = []
        for member in members:
            first = split_sentences(member)[0] if member else member
            if len(first) > room:
                first = first[: room - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"
            lines.append(f"• {first}")
        text = "\n".join(([lead_text] if lead_text else []) + lines)
        self.add(section, "list", lead + lines, text=text[: self.limit])


def chunk_document(doc: Document, max_chars: int = 800) -> list[Chunk]:
    """All chunks of one document, in reading order (list summaries after their section)."""
    builder = _Builder(doc, max_chars)
    for sec in build_sections(parse(doc)):
        paragraphs = [b.text for b in sec.blocks if b.kind == "paragraph"]
        bullets = [b.text for b in sec.blocks if b.kind == "bullet"]
        is_entry = len(sec.path) >= 2 and sec.level >= 2
        if is_entry:
            question = sec.path[-1].endswith("?")
            kind: ChunkKind = "faq" if question else "item"
            if question:
                builder.passages(sec.path, paragraphs, kind, label=sec.path[-1])
            else:
                entry = [f"{sec.path[-1]}: {paragraphs[0]}", *paragraphs[1:]] if paragraphs else []
                builder.passages(sec.path, entry, kind, label=sec.path[-1])
        else:
            builder.passages(sec.path, paragraphs, "paragraph")
        for bullet in bullets:
            for group in pack_sentences(bullet, max_chars):
                builder.add(sec.path, "bullet", group, label=split_label(bullet))
        entries = [
            c for c in sec.children
            if sec.path and c.level >= 2 and c.blocks and not c.path[-1].endswith("?")
        ]
        if len(bullets) >= MIN_LIST_MEMBERS:
            builder.list_summary(sec.path, _intro(sec.blocks), bullets)
        elif len(entries) >= MIN_LIST_MEMBERS:
            members = [
                f"{c.path[-1]}: {next((b.text for b in c.blocks if b.kind == 'paragraph'), '')}"
                for c in entries
            ]
            # Numbered entries follow all of their section's paragraphs: the last one leads in.
            builder.list_summary(sec.path, paragraphs[-1] if paragraphs else "", members)
    return _with_pages(builder.chunks, doc.pages) if doc.pages else builder.chunks


def _intro(blocks: list[Block]) -> str:
    """The paragraph that leads into a section's bullets: the last one before the first bullet
    ("I recommend these projects:"), not a closing remark after them ("" when none precedes)."""
    first = next(i for i, b in enumerate(blocks) if b.kind == "bullet")
    return next((b.text for b in reversed(blocks[:first]) if b.kind == "paragraph"), "")


def _with_pages(chunks: list[Chunk], pages: tuple[str, ...]) -> list[Chunk]:
    """Each chunk with the page its first sentence is on (paged documents)."""
    flat = [" ".join(p.split()) for p in pages]
    out, page = [], 1
    for chunk in chunks:
        probe = " ".join((chunk.sentences[0] if chunk.sentences else chunk.text).split())[:60]
        probe = probe.lstrip("• ").split(": ", 1)[-1][:40] if chunk.kind == "list" else probe
        found = next((n for n, text in enumerate(flat, 1) if probe and probe in text), page)
        page = found
        out.append(replace(chunk, page=found))
    return out


def chunk_documents(docs: Iterable[Document], max_chars: int = 800) -> Iterator[Chunk]:
    for doc in docs:
        yield from chunk_document(doc, max_chars)
