"""Writing the index folder: `IndexWriter` streams a build into a temp folder beside the
target and swaps it in with `os.replace`; `save` writes a loaded index through the same writer.

An interrupted build leaves the previous index usable (`index.py` describes the files and
loads them back).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, replace
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import numpy as np

from internbot.curated import CuratedIndex
from internbot.embedder import sha256_file
from internbot.index import (
    FILES,
    KEY_FILES,
    LEXICAL,
    WORD_FILES,
    WORD_PROJECTION,
    Index,
    Manifest,
    index_aliases,
)
from internbot.late import Projection, quantise
from internbot.lexical import LexicalBuilder
from internbot.names import NamesBuilder
from internbot.passages import CatalogBuilder, JsonlWriter
from internbot.records import Chunk, content_key
from internbot.search import faiss as ann

T = TypeVar("T")

def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


BATCH = 4096


def batched(items: Iterable[T], size: int = BATCH) -> Iterator[list[T]]:
    """Lists of up to `size` consecutive items (itertools.batched arrives in Python 3.12)."""
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


class IndexWriter:
    """Streams passages and their vectors into a temp folder beside the target; `commit` swaps
    it in. Vectors go straight to disk; what stays in memory grows by the terms' ids (4 bytes
    each, for BM25) and the offsets, not by passages or vectors.

    Use it as a context manager: leaving without `commit` removes the temp folder."""

    def __init__(self, index_dir: Path, dim: int, synonyms: Sequence[Sequence[str]] = (),
                 *, titled: bool = False) -> None:
        self.index_dir = Path(index_dir)
        #: BM25 reads each passage with its document's title (`Chunk.lexical_text`): set for a
        #: corpus of several documents, where a title tells them apart.
        self.titled = titled
        self.index_dir.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_builds(self.index_dir)
        self.tmp = Path(tempfile.mkdtemp(prefix=f".{self.index_dir.name}.tmp-", dir=self.index_dir.parent))
        self.dim, self.rows, self.sentence_rows = dim, 0, 0
        self._aliases = index_aliases([list(g) for g in synonyms])
        self._chunks = JsonlWriter(self.tmp / "chunks.jsonl")
        self._vectors = (self.tmp / "vectors.f32").open("wb")
        self._sentences = (self.tmp / "sentences.f16").open("wb")
        self._keys = array("Q"), array("Q")
        self._sentence_offsets = array("q", [0])
        self._catalog, self._lexical, self._names = CatalogBuilder(), LexicalBuilder(), NamesBuilder()
        self._files: list[str] = []
        self._written: list[str] = []
        #: Passages' word vectors (`add(words=…)`): projected on axes fitted on the first batch.
        self._projection: Projection | None = None
        self._words: tuple[BinaryIO, BinaryIO] | None = None
        self._word_offsets = array("q", [0])

    def __enter__(self) -> IndexWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        for f in (self._vectors, self._sentences, *(self._words or ())):
            f.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray, sentence_vectors: np.ndarray,
            keys: tuple[Sequence[int], Sequence[int]] | None = None) -> None:
        """Append passages in order, with one vector each and one per sentence (float16 on disk),
        and the content keys of the texts embedded (formed as this code forms them if not given)."""
        if keys is None:
            keys = ([content_key(c.search_text(self.titled)) for c in chunks],
                    [content_key(t) for c in chunks for t in c.sentence_texts()])
        self._keys[0].extend(keys[0])
        self._keys[1].extend(keys[1])
        for chunk in chunks:
            self._chunks.write(chunk)
            self._catalog.add(chunk)
            self._names.add(chunk)
            # Every alias group a passage mentions is one more term of it ("ML" finds
            # "machine learning").
            text = chunk.lexical_text(self.titled)
            self._lexical.add(text, self._aliases.groups_in(text))
            self.sentence_rows += len(chunk.sentences)
            self._sentence_offsets.append(self.sentence_rows)
        self.rows += len(chunks)
        self._vectors.write(np.ascontiguousarray(vectors, dtype=np.float32).tobytes())
        self._sentences.write(np.ascontiguousarray(sentence_vectors, dtype=np.float16).tobytes())

    def add_words(self, words: Sequence[np.ndarray]) -> None:
        """Append passages' word vectors in passage order (all passages' or none), projected on
        axes fitted on the first ones given, and rounded to int8."""
        if self._words is None:
            self._projection = Projection.fit(np.concatenate([*words, np.zeros((0, self.dim))]))
            self._words = (self.tmp / "words.i8").open("wb"), (self.tmp / "word_scales.f32").open("wb")
        assert self._projection is not None
        for passage in words:
            codes, scales = quantise(self._projection.apply(passage))
            self._words[0].write(codes.tobytes())
            self._words[1].write(scales.tobytes())
            self._word_offsets.append(self._word_offsets[-1] + len(codes))

    def drop_words(self) -> None:
        """Keep no word vectors after all (a corpus too large for them)."""
        for f in self._words or ():
            f.close()
            Path(f.name).unlink(missing_ok=True)
        self._words, self._projection, self._word_offsets = None, None, array("q", [0])

    def _finish_words(self) -> list[str]:
        """Write the word vectors' files; their names (none when no words were added)."""
        if self._words is None or self._projection is None:
            return []
        if len(self._word_offsets) != self.rows + 1:
            raise ValueError(f"word vectors for {len(self._word_offsets) - 1} of {self.rows} passages")
        rows = self._word_offsets[-1]
        dim = self.dim if self._projection.axes is None else self._projection.axes.shape[1]
        _npy_from_raw(self._words[0], self.tmp / WORD_FILES[0], np.int8, (rows, dim))
        _npy_from_raw(self._words[1], self.tmp / WORD_FILES[1], np.float32, (rows,))
        np.save(self.tmp / WORD_FILES[2], np.array(self._word_offsets, dtype=np.int64))
        if (axes := self._projection.to_array()) is not None:
            np.save(self.tmp / WORD_PROJECTION, axes)
            return [*WORD_FILES, WORD_PROJECTION]
        return list(WORD_FILES)

    def finish(self, manifest: Manifest, *, factory: str = "auto", faiss_index: Any = None,
               curated: CuratedIndex | None = None,
               encode: Callable[[list[str]], np.ndarray] | None = None,
               false_starts: Sequence[str] | None = None) -> Manifest:
        """Write everything else (FAISS is built here unless given) and a manifest; the temp
        folder then loads with `load(writer.tmp)`. Returns the manifest written."""
        np.save(self.tmp / "chunk_offsets.npy", self._chunks.close())
        np.save(self.tmp / "sentence_offsets.npy", np.array(self._sentence_offsets, dtype=np.int64))
        for name, keys in zip(KEY_FILES, self._keys, strict=True):
            np.save(self.tmp / name, np.frombuffer(keys, dtype=np.uint64))
        (self.tmp / "catalog.json").write_text(json.dumps(self._catalog.finish().to_dict(),
                                                          ensure_ascii=False))
        _npy_from_raw(self._vectors, self.tmp / "vectors.npy", np.float32, (self.rows, self.dim))
        _npy_from_raw(self._sentences, self.tmp / "sentences.npy", np.float16,
                      (self.sentence_rows, self.dim))
        words = self._finish_words()
        names = self._names.finish().save(self.tmp).name
        lexical = [p.relative_to(self.tmp).as_posix()
                   for p in self._lexical.finish(encode, false_starts).save(self.tmp / LEXICAL)]
        del self._lexical  # its postings are on disk now; free them before FAISS
        manifest = replace(manifest, chunk_count=self.rows, sentence_count=self.sentence_rows)
        if faiss_index is None:
            vectors = np.load(self.tmp / "vectors.npy", mmap_mode="r")
            faiss_index, used, params = ann.build(vectors, factory)
            manifest = replace(manifest, faiss_factory=used, faiss_params=params)
        ann.write(faiss_index, self.tmp / "chunks.faiss")
        del faiss_index
        self._files = [*FILES, *KEY_FILES, *words, *lexical, names]
        return self.write_manifest(manifest, curated)

    def write_manifest(self, manifest: Manifest, curated: CuratedIndex | None = None) -> Manifest:
        """(Re)write the manifest, saving `curated` first when given; files are described by
        size and sha256, computed once each."""
        names = list(self._files)
        if curated is not None:
            names += [p.name for p in curated.save(self.tmp)]
        known = manifest.files
        files = {n: known[n] if n in known and not n.startswith("curated.") else
                 {"bytes": (self.tmp / n).stat().st_size, "sha256": sha256_file(self.tmp / n)}
                 for n in names}
        manifest = replace(manifest, files=files)
        self._written = list(files)
        (self.tmp / "manifest.json").write_text(json.dumps(asdict(manifest), indent=2) + "\n")
        return manifest

    def commit(self) -> None:
        """Flush every file to disk and swap the folder in for the target."""
        for name in (*self._written, "manifest.json"):
            with (self.tmp / name).open("rb") as fh:
                os.fsync(fh.fileno())
        _swap_in(self.tmp, self.index_dir)


def _npy_from_raw(raw: BinaryIO, target: Path, dtype: Any, shape: tuple[int, ...]) -> None:
    """Turn the raw rows streamed into `raw` into a .npy file (header, then the bytes copied
    through a small buffer), and delete the raw file."""
    raw.close()
    source = Path(raw.name)
    with target.open("wb") as out, source.open("rb") as src:
        np.lib.format.write_array_header_1_0(out, {"descr": np.lib.format.dtype_to_descr(
            np.dtype(dtype)), "fortran_order": False, "shape": shape})
        shutil.copyfileobj(src, out, 1 << 22)
    source.unlink()


def save(index: Index, index_dir: Path) -> None:
    """Write an index to `index_dir` atomically, through the same writer a build uses."""
    m = index.manifest
    with IndexWriter(index_dir, m.dim, m.synonyms, titled=m.titled) as writer:
        offsets = index.sentence_offsets
        for batch in batched(range(len(index.chunks))):
            lo, hi = batch[0], batch[-1] + 1
            keys = None if index.keys is None else (
                index.keys[0][lo:hi].tolist(), index.keys[1][offsets[lo] : offsets[hi]].tolist())
            writer.add(index.chunks[lo:hi], index.vectors[lo:hi],
                       index.sentence_vectors[offsets[lo] : offsets[hi]], keys)
        writer.finish(replace(m, files={}), faiss_index=index.faiss_index, curated=index.curated,
                      false_starts=sorted(index.lexical.speller.false_starts))
        writer.commit()


def _remove_stale_builds(index_dir: Path, older_than: float = 3600) -> None:
    """Delete temp folders that killed builds left behind (an hour old, so never a live one)."""
    for stale in index_dir.parent.glob(f".{index_dir.name}.tmp-*"):
        if time.time() - stale.stat().st_mtime > older_than:
            shutil.rmtree(stale, ignore_errors=True)


def _swap_in(tmp: Path, index_dir: Path) -> None:
    """Replace `index_dir` by `tmp`; the old folder stays as `.old` until the new one is in place."""
    old = index_dir.with_name(f".{index_dir.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if index_dir.exists():
        os.replace(index_dir, old)
    os.replace(tmp, index_dir)
    _fsync_dir(index_dir.parent)
    shutil.rmtree(old, ignore_errors=True)
