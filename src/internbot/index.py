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

A build streams through `writer.IndexWriter`; `writer.save` writes a loaded index through the
same writer. Either builds the folder beside the target and swaps it in with `os.replace`, so
an interrupted build leaves the previous index usable. `load` mirrors it: it checks every file's size against
the manifest (sha256 too with `verify=True`) and memory-maps what it can, so loading reads no
passage and does not grow with the corpus.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from internbot import __version__
from internbot.aliases import BUILT_IN, Aliases
from internbot.chunking import CHUNKER_VERSION
from internbot.curated import CuratedIndex
from internbot.embedder import sha256_file
from internbot.errors import IndexCorruptError, IndexMismatchError, IndexNotFoundError, StaleIndexError
from internbot.late import Projection, Tokens
from internbot.lexical import BM25
from internbot.names import FILE as NAMES_FILE
from internbot.names import NAMES_VERSION, Names
from internbot.passages import Catalog, ChunkStore
from internbot.records import EMBEDDED_TEXT_VERSION, Chunk
from internbot.search import faiss as ann
from internbot.tokens import TOKENIZER_VERSION

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
#: Each passage's word vectors for late interaction (`late.py`): codes, scales, offsets, and
#: the projection when the corpus was large enough to fit one (absent in older indexes).
WORD_FILES = ("word_codes.npy", "word_scales.npy", "word_offsets.npy")
WORD_PROJECTION = "word_projection.npy"


def package_versions() -> dict[str, str]:
    out = {"internbot": __version__, "tokenizer": TOKENIZER_VERSION, "names": NAMES_VERSION}
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
    #: Alias groups from the corpus's `synonyms.txt` (the built-in table is added at load)…
    synonyms: list[list[str]] = field(default_factory=list)
    #: …and `aliases.BUILT_IN_VERSION` of that table (1 for indexes from before it was kept).
    aliases_version: int = 1
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
    #: Each passage's word vectors, for late interaction (None: built without them).
    words: Tokens | None = None
    #: The corpus's proper names and the documents speaking of each (None: an older index).
    names: Names | None = None

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
        words = _load_words(index_dir, manifest)
        names = Names.load(index_dir) if NAMES_FILE in manifest.files else None
    except (ValueError, KeyError, OSError, RuntimeError, TypeError) as exc:
        raise IndexCorruptError(f"the index at {index_dir} is unreadable ({exc}): {fix}") from exc
    if (len(chunks) != manifest.chunk_count or flat.ntotal != len(chunks)
            or vectors.shape != (len(chunks), manifest.dim)
            or sentences.shape[0] != manifest.sentence_count or bm25.n != len(chunks)
            or len(offsets) != len(chunks) + 1 or offsets[-1] != len(sentences)
            or (keys is not None and (len(keys[0]), len(keys[1])) != (len(chunks), len(sentences)))
            or (words is not None and (len(words.offsets) != len(chunks) + 1
                                       or not words.offsets[-1] == len(words.codes) == len(words.scales)))):
        raise IndexCorruptError(f"the index at {index_dir} is inconsistent: {fix}")
    # Plain ndarray views of the maps: same shared pages, without np.memmap's per-slice overhead
    # (a memmap object for every chunk's sentence rows, on every question).
    sentences = (np.asarray(sentences, dtype=np.float32) if len(sentences) <= SENTENCES_IN_MEMORY
                 else np.asarray(sentences))
    return Index(manifest, chunks, np.asarray(vectors), sentences, flat, bm25,
                 offsets, catalog, curated, keys, words, names)


def _load_words(index_dir: Path, manifest: Manifest) -> Tokens | None:
    """The passages' word vectors, when the index has them (memory-mapped)."""
    if not all(n in manifest.files for n in WORD_FILES):
        return None
    codes, scales, offsets = (np.load(index_dir / n, allow_pickle=False, mmap_mode="r") for n in WORD_FILES)
    axes = (np.load(index_dir / WORD_PROJECTION, allow_pickle=False)
            if WORD_PROJECTION in manifest.files else None)
    return Tokens(np.asarray(codes), np.asarray(scales), np.asarray(offsets), Projection.from_array(axes))
