"""The two baselines of docs/quality.md, on any of bench/external.py's sets.

- **tutorial recipe**: LangChain `RecursiveCharacterTextSplitter(500, 50)` per document,
  all-MiniLM-L6-v2, FAISS `IndexFlatIP`, the top passage as the answer;
- **BM25 alone**: the same passages ranked by `bm25s` (Lucene BM25, English stopwords).

Neither abstains. Scored like the engine: StackFAQ by the top passage's thread, the others by
whether the top passage (hit@1) or one of the first three (hit@3) contains an expected answer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from internbot.evaluate import contains


def passages(corpus_dir: Path) -> tuple[list[str], list[str]]:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from internbot.corpus import load_documents

    splitter = RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50)
    texts, docs = [], []
    for doc in load_documents(corpus_dir):
        for piece in splitter.split_text(doc.text):
            texts.append(piece)
            docs.append(doc.id)
    return texts, docs


def dense_ranking(texts: list[str], questions: list[str]) -> np.ndarray:
    import faiss

    from internbot.config import Settings
    from internbot.embedder import load_embedder

    embedder = load_embedder(Settings())
    index = faiss.IndexFlatIP(embedder.dim)
    index.add(embedder.encode(texts))
    _, ids = index.search(embedder.encode(questions), 10)
    return ids


def bm25_ranking(texts: list[str], questions: list[str]) -> np.ndarray:
    import bm25s

    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(texts, stopwords="en", show_progress=False), show_progress=False)
    ids, _ = retriever.retrieve(bm25s.tokenize(questions, stopwords="en", show_progress=False),
                                k=min(10, len(texts)), show_progress=False)
    return np.asarray(ids)


def score(ids: np.ndarray, texts: list[str], docs: list[str], rows: list[dict[str, Any]]) -> dict[str, float]:
    out: dict[str, list[float]] = {"hit@1": [], "hit@3": [], "mrr": []}
    for ranked, row in zip(ids, rows, strict=True):
        if "thread" in row:
            seen = list(dict.fromkeys(docs[i] for i in ranked))
            rank = seen.index(row["thread"]) + 1 if row["thread"] in seen else None
        elif row.get("expected"):
            hits = [r for r, i in enumerate(ranked, 1) if contains(texts[i], row["expected"])]
            rank = hits[0] if hits else None
        else:
            continue
        out["hit@1"].append(rank == 1)
        out["hit@3"].append(bool(rank and rank <= 3))
        out["mrr"].append(1 / rank if rank else 0.0)
    return {k: float(np.mean(v)) for k, v in out.items()}


def report_baselines(name: str, corpus_dir: Path, rows: list[dict[str, Any]]) -> None:
    texts, docs = passages(corpus_dir)
    questions = [r["question"] for r in rows]
    for label, ids in (("tutorial recipe", dense_ranking(texts, questions)),
                       ("BM25 alone", bm25_ranking(texts, questions))):
        figures = score(ids, texts, docs, rows)
        print(f"{name} {label}: " + ", ".join(f"{k} {v:.3f}" for k, v in figures.items()))
