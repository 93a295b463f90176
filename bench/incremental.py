"""Adding one document to a 200-document corpus, against a full rebuild (real model, ONNX).

The 200 documents are variants of the seed guide, each with its own wording marker in every
paragraph so that no two chunks share text (identical text would be embedded once and flatter
the full rebuild).
Usage: .venv/bin/python bench/incremental.py [--docs 200]
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from pathlib import Path

import numpy as np

from internbot import index as store
from internbot.config import Settings
from internbot.embedder import HashingEmbedder
from internbot.indexing import build
from internbot.retriever import Retriever


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "corpus" / "how-to-get-a-machine-learning-internship.txt"


def variant(text: str, i: int) -> str:
    """The guide with a marker at the end of every sentence-ending line, unique to document i."""
    return re.sub(r"([.?!:])\n", lambda m: f"{m.group(1)} (Guide {i}.)\n", text)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=200)
    args = parser.parse_args()
    text = SEED.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        for i in range(args.docs):
            (corpus / f"guide-{i:03d}.txt").write_text(variant(text, i), encoding="utf-8")
        settings = Settings(corpus_dir=corpus, index_dir=Path(tmp) / "index",
                            cache_dir=ROOT / ".cache")
        t = time.perf_counter()
        full = build(settings, full=True)
        full_s = time.perf_counter() - t
        (corpus / "guide-new.txt").write_text(variant(text, 10_000), encoding="utf-8")
        t = time.perf_counter()
        incremental = build(settings)
        inc_s = time.perf_counter() - t
        # What serving this corpus costs in memory, beyond the model: index, chunks, BM25.
        before = rss_mb()
        index = store.load(settings.index_dir)
        retriever = Retriever(index, HashingEmbedder())
        np.asarray(index.vectors).sum(), np.asarray(index.sentence_vectors).sum()  # touch pages
        engine_mb = rss_mb() - before
        del retriever
    assert full is not None and incremental is not None
    print(json.dumps({
        "documents": args.docs, "chunks": full.chunks, "sentences": full.sentences,
        "full_rebuild_s": round(full_s, 1), "full_embedded": full.embedded,
        "add_one_s": round(inc_s, 1), "add_one_embedded": incremental.embedded,
        "add_one_reused": incremental.reused, "ratio": round(inc_s / full_s, 3),
        "embed_texts_per_s": round(full.embedded / full_s, 1),
        "serving_memory_mb": round(engine_mb, 1),
        "serving_kb_per_chunk": round(engine_mb * 1024 / incremental.chunks, 2),
    }, indent=2))


if __name__ == "__main__":
    main()
