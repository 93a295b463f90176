"""The index build as one operation: corpus → chunks → embeddings → saved index.

Shared by `internbot index` and `make run`; reuses vectors of unchanged chunks from the
previous index so adding a document only embeds that document.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from internbot import index as store
from internbot.aliases import BUILT_IN_VERSION, parse_synonyms
from internbot.answerability import CALIBRATION_VERSION, calibrate, calibrate_curated
from internbot.building import build_index
from internbot.config import Settings
from internbot.corpus import (
    SYNONYMS_FILE,
    corpus_fingerprint,
    corpus_hash,
    load_documents,
    settings_text,
    synonyms_text,
)
from internbot.curated import read_curated
from internbot.embedder import Embedder, load_embedder
from internbot.errors import InternbotError
from internbot.names import NAMES_VERSION
from internbot.probes import make_probes
from internbot.records import EMBEDDED_TEXT_VERSION
from internbot.retriever import Retriever, open_search
from internbot.search.milvus import MilvusSearch, collection_name
from internbot.tokens import TOKENIZER_VERSION
from internbot.writer import IndexWriter

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
    if not current.manifest.embedded_as_now:
        return False  # texts embedded another way: their vectors would not match the queries
    if current.manifest.aliases_version != BUILT_IN_VERSION:
        return False  # its BM25 terms hold another built-in alias table
    if current.manifest.calibration.get("version", 0) != CALIBRATION_VERSION:
        return False  # fitted the old way: refit (the vectors are reused)
    if current.names is None:
        return False  # built before the corpus's names were kept (`names.py`)
    if current.manifest.versions.get("tokenizer") != TOKENIZER_VERSION:
        return False  # its BM25 terms were read another way (`tokens.words`)
    if current.manifest.versions.get("names", "1") != NAMES_VERSION:
        return False  # its names were read another way (`names.NamesBuilder`)
    wanted = settings.faiss_factory
    return wanted in ("", "auto") or current.manifest.faiss_factory == wanted


def build(settings: Settings, *, if_needed: bool = False, full: bool = False,
          progress: bool = False, embedder: Embedder | None = None) -> IndexReport | None:
    """Build and atomically save the index; None when `if_needed` and it is already current.
    Pass `embedder` to reuse a loaded model (a running server's, on reload)."""
    stat = corpus_fingerprint(settings.corpus_dir)  # before reading: an edit during the build shows
    docs = load_documents(settings.corpus_dir)
    synonyms = synonyms_text(settings.corpus_dir)
    digest = corpus_hash(docs, settings_text(settings.corpus_dir))
    if if_needed and is_current(settings, digest):
        return None
    curated = read_curated(settings.corpus_dir)
    previous = None
    try:  # its Milvus collection stays while replicas still serve it
        serving = [collection_name(store.read_manifest(settings.index_dir).files)]
    except InternbotError:
        serving = []
    if not full:
        try:  # another chunker's passages still have vectors for the texts that did not change
            previous = store.load(settings.index_dir, model=settings.model, any_chunker=True)
        except InternbotError as exc:
            log.info("not reusing the previous index: %s", exc)
        if previous is not None and not previous.manifest.embedded_as_now and previous.keys is None:
            log.info("not reusing the previous index: its texts were embedded the old way")
            previous = None
    embedder = embedder or load_embedder(settings)
    groups = [list(g) for g in parse_synonyms(synonyms, settings.corpus_dir / SYNONYMS_FILE)]
    manifest = store.Manifest(
        model=embedder.name, dim=embedder.dim, chunk_count=0, sentence_count=0,
        corpus_hash=digest, corpus_stat=stat, synonyms=groups, aliases_version=BUILT_IN_VERSION,
        embedded_text_version=EMBEDDED_TEXT_VERSION,
        documents=[{"id": d.id, "title": d.title, "path": d.path,
                    **({"author": d.author} if d.author else {}), **({"url": d.url} if d.url else {}),
                    **({"anchors": d.anchors} if d.anchors else {})}
                   for d in docs])
    with IndexWriter(settings.index_dir, embedder.dim, groups, titled=manifest.titled) as writer:
        manifest, curated_index, stats = build_index(
            writer, docs, embedder, manifest, max_chars=settings.max_chunk_chars, previous=previous,
            factory=settings.faiss_factory, curated=curated, progress=progress)
        del previous
        # Fitted to this corpus's own probes, so abstention follows the corpus (answerability.py).
        built = store.load(writer.tmp)
        retriever = Retriever(built, embedder)
        probes = make_probes(built.chunks, built.lexical, digest)
        calibration = calibrate(retriever, seed=digest, probes=probes)
        if curated_index is not None:
            curated_index.threshold = calibrate_curated(curated_index, retriever, probes.in_scope,
                                                        seed=digest)
        writer.write_manifest(replace(manifest, calibration=calibration.to_dict()), curated_index)
        del built, retriever
        writer.commit()
    if settings.vector_store not in ("", "faiss"):  # fill Milvus now, not on a server's start
        search = open_search(settings.vector_store, store.load(settings.index_dir), progress=progress)
        assert isinstance(search, MilvusSearch)
        dropped = search.drop_others(keep=serving)
        log.info("Milvus collection %s ready; dropped %s", search.collection, dropped)
        search.close()
    return IndexReport(len(docs), stats.chunks, stats.sentences, stats.embedded, stats.reused,
                       stats.seconds, manifest.faiss_factory)
