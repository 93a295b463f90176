"""The on-disk index: a folder of plainly named files described by `manifest.json`.

    manifest.json   model, dimension, counts, corpus hash, versions, and every file's size and sha256
    chunks.jsonl    one `Chunk` a line, in vector order; `chunk_offsets.npy` says where each starts
    sentence_offsets.npy  where each chunk's rows start in sentences.npy
    catalog.json    corpus-wide facts for the answerer (topics, list sections, FAQ starters)
    vectors.npy     chunk vectors (float32, normalised)
    sentences.npy   one vector per chunk sentence, in chunk order, float16 (for answer trimming)
    chunks.faiss    the FAISS index over the chunk vectors
    curated.json, curated.npy  the site owner's curated answers (when the corpus has a qna file)
                    with their fitted threshold, and one vector per question or alternate
    lexical/        the BM25 index (bm25s's score matrix and vocabulary), each passage's terms
                    and the corpus words for spelling correction; memory-mapped on load

`save` builds the folder beside the target and swaps it in with `os.replace`, so an interrupted
build leaves the previous index usable. `load` mirrors it: it checks every file's size against
the manifest (sha256 too with `verify=True`) and memory-maps what it can, so loading reads no
passage and does not grow with the corpus.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from internbot import __version__, ann
from internbot.aliases import BUILT_IN, Aliases
from internbot.chunking import CHUNKER_VERSION
from internbot.curated import CuratedAnswer, CuratedIndex
from internbot.embedder import Embedder, sha256_file
from internbot.errors import IndexCorruptError, IndexMismatchError, IndexNotFoundError, StaleIndexError
from internbot.lexical import BM25
from internbot.passages import Catalog, ChunkStore, write_jsonl
from internbot.records import Chunk, Document

FORMAT_VERSION = 6
#: Up to this many sentence vectors are held as float32 in memory once loaded (fast whole-matrix
#: products); beyond, they stay float16 in the memory map (half the pages to touch).
SENTENCES_IN_MEMORY = 100_000
#: The files every index has; `lexical/…` files are listed in the manifest too.
FILES = ("chunks.jsonl", "chunk_offsets.npy", "vectors.npy", "sentences.npy",
         "sentence_offsets.npy", "chunks.faiss", "catalog.json")
LEXICAL = "lexical"


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
    versions: dict[str, str] = field(default_factory=package_versions)
    documents: list[dict[str, Any]] = field(default_factory=list)
    #: Alias groups from the corpus's `synonyms.txt` (the built-in table is added at load).
    synonyms: list[list[str]] = field(default_factory=list)
    #: The answerability model fitted to this corpus at build time (`answerability.Calibration`).
    calibration: dict[str, Any] = field(default_factory=dict)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    created: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))


@dataclass
class Index:
    """Everything the retriever needs: in memory when just built, memory-mapped when loaded."""

    manifest: Manifest
    chunks: Sequence[Chunk]
    vectors: np.ndarray
    sentence_vectors: np.ndarray
    faiss_index: Any
    #: BM25 over the chunks' search texts, with their alias group terms.
    lexical: BM25
    #: Row in `sentence_vectors` where each chunk's sentences start (length chunk_count + 1).
    sentence_offsets: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    catalog: Catalog = field(default_factory=Catalog)
    #: The corpus's curated answers, if it has any.
    curated: CuratedIndex | None = None

    def __post_init__(self) -> None:
        if len(self.sentence_offsets) != len(self.chunks) + 1:  # just built: derive them
            counts = [len(c.sentences) for c in self.chunks]
            self.sentence_offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
            self.catalog = Catalog.of(self.chunks)

    def chunk_sentence_vectors(self, i: int) -> np.ndarray:
        return self.sentence_vectors[self.sentence_offsets[i] : self.sentence_offsets[i + 1]]


def index_aliases(synonyms: list[list[str]]) -> Aliases:
    """The built-in alias table plus the corpus's own groups (from its manifest)."""
    return Aliases([*BUILT_IN, *(tuple(g) for g in synonyms)])


def build_lexical(chunks: list[Chunk], synonyms: list[list[str]]) -> BM25:
    """BM25 over each chunk's search text; every alias group a chunk mentions is one more term
    of it, so "ML" and "machine learning" match each other."""
    aliases = index_aliases(synonyms)
    texts = [c.search_text() for c in chunks]
    return BM25.build(texts, extra=[aliases.groups_in(t) for t in texts])


def content_key(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


def _embed_reusing(texts: list[str], embedder: Embedder, cache: dict[str, np.ndarray],
                   progress: bool) -> tuple[np.ndarray, int]:
    """Vectors for `texts`, embedding only those whose content is not in `cache`."""
    missing = sorted({t for t in texts if content_key(t) not in cache})
    if missing:
        fresh = embedder.encode(missing, progress=progress)
        cache.update({content_key(t): v for t, v in zip(missing, fresh, strict=True)})
    if not texts:
        return np.zeros((0, embedder.dim), dtype=np.float32), 0
    return np.stack([cache[content_key(t)] for t in texts]).astype(np.float32), len(missing)


@dataclass(frozen=True)
class BuildStats:
    chunks: int
    sentences: int
    embedded: int
    reused: int
    seconds: float


def build_index(docs: list[Document], chunks: list[Chunk], embedder: Embedder, corpus_hash: str,
                previous: Index | None = None, progress: bool = False,
                factory: str = "auto", synonyms: list[list[str]] | None = None,
                curated: Sequence[CuratedAnswer] = (),
                ) -> tuple[Index, BuildStats]:
    """Embed chunks and their sentences; vectors of unchanged texts come from `previous`."""
    start = time.perf_counter()
    chunks = [replace(c, row=i) for i, c in enumerate(chunks)]
    cache: dict[str, np.ndarray] = {}
    if previous is not None and previous.manifest.model == embedder.name:
        for i, chunk in enumerate(previous.chunks):
            cache[content_key(chunk.search_text())] = previous.vectors[i]
            sents = previous.chunk_sentence_vectors(i)
            cache.update({content_key(s): v for s, v in zip(chunk.sentence_texts(), sents,
                                                             strict=True)})
    search_texts = [c.search_text() for c in chunks]
    sentences = [s for c in chunks for s in c.sentence_texts()]
    unique = {content_key(t) for t in search_texts + sentences}
    reused = len(unique & cache.keys())
    vectors, n1 = _embed_reusing(search_texts, embedder, cache, progress)
    sentence_vectors, n2 = _embed_reusing(sentences, embedder, cache, progress)
    # Stored as float16 (half the disk and memory; measured to change no answer, docs/
    # benchmarks.md): rounded here already, so what is calibrated is what is served.
    sentence_vectors = sentence_vectors.astype(np.float16).astype(np.float32)
    if not len(vectors):
        vectors = np.zeros((0, embedder.dim), dtype=np.float32)
    flat, used, params = ann.build(vectors, factory)
    manifest = Manifest(
        model=embedder.name, dim=embedder.dim, chunk_count=len(chunks),
        sentence_count=len(sentences), corpus_hash=corpus_hash, faiss_factory=used,
        faiss_params=params,
        documents=[{"id": d.id, "title": d.title, "path": d.path,
                    **({"url": d.url} if d.url else {}), **({"anchors": d.anchors} if d.anchors else {})}
                   for d in docs],
        synonyms=list(synonyms or []),
    )
    index = Index(manifest, chunks, vectors, sentence_vectors, flat,
                  build_lexical(chunks, manifest.synonyms))
    if curated:
        index.curated = CuratedIndex.build(curated, embedder.encode, embedder.dim)
    stats = BuildStats(len(chunks), len(sentences), n1 + n2, reused, time.perf_counter() - start)
    return index, stats


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def save(index: Index, index_dir: Path) -> None:
    """Write the index atomically: into a sibling temp folder, manifest last, then swap it in."""
    index_dir = Path(index_dir)
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_builds(index_dir)
    tmp = Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.tmp-", dir=index_dir.parent))
    try:
        np.save(tmp / "chunk_offsets.npy", write_jsonl(index.chunks, tmp / "chunks.jsonl"))
        np.save(tmp / "sentence_offsets.npy", index.sentence_offsets)
        (tmp / "catalog.json").write_text(json.dumps(index.catalog.to_dict(), ensure_ascii=False))
        np.save(tmp / "vectors.npy", index.vectors)
        np.save(tmp / "sentences.npy", np.asarray(index.sentence_vectors, dtype=np.float16))
        ann.write(index.faiss_index, tmp / "chunks.faiss")
        lexical = [p.relative_to(tmp).as_posix() for p in index.lexical.save(tmp / LEXICAL)]
        names = [*FILES, *lexical]
        if index.curated is not None:
            names += [p.name for p in index.curated.save(tmp)]
        files = {n: {"bytes": (tmp / n).stat().st_size, "sha256": sha256_file(tmp / n)} for n in names}
        manifest = Manifest(**{**asdict(index.manifest), "files": files})
        (tmp / "manifest.json").write_text(json.dumps(asdict(manifest), indent=2) + "\n")
        for name in (*names, "manifest.json"):
            with (tmp / name).open("rb") as fh:
                os.fsync(fh.fileno())
        _swap_in(tmp, index_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


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
         verify: bool = False) -> Index:
    """Load and check an index; `model` and `corpus_hash`, when given, must match the manifest.

    Every file's size is checked (a truncated copy is refused); `verify` also checks sha256,
    which reads every byte (`internbot index --verify`), so serving does not pay for it."""
    index_dir = Path(index_dir)
    manifest = read_manifest(index_dir)
    if not (index_dir / "manifest.json").exists():
        index_dir = index_dir.with_name(f".{index_dir.name}.old")
    fix = "rebuild it with `internbot index`"
    if manifest.format_version != FORMAT_VERSION or manifest.chunker_version != CHUNKER_VERSION:
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
    except (ValueError, KeyError, OSError, RuntimeError, TypeError) as exc:
        raise IndexCorruptError(f"the index at {index_dir} is unreadable ({exc}): {fix}") from exc
    if (len(chunks) != manifest.chunk_count or flat.ntotal != len(chunks)
            or vectors.shape != (len(chunks), manifest.dim)
            or sentences.shape[0] != manifest.sentence_count or bm25.n != len(chunks)
            or len(offsets) != len(chunks) + 1 or offsets[-1] != len(sentences)):
        raise IndexCorruptError(f"the index at {index_dir} is inconsistent: {fix}")
    # Plain ndarray views of the maps: same shared pages, without np.memmap's per-slice overhead
    # (a memmap object for every chunk's sentence rows, on every question).
    sentences = (np.asarray(sentences, dtype=np.float32) if len(sentences) <= SENTENCES_IN_MEMORY
                 else np.asarray(sentences))
    return Index(manifest, chunks, np.asarray(vectors), sentences, flat, bm25,
                 offsets, catalog, curated)
