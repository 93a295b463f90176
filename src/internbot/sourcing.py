"""The passages shown with an answer as its sources: the answering one first, then the other
hits that each show something new, each with its best sentence and its link."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from internbot.records import Chunk, Hit, Source, clip
from internbot.trimming import Trimmer


class Sources:
    """Builds an answer's sources from its hits."""

    def __init__(self, documents: Sequence[dict[str, Any]], trimmer: Trimmer, top_k: int) -> None:
        self.trimmer = trimmer
        self.top_k = top_k
        #: Pages crawled from the web link to themselves.
        self._urls = {d["id"]: d["url"] for d in documents if d.get("url")}
        self._anchors: dict[str, dict[str, str]] = {
            d["id"]: d["anchors"] for d in documents if d.get("anchors")}

    def shown(self, hits: list[Hit], vector: np.ndarray) -> tuple[Source, ...]:
        """The best hits that each show something new (what an abstention offers instead)."""
        return tuple(self.source(h, vector) for h in distinct(hits)[: self.top_k])

    def led_by(self, chunk: Chunk, hits: list[Hit], vector: np.ndarray) -> tuple[Source, ...]:
        """The passage the answer was taken from first, then the other hits that each show
        something new: a list answer's own list is shown even when its items rank apart."""
        lead = next((h for h in hits if h.chunk.id == chunk.id), None) or Hit(chunk, hits[0].score)
        rest = [h for h in distinct([lead, *hits]) if h.chunk.id != chunk.id]
        return tuple(self.source(h, vector) for h in [lead, *rest][: self.top_k])

    def source(self, hit: Hit, vector: np.ndarray) -> Source:
        chunk = hit.chunk
        highlights: tuple[str, ...] = ()
        if chunk.kind != "list" and len(chunk.sentences) > 1:
            sims = self.trimmer.sentence_sims(chunk, vector)
            highlights = (chunk.sentences[int(np.argmax(sims))],)
        return Source(chunk.doc_id, chunk.section_title, clip(chunk.text), round(hit.score, 4),
                      chunk.doc_title, highlights, chunk.id, self.link(chunk), chunk.page)

    def link(self, chunk: Chunk) -> str:
        """Where the passage lives: its page's URL, at its section's `#anchor` when the page
        has one, or at its PDF page."""
        url = self._urls.get(chunk.doc_id, "")
        if not url:
            return ""
        for heading in reversed(chunk.section):
            if anchor := self._anchors.get(chunk.doc_id, {}).get(heading):
                return f"{url}#{anchor}"
        return f"{url}#page={chunk.page}" if chunk.page else url


def distinct(hits: list[Hit]) -> list[Hit]:
    """Hits that each show something new, best first. Dropped: a list summary whose every
    item opens one of the other hits (a summary whose items are not among them is kept,
    even beside a passage of its section), and a hit whose text holds, or is held by, a
    better one's (a list's lead paragraph beside the list that repeats it). A worse hit that
    holds a better one's text takes its place, and is then ranked by its own score."""
    texts = [" ".join(h.chunk.text.split()) for h in hits]
    shown = [t for t, h in zip(texts, hits, strict=True) if h.chunk.kind != "list"]

    def repeats(chunk: Chunk) -> bool:
        items = [item.strip()[:60] for item in chunk.items]
        return bool(items) and all(any(item in text for text in shown) for item in items)

    kept: list[tuple[str, Hit]] = []
    for text, hit in zip(texts, hits, strict=True):
        if (hit.chunk.kind == "list" and repeats(hit.chunk)) or any(
                text in other for other, _ in kept):
            continue
        held = [i for i, (other, _) in enumerate(kept) if other in text]
        if held:  # it shows all a better hit shows, and more: it takes that hit's place
            kept[held[0]] = (text, hit)
            kept = [k for i, k in enumerate(kept) if i not in held[1:]]
        else:
            kept.append((text, hit))
    return sorted((hit for _, hit in kept), key=lambda h: -h.score) or hits

