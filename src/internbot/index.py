"""The on-disk index: a folder of plainly named files described by `manifest.json`.

    manifest.json   model, dimension, counts, corpus hash, versions, and every file's size and sha256
    chunks.jsonl    one `Chunk` a line, in vector order; `chunk_offsets.npy` says where each starts
    sentence_offsets.npy  where each chunk's rows start in sentences.npy
    catalog.json    corpus-wide facts for the answerer (topics, list sections, FAQ starters)
    vectors.npy     chunk vectors (float32, normalised)
    sentences.npy   one vector per chunk sentence, in chunk order, float16 (for answer trimming)
    chunks.faiss    the FAISS index over the chunk vectors
    vector_keys.npy, sentence_keys.npy  each vector's `records.content_key` (uint64): what text
                    it embeds, so a rebuild reuses it however the code now forms its texts
    curated.json, curated.npy  the site owner's curated answers (when the corpus has a qna file)
                    with their fitted threshold, and one vector per question or alternate
    lexical/        the BM25 index (bm25s's score matrix and vocabulary), frequent terms' impact
                    lists, each passage's terms and the corpus words for spelling correction;
                    memory-mapped on load

A build streams through `IndexWriter`; `save` writes a loaded index through the same writer.
Either builds the folder beside the target and swaps it in with `os.replace`, so an interrupted
build leaves the previous index usable. `load` mirrors it: it checks every file's size against
the manifest (sha256 too with `verify=True`) and memory-maps what it can, so loading reads no
passage and does not grow with the corpus.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from importlib import metadata
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import numpy as np

from internbot import __version__
from internbot.aliases import BUILT_IN, Aliases
from internbot.chunking import CHUNKER_VERSION
from internbot.curated import CuratedIndex
from internbot.embedder import sha256_file
from internbot.errors import IndexCorruptError, IndexMismatchError, IndexNotFoundError, StaleIndexError
from internbot.lexical import BM25, LexicalBuilder
from internbot.passages import Catalog, CatalogBuilder, ChunkStore, JsonlWriter
from internbot.records import EMBEDDED_TEXT_VERSION, Chunk, content_key
from internbot.search import faiss as ann

T = TypeVar("T")

FORMAT_VERSION = 9
#: Up to this many sentence vectors are held as float32 in memory once loaded (questions then
#: skip widening their candidates' rows: 10k passages p50 1.5-1.6 against 1.85-2.1 ms as float16);
#: beyond, they stay float16 in the memory map (half the pages to touch).
SENTENCES_IN_MEMORY = 100_000
#: The files every index has; `lexical/…` files are listed in the manifest too.
FILES = ("chunks.jsonl", "chunk_offsets.npy", "vectors.npy", "sentences.npy",
         "sentence_offsets.npy", "chunks.faiss", "catalog.json")
LEXICAL = "lexical"
#: Each vector's and sentence vector's content key (indexes built before they were kept lack them).
KEY_FILES = ("vector_keys.npy", "sentence_keys.npy")


def package_versions() -> dict[str, str]:
    out = {"internbot": __version__}
    for name in ("faiss-cpu", "numpy", "sentence-transformers", "torch", "bm25s"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "absent"
    return out


@dataclass(frozen=True)
class Manifest:
    model: str
    dim: int
    chunk_count: int
    sentence_count: int
    corpus_hash: str
    #: The FAISS factory string used ("Flat", "IVF1024,Flat", …) and its search parameters.
    faiss_factory: str = "Flat"
    faiss_params: str = ""
    chunker_version: str = CHUNKER_VERSION
    format_version: int = FORMAT_VERSION
    #: `records.EMBEDDED_TEXT_VERSION` of the vectors (0: an index from before it was recorded).
    embedded_text_version: int = 0
    versions: dict[str, str] = field(default_factory=package_versions)
    documents: list[dict[str, Any]] = field(default_factory=list)
    #: Alias groups from the corpus's `synonyms.txt` (the built-in table is added at load).
    synonyms: list[list[str]] = field(default_factory=list)
    #: The answerability model fitted to this corpus at build time (`answerability.Calibration`).
    calibration: dict[str, Any] = field(default_factory=dict)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: `corpus.corpus_fingerprint` when the build began: while it still matches, loading need
    #: not read the corpus to know the index is current.
    corpus_stat: str = ""
    created: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))

    @property
    def titled(self) -> bool:
        """Whether BM25 reads passages with their document's title: in a corpus of several
        documents, where a title tells them apart (`Chunk.lexical_text`)."""
        return len(self.documents) > 1

    @property
    def embedded_as_now(self) -> bool:
        """Whether its vectors embed texts formed as this code forms them: only then can a
        rebuild reuse them, and only then is the index current."""
        return self.embedded_text_version == EMBEDDED_TEXT_VERSION


@dataclass
class Index:
    """Everything the retriever needs, as `load` returns it (memory-mapped where it can be)."""

    manifest: Manifest
    chunks: Sequence[Chunk]
    vectors: np.ndarray
    sentence_vectors: np.ndarray
    faiss_index: Any
    #: BM25 over the chunks' search texts, with their alias group terms.
    lexical: BM25
    #: Row in `sentence_vectors` where each chunk's sentences start (length chunk_count + 1).
    sentence_offsets: np.ndarray
    catalog: Catalog
    #: The corpus's curated answers, if it has any.
    curated: CuratedIndex | None = None
    #: Content keys of `vectors` and `sentence_vectors` (None: an index from before they were kept).
    keys: tuple[np.ndarray, np.ndarray] | None = None

    def chunk_sentence_vectors(self, i: int) -> np.ndarray:
        return self.sentence_vectors[self.sentence_offsets[i] : self.sentence_offsets[i + 1]]


def index_aliases(synonyms: list[list[str]]) -> Aliases:
    """The built-in alias table plus the corpus's own groups (from its manifest)."""
    return Aliases([*BUILT_IN, *(tuple(g) for g in synonyms)])


def preload(index_dir: Path, block: int = 8 << 20) -> int:
    """Read every file of the index once, so its memory-mapped pages are in the OS cache
    before questions arrive (a large index's first questions otherwise wait on the disk).
    Returns the bytes read."""
    total = 0
    for path in sorted(p for p in Path(index_dir).rglob("*") if p.is_file()):
        with path.open("rb", buffering=0) as f:
            while chunk := f.read(block):
                total += len(chunk)
    return total


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
        self._catalog, self._lexical = CatalogBuilder(), LexicalBuilder()
        self._files: list[str] = []
        self._written: list[str] = []

    def __enter__(self) -> IndexWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        for f in (self._vectors, self._sentences):
            f.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray, sentence_vectors: np.ndarray,
            keys: tuple[Sequence[int], Sequence[int]] | None = None) -> None:
        """Append passages in order, with one vector each and one per sentence (float16 on disk),
        and the content keys of the texts embedded (formed as this code forms them if not given)."""
        if keys is None:
            keys = ([content_key(c.search_text()) for c in chunks],
                    [content_key(t) for c in chunks for t in c.sentence_texts()])
        self._keys[0].extend(keys[0])
        self._keys[1].extend(keys[1])
        for chunk in chunks:
            self._chunks.write(chunk)
            self._catalog.add(chunk)
            # Every alias group a passage mentions is one more term of it ("ML" finds
            # "machine learning").
            text = chunk.lexical_text(self.titled)
            self._lexical.add(text, self._aliases.groups_in(text))
            self.sentence_rows += len(chunk.sentences)
            self._sentence_offsets.append(self.sentence_rows)
        self.rows += len(chunks)
        self._vectors.write(np.ascontiguousarray(vectors, dtype=np.float32).tobytes())
        self._sentences.write(np.ascontiguousarray(sentence_vectors, dtype=np.float16).tobytes())

    def finish(self, manifest: Manifest, *, factory: str = "auto", faiss_index: Any = None,
               curated: CuratedIndex | None = None) -> Manifest:
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
        lexical = [p.relative_to(self.tmp).as_posix()
                   for p in self._lexical.finish().save(self.tmp / LEXICAL)]
        del self._lexical  # its postings are on disk now; free them before FAISS
        manifest = replace(manifest, chunk_count=self.rows, sentence_count=self.sentence_rows)
        if faiss_index is None:
            vectors = np.load(self.tmp / "vectors.npy", mmap_mode="r")
            faiss_index, used, params = ann.build(vectors, factory)
            manifest = replace(manifest, faiss_factory=used, faiss_params=params)
        ann.write(faiss_index, self.tmp / "chunks.faiss")
        del faiss_index
        self._files = [*FILES, *KEY_FILES, *lexical]
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


def _npy_from_raw(raw: BinaryIO, target: Path, dtype: Any, shape: tuple[int, int]) -> None:
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
        writer.finish(replace(m, files={}), faiss_index=index.faiss_index, curated=index.curated)
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


def read_manifest(index_dir: Path) -> Manifest:
    """The manifest, or a clear error saying how to get a usable index."""
    path = Path(index_dir) / "manifest.json"
    if not path.exists():
        old = Path(index_dir).with_name(f".{Path(index_dir).name}.old") / "manifest.json"
        if old.exists():  # a swap was interrupted between its two renames
            return read_manifest(old.parent)
        raise IndexNotFoundError(f"no index at {index_dir}: run `internbot index`")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise IndexCorruptError(
            f"the index manifest {path} is unreadable ({type(exc).__name__}): "
            "rebuild it with `internbot index`"
        ) from exc
    if not isinstance(data, dict):
        raise IndexCorruptError(f"the index manifest {path} is unreadable: rebuild it with "
                                "`internbot index`")
    try:
        return Manifest(**data)
    except TypeError as exc:
        raise IndexMismatchError(
            f"the index at {Path(index_dir)} was written by another version of internbot: "
            "rebuild it with `internbot index`"
        ) from exc


def load(index_dir: Path, *, model: str | None = None, corpus_hash: str | None = None,
         verify: bool = False, any_chunker: bool = False) -> Index:
    """Load and check an index; `model` and `corpus_hash`, when given, must match the manifest.
    `any_chunker` accepts another chunker's passages (a rebuild reusing their vectors).

    Every file's size is checked (a truncated copy is refused); `verify` also checks sha256,
    which reads every byte (`internbot index --verify`), so serving does not pay for it."""
    index_dir = Path(index_dir)
    manifest = read_manifest(index_dir)
    if not (index_dir / "manifest.json").exists():
        index_dir = index_dir.with_name(f".{index_dir.name}.old")
    fix = "rebuild it with `internbot index`"
    if manifest.format_version != FORMAT_VERSION or (
            not any_chunker and manifest.chunker_version != CHUNKER_VERSION):
        raise IndexMismatchError(f"the index at {index_dir} was written by another version: {fix}")
    if model is not None and manifest.model != model:
        raise IndexMismatchError(
            f"the index at {index_dir} was built with model {manifest.model!r}, "
            f"not {model!r}: {fix}"
        )
    if corpus_hash is not None and manifest.corpus_hash != corpus_hash:
        raise StaleIndexError(f"the corpus changed since the index at {index_dir} was built: {fix}")
    optional = [n for n in manifest.files if n not in FILES]
    for name in (*FILES, *optional):
        path = index_dir / name
        expected = manifest.files.get(name, {})
        if not path.exists():
            raise IndexCorruptError(f"the index at {index_dir} lacks {name}: {fix}")
        if path.stat().st_size != expected.get("bytes") or (
                verify and sha256_file(path) != expected.get("sha256")):
            raise IndexCorruptError(f"{path} is truncated or corrupt: {fix}")
    try:
        chunks = ChunkStore(index_dir / "chunks.jsonl", np.load(index_dir / "chunk_offsets.npy"))
        offsets = np.load(index_dir / "sentence_offsets.npy", allow_pickle=False)
        catalog = Catalog.from_dict(json.loads((index_dir / "catalog.json").read_text(encoding="utf-8")))
        # Memory-mapped: pages come from the OS cache and are shared by worker processes.
        vectors = np.load(index_dir / "vectors.npy", allow_pickle=False, mmap_mode="r")
        sentences = np.load(index_dir / "sentences.npy", allow_pickle=False, mmap_mode="r")
        flat = ann.read(index_dir / "chunks.faiss", manifest.faiss_params)
        bm25 = BM25.load(index_dir / LEXICAL)
        curated = CuratedIndex.load(index_dir) if "curated.json" in manifest.files else None
        keys = (tuple(np.load(index_dir / n, allow_pickle=False, mmap_mode="r") for n in KEY_FILES)
                if all(n in manifest.files for n in KEY_FILES) else None)
    except (ValueError, KeyError, OSError, RuntimeError, TypeError) as exc:
        raise IndexCorruptError(f"the index at {index_dir} is unreadable ({exc}): {fix}") from exc
    if (len(chunks) != manifest.chunk_count or flat.ntotal != len(chunks)
            or vectors.shape != (len(chunks), manifest.dim)
            or sentences.shape[0] != manifest.sentence_count or bm25.n != len(chunks)
            or len(offsets) != len(chunks) + 1 or offsets[-1] != len(sentences)
            or (keys is not None and (len(keys[0]), len(keys[1])) != (len(chunks), len(sentences)))):
        raise IndexCorruptError(f"the index at {index_dir} is inconsistent: {fix}")
    # Plain ndarray views of the maps: same shared pages, without np.memmap's per-slice overhead
    # (a memmap object for every chunk's sentence rows, on every question).
    sentences = (np.asarray(sentences, dtype=np.float32) if len(sentences) <= SENTENCES_IN_MEMORY
                 else np.asarray(sentences))
    return Index(manifest, chunks, np.asarray(vectors), sentences, flat, bm25,
                 offsets, catalog, curated, keys)
