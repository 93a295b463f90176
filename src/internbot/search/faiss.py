"""The FAISS backend: which index type a corpus gets, how it is built, tuned, loaded and searched.

Exact `Flat` search while it is fast enough; beyond that an IVF index with a trained coarse
quantizer (and 8-bit scalar codes when memory matters). The choice, and the search parameters
that reach the recall target, are recorded in the manifest. A FAISS factory string overrides it.
Thresholds come from `bench/faiss_scale.py` (docs/benchmarks.md).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from internbot.errors import InternbotError
from internbot.lexical import BM25
from internbot.search.base import SearchBackend

#: Up to this many vectors exact search stays under ~5 ms per query on 2 cores.
FLAT_MAX = 50_000
#: Beyond this many vectors the IVF lists store 8-bit codes (4x less memory) instead of floats.
SQ8_MIN = 2_000_000


def auto_factory(n: int) -> str:
    """The factory string for `n` vectors: exact when small, IVF when large."""
    if n <= FLAT_MAX:
        return "Flat"
    nlist = 2 ** round(math.log2(4 * math.sqrt(n)))
    return f"IVF{nlist},{'SQ8' if n >= SQ8_MIN else 'Flat'}"


#: Approximate indexes are tuned at build time until recall@10 against exact search reaches this.
RECALL_TARGET = 0.95


def nlist(factory: str) -> int:
    """The number of IVF lists a factory string names (`IVF4096,Flat` → 4096)."""
    return int(factory[3:].split(",", 1)[0].split("_", 1)[0])


def default_params(factory: str) -> str:
    """Starting search parameters for a factory, before tuning."""
    if factory.startswith("IVF"):
        return f"nprobe={max(8, nlist(factory) // 64)}"
    if "HNSW" in factory:
        return "efSearch=64"
    return ""


def recall_at_10(index: Any, vectors: np.ndarray, queries: np.ndarray) -> float:
    """Share of the exact top-10 (inner product) that `index` returns for `queries`."""
    # Brute force straight over `vectors` (memory-mapped during a build): no copy of them.
    _, truth = faiss.knn(queries, np.ascontiguousarray(vectors, dtype=np.float32), 10,
                         metric=faiss.METRIC_INNER_PRODUCT)
    _, found = index.search(queries, 10)
    return float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, truth, strict=True)]))


def tune(index: Any, factory: str, vectors: np.ndarray, seed: int = 1234,
         target: float = RECALL_TARGET) -> str:
    """The cheapest nprobe/efSearch whose recall@10 on a sample of the corpus reaches `target`.

    Queries are corpus vectors with a little noise, so the measurement reflects this corpus's own
    neighbourhood structure rather than a guess.
    """
    params = default_params(factory)
    if not params or len(vectors) <= 10:
        return params
    rng = np.random.default_rng(seed)
    picks = vectors[rng.choice(len(vectors), min(200, len(vectors)), replace=False)]
    noisy = picks + rng.standard_normal(picks.shape).astype(np.float32) * 0.01
    queries = np.ascontiguousarray(noisy / np.linalg.norm(noisy, axis=1, keepdims=True))
    name, value = params.split("=")
    ceiling = nlist(factory) if name == "nprobe" else 4096
    current = int(value)
    while True:
        params = f"{name}={current}"
        apply_params(index, params)
        if current >= ceiling or recall_at_10(index, vectors, queries) >= target:
            return params
        current = min(current * 2, ceiling)


def build(vectors: np.ndarray, factory: str = "auto", seed: int = 1234) -> tuple[Any, str, str]:
    """An inner-product index over `vectors`; returns (index, factory used, search params)."""
    n, dim = vectors.shape
    chosen = auto_factory(n) if factory in ("", "auto") else factory
    try:
        index = faiss.index_factory(dim, chosen, faiss.METRIC_INNER_PRODUCT)
    except RuntimeError as exc:
        raise InternbotError(f"FAISS cannot build {chosen!r}: use a factory string such as "
                             "'Flat', 'IVF1024,Flat' or 'HNSW32'") from exc
    if not index.is_trained:
        rng = np.random.default_rng(seed)
        # k-means wants ~40 points per list; more only slows training down.
        size = max(100_000, 40 * nlist(chosen)) if chosen.startswith("IVF") else 100_000
        sample = vectors if n <= size else vectors[rng.choice(n, size, replace=False)]
        index.train(np.ascontiguousarray(sample, dtype=np.float32))
    if n:
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    params = tune(index, chosen, vectors, seed)
    return index, chosen, params


def apply_params(index: Any, params: str) -> None:
    if params:
        faiss.ParameterSpace().set_index_parameters(index, params)  # type: ignore[arg-type]


def write(index: Any, path: Path) -> None:
    faiss.write_index(index, str(path))


def read(path: Path, params: str = "", mmap: bool = True) -> Any:
    """Load an index, memory-mapped by default so worker processes share its pages."""
    flags = faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY if mmap else 0
    index = faiss.read_index(str(path), flags)
    apply_params(index, params)
    return index


class FaissSearch(SearchBackend):
    """In-process search: the index folder's FAISS index and its memory-mapped BM25 matrix."""

    name = "faiss"

    def __init__(self, index: Any, bm25: BM25) -> None:
        self.index, self.bm25 = index, bm25

    def dense(self, vectors: np.ndarray, k: int) -> np.ndarray:
        _, ids = self.index.search(np.ascontiguousarray(vectors, dtype=np.float32), k)
        return np.asarray(ids)

    def lexical(self, term_ids: Sequence[int], k: int) -> np.ndarray:
        return self.bm25.top(term_ids, k)
