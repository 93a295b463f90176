"""The index build as one operation: corpus → chunks → embeddings → saved index.

Shared by `internbot index` and `make run`; reuses vectors of unchanged chunks from the
previous index so adding a document only embeds that document.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from internbot import index as store
from internbot.aliases import parse_synonyms
from internbot.answerability import calibrate, calibrate_curated
from internbot.chunking import chunk_documents
from internbot.config import Settings
from internbot.corpus import SYNONYMS_FILE, corpus_hash, load_documents, settings_text, synonyms_text
from internbot.curated import read_curated
from internbot.embedder import Embedder, load_embedder
from internbot.errors import InternbotError
from internbot.probes import make_probes
from internbot.retriever import Retriever

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IndexReport:
    documents: int
    chunks: int
    sentences: int
    embedded: int
    reused: int
    seconds: float
    faiss_factory: str = "Flat"


def is_current(settings: Settings, digest: str) -> bool:
    """True when the index exists, loads cleanly, and matches this corpus and model."""
    try:
        current = store.load(settings.index_dir, model=settings.model, corpus_hash=digest)
    except InternbotError:
        return False
    wanted = settings.faiss_factory
    return wanted in ("", "auto") or current.manifest.faiss_factory == wanted


def build(settings: Settings, *, if_needed: bool = False, full: bool = False,
          progress: bool = False, embedder: Embedder | None = None) -> IndexReport | None:
    """Build and atomically save the index; None when `if_needed` and it is already current.
    Pass `embedder` to reuse a loaded model (a running server's, on reload)."""
    docs = load_documents(settings.corpus_dir)
    synonyms = synonyms_text(settings.corpus_dir)
    digest = corpus_hash(docs, settings_text(settings.corpus_dir))
    if if_needed and is_current(settings, digest):
        return None
    curated = read_curated(settings.corpus_dir)
    chunks = list(chunk_documents(docs, settings.max_chunk_chars))
    previous = None
    if not full:
        try:
            previous = store.load(settings.index_dir, model=settings.model)
        except InternbotError as exc:
            log.info("not reusing the previous index: %s", exc)
    embedder = embedder or load_embedder(settings)
    groups = [list(g) for g in parse_synonyms(synonyms, settings.corpus_dir / SYNONYMS_FILE)]
    built, stats = store.build_index(docs, chunks, embedder, digest, previous, progress=progress,
                                     factory=settings.faiss_factory, synonyms=groups,
                                     curated=curated)
    # Fitted to this corpus's own probes, so abstention follows the corpus (answerability.py).
    retriever = Retriever(built, embedder)
    probes = make_probes(built.chunks, built.lexical, digest)
    calibration = calibrate(retriever, seed=digest, probes=probes)
    if built.curated is not None:
        built.curated.threshold = calibrate_curated(built.curated, retriever, probes.in_scope,
                                                    seed=digest)
    built.manifest = replace(built.manifest, calibration=calibration.to_dict())
    store.save(built, settings.index_dir)
    return IndexReport(len(docs), stats.chunks, stats.sentences, stats.embedded, stats.reused,
                       stats.seconds, built.manifest.faiss_factory)
