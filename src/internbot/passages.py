"""An index's passages on disk, read by row when a question needs them, and the corpus-wide
facts the answerer needs about them (`Catalog`), computed at index time.

Loading an index then parses no passage: a million-passage `chunks.jsonl` is memory-mapped and
each row is decoded on first use (and cached), so start-up does not grow with the corpus.
"""

from __future__ import annotations

import json
import mmap
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, overload

import numpy as np

from internbot.records import Chunk

#: Passages decoded and kept per loaded index (the hot ones: candidates of recent questions).
CACHED_ROWS = 65_536
#: Top-level section titles kept for the fallback's "I can answer questions about …".
TOPICS = 12


class JsonlWriter:
    """Appends chunks to `chunks.jsonl`, one a line, remembering where each line starts."""

    def __init__(self, path: Path) -> None:
        self._file = path.open("wb")
        self.offsets = array("q", [0])

    def write(self, chunk: Chunk) -> None:
        line = (json.dumps(chunk.to_dict(), ensure_ascii=False) + "\n").encode()
        self._file.write(line)
        self.offsets.append(self.offsets[-1] + len(line))

    def close(self) -> np.ndarray:
        """Close the file; returns the byte offset of each line (and of the end)."""
        self._file.close()
        return np.array(self.offsets, dtype=np.int64)


class ChunkStore(Sequence[Chunk]):
    """The rows of `chunks.jsonl`, decoded on demand through a memory map."""

    def __init__(self, path: Path, offsets: np.ndarray) -> None:
        self._offsets = offsets
        self._file = path.open("rb")
        size = offsets[-1] if len(offsets) else 0
        self._map: mmap.mmap | bytes = (mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ)
                                        if size else b"")
        self._row = lru_cache(maxsize=CACHED_ROWS)(self._decode)

    def _decode(self, i: int) -> Chunk:
        line = self._map[int(self._offsets[i]) : int(self._offsets[i + 1])]
        return Chunk.from_dict(json.loads(line), row=i)

    def __len__(self) -> int:
        return len(self._offsets) - 1

    @overload
    def __getitem__(self, i: int) -> Chunk: ...
    @overload
    def __getitem__(self, i: slice) -> list[Chunk]: ...
    def __getitem__(self, i: int | slice) -> Chunk | list[Chunk]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = int(i)
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self._row(i)

    def __iter__(self) -> Iterator[Chunk]:
        """Every row in order, decoded without filling the cache (build-time passes)."""
        return (self._decode(i) for i in range(len(self)))


def section_key(doc_id: str, section: Sequence[str]) -> str:
    return "\x1f".join((doc_id, *section))


@dataclass(frozen=True)
class Catalog:
    """What the answerer needs to know about the whole corpus, without reading every passage."""

    #: The first distinct top-level section titles, in corpus order.
    topics: list[str] = field(default_factory=list)
    #: Each section's list summary: `section_key(doc, section)` → its row.
    lists: dict[str, int] = field(default_factory=dict)
    #: Rows of the first labelled FAQ passages (starter questions offered with the fallback).
    faqs: list[int] = field(default_factory=list)
    #: How many documents have passages.
    documents: int = 0

    @classmethod
    def of(cls, chunks: Iterable[Chunk]) -> Catalog:
        builder = CatalogBuilder()
        for chunk in chunks:
            builder.add(chunk)
        return builder.finish()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Catalog:
        return cls(list(data["topics"]), {k: int(v) for k, v in data["lists"].items()},
                   [int(r) for r in data["faqs"]], int(data["documents"]))


class CatalogBuilder:
    """Collects a `Catalog` one passage at a time, in row order (the index build streams)."""

    def __init__(self) -> None:
        self.topics: list[str] = []
        self.lists: dict[str, int] = {}
        self.faqs: list[int] = []
        self.docs: set[str] = set()
        self.rows = 0

    def add(self, c: Chunk) -> None:
        i, self.rows = self.rows, self.rows + 1
        self.docs.add(c.doc_id)
        if len(c.section) == 1 and len(self.topics) < TOPICS and c.section[0] not in self.topics:
            self.topics.append(c.section[0])
        if c.kind == "list":
            self.lists[section_key(c.doc_id, c.section)] = i
        if c.kind == "faq" and c.label and len(self.faqs) < 5:
            self.faqs.append(i)

    def finish(self) -> Catalog:
        return Catalog(self.topics, self.lists, self.faqs, len(self.docs))
