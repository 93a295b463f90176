"""The index build, streamed: corpus → passages → vectors → `IndexWriter`, a batch at a time.

Memory is bounded by a batch and a cache of recent vectors, not by the corpus: passages are
chunked lazily, embedded a batch at a time and written straight to disk. A text the previous
index already embedded (looked up by content hash in sorted arrays, 17 bytes a text) or that
this build embedded recently (boilerplate repeats) is not embedded again.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from internbot.chunking import chunk_documents
from internbot.curated import CuratedAnswer, CuratedIndex
from internbot.embedder import Embedder, WordEmbedder, word_embedder
from internbot.index import Index, Manifest
from internbot.records import Document, content_key
from internbot.writer import BATCH, IndexWriter, batched

log = logging.getLogger(__name__)

#: Vectors of this many recent texts are kept to skip repeats (about 100 MB at 384 dimensions).
RECENT = 65_536
#: Passages embedded at a time for their word vectors (up to 256 words of 384 floats each).
WORDS_BATCH = 256
#: Word vectors are kept for corpora up to this many passages (about 130 bytes a word, ~150
#: words a passage: 400 MB here); a larger corpus is served without late interaction.
WORDS_MAX_PASSAGES = 20_000



class PreviousVectors:
    """The previous index's vectors by content key: sorted keys, and where each vector is."""

    def __init__(self, previous: Index | None = None) -> None:
        self._index = previous
        # Where each key's vector is: a row in vectors, or -(1 + row) in sentence vectors.
        if previous is not None and previous.keys is not None:  # stored: however they were formed
            vector_keys, sentence_keys = previous.keys
            keys = np.concatenate([vector_keys, sentence_keys]).astype(np.uint64, copy=False)
            where = np.concatenate([np.arange(len(vector_keys)), -1 - np.arange(len(sentence_keys))])
        else:  # from before the keys were stored: formed as this code does
            key_list: list[int] = []
            where_list: list[int] = []
            sentence = 0
            titled = previous is not None and previous.manifest.titled
            for row, chunk in enumerate(previous.chunks if previous is not None else ()):
                key_list.append(content_key(chunk.search_text(titled)))  # decoded without filling caches
                where_list.append(row)
                for text in chunk.sentence_texts():
                    key_list.append(content_key(text))
                    where_list.append(-1 - sentence)
                    sentence += 1
            keys, where = np.asarray(key_list, dtype=np.uint64), np.asarray(where_list, dtype=np.int64)
        order = np.argsort(keys, kind="stable")
        self._keys = keys[order]
        self._where = where.astype(np.int64, copy=False)[order]

    def find(self, keys: Sequence[int]) -> np.ndarray:
        """For each key, its position for `vector`, or -1 when the previous index lacks it."""
        wanted = np.asarray(keys, dtype=np.uint64)
        pos = np.searchsorted(self._keys, wanted)
        hit = pos < len(self._keys)
        hit[hit] = self._keys[pos[hit]] == wanted[hit]
        return np.where(hit, pos, -1)

    def vector(self, pos: int) -> np.ndarray:
        assert self._index is not None
        at = int(self._where[pos])
        if at >= 0:
            return np.asarray(self._index.vectors[at], dtype=np.float32)
        return np.asarray(self._index.sentence_vectors[-1 - at], dtype=np.float32)


@dataclass
class BuildStats:
    chunks: int = 0
    sentences: int = 0
    #: Texts embedded, and texts whose vectors came from the previous index.
    embedded: int = 0
    reused: int = 0
    seconds: float = 0.0


class _Vectors:
    """Vectors for texts: recent ones from an LRU cache, old ones from the previous index, the
    rest embedded (each distinct text once per batch)."""

    def __init__(self, embedder: Embedder, previous: PreviousVectors, stats: BuildStats) -> None:
        self.embedder, self.previous, self.stats = embedder, previous, stats
        self.recent: OrderedDict[int, np.ndarray] = OrderedDict()

    def _remember(self, key: int, vector: np.ndarray) -> None:
        self.recent[key] = vector
        if len(self.recent) > RECENT:
            self.recent.popitem(last=False)

    def __call__(self, texts: Sequence[str]) -> tuple[np.ndarray, list[int]]:
        """The texts' vectors, and their content keys (stored with them)."""
        keys = [content_key(t) for t in texts]
        found = self.previous.find(keys)
        got: dict[int, np.ndarray] = {}
        missing: dict[int, str] = {}
        for key, text, pos in zip(keys, texts, found, strict=True):
            if key in got or key in missing:
                continue
            if key in self.recent:
                self.recent.move_to_end(key)
                got[key] = self.recent[key]
            elif pos >= 0:
                got[key] = self.previous.vector(int(pos))
                self.stats.reused += 1
            else:
                missing[key] = text
        if missing:
            order = sorted(missing, key=missing.__getitem__)
            fresh = self.embedder.encode([missing[k] for k in order])
            got.update(zip(order, fresh, strict=True))
            self.stats.embedded += len(missing)
        for key, vector in got.items():
            self._remember(key, vector)
        if not keys:
            return np.zeros((0, self.embedder.dim), dtype=np.float32), keys
        return np.stack([got[k] for k in keys]).astype(np.float32, copy=False), keys

    def with_words(self, texts: Sequence[str], embedder: WordEmbedder,
                   sink: Callable[[list[np.ndarray]], None]) -> tuple[np.ndarray, list[int]]:
        """Passages' vectors and content keys, each from the forward pass that gives its word
        vectors (handed to `sink` a bounded batch at a time): those need every passage's pass
        whatever the previous index holds, so its pooled vector comes from that same pass."""
        keys = [content_key(t) for t in texts]
        parts = []
        for part in batched(texts, WORDS_BATCH):
            part_vectors, words = embedder.encode_tokens(list(part))
            sink(words)
            parts.append(part_vectors)
        self.stats.embedded += len(texts)
        if not parts:
            return np.zeros((0, embedder.dim), dtype=np.float32), keys
        out = np.concatenate(parts).astype(np.float32, copy=False)
        for key, vector in zip(keys, out, strict=True):
            self._remember(key, vector)
        return out, keys


def build_index(writer: IndexWriter, docs: Iterable[Document], embedder: Embedder,
                manifest: Manifest, *, max_chars: int = 800, previous: Index | None = None,
                factory: str = "auto", curated: Sequence[CuratedAnswer] = (),
                progress: bool = False, batch: int = BATCH, words: bool = True,
                ) -> tuple[Manifest, CuratedIndex | None, BuildStats]:
    """Chunk, embed and write `docs` through `writer`, then finish it (FAISS, lexical, a
    manifest). Sentence vectors are rounded to float16 as stored, so what is calibrated later
    is what is served. With `words` (and an embedder that gives them), each passage's word
    vectors are stored too, for late interaction: every passage is then embedded afresh, its
    vector and its words from one pass, while sentences still reuse the previous index's."""
    start = time.perf_counter()
    stats = BuildStats()
    reusable = previous if previous is not None and previous.manifest.model == embedder.name else None
    vectors = _Vectors(embedder, PreviousVectors(reusable), stats)
    worded = word_embedder(embedder) if words else None
    if progress:
        from tqdm import tqdm

        docs = tqdm(docs, desc="indexing", unit="doc")
    for chunks in batched(chunk_documents(docs, max_chars), batch):
        sentences = [s for c in chunks for s in c.sentence_texts()]
        if worded is not None and stats.chunks + len(chunks) > WORDS_MAX_PASSAGES:
            log.info("over %d passages: no word vectors, so no late interaction", WORDS_MAX_PASSAGES)
            writer.drop_words()
            worded = None
        texts = [c.search_text(writer.titled) for c in chunks]
        chunk_vectors, chunk_keys = (vectors(texts) if worded is None
                                     else vectors.with_words(texts, worded, writer.add_words))
        sentence_vectors, sentence_keys = vectors(sentences)
        writer.add(chunks, chunk_vectors, sentence_vectors, keys=(chunk_keys, sentence_keys))
        stats.chunks += len(chunks)
        stats.sentences += len(sentences)
    index_curated = CuratedIndex.build(curated, embedder.encode, embedder.dim) if curated else None
    manifest = writer.finish(manifest, factory=factory, curated=index_curated, encode=embedder.encode)
    stats.seconds = time.perf_counter() - start
    return manifest, index_curated, stats
