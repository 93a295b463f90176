"""The FAISS layer from 10k to 1M passages: build time, memory, query latency, recall@10.

Synthetic 384-d unit vectors with low intrinsic dimension, like sentence embeddings: 2,000
clusters in a 48-d latent space (spread as wide as the distance between centres), randomly
projected to 384-d, plus noise. Isotropic 384-d noise has no neighbourhood structure for any ANN
index to find; see docs/benchmarks.md. Recall is against exact search. Queries run one at a time
on one thread, as the server runs them. The `auto` rows use the nprobe that `ann.build` tuned.
Usage: .venv/bin/python bench/faiss_scale.py [--sizes 10000 100000 1000000] [--plot docs/faiss_scale.png]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import faiss
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from internbot.search import faiss as ann

DIM = 384


LATENT = 48


def synthetic(n: int, rng: np.random.Generator, centres: np.ndarray,
              projection: np.ndarray) -> np.ndarray:
    """Unit vectors with low intrinsic dimension, like sentence embeddings: clusters in a
    48-d latent space, projected to 384-d, plus a little isotropic noise."""
    out = np.empty((n, DIM), dtype=np.float32)
    for start in range(0, n, 100_000):
        m = min(100_000, n - start)
        latent = centres[rng.integers(0, len(centres), m)]
        latent = latent + rng.standard_normal((m, LATENT), dtype=np.float32)
        block = latent @ projection + rng.standard_normal((m, DIM), dtype=np.float32) * 0.01
        out[start : start + m] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def latency_ms(index, queries: np.ndarray, k: int = 10) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    times = []
    for q in queries:
        t = time.perf_counter()
        index.search(q[None, :], k)
        times.append((time.perf_counter() - t) * 1000)
    return float(np.percentile(times, 50)), float(np.percentile(times, 95))


def measure(n: int, factory: str, data: np.ndarray, queries: np.ndarray, truth: np.ndarray,
            sweep: tuple[int, ...] = ()) -> list[dict[str, object]]:
    """Build once; report the tuned parameters, then any nprobe values in `sweep`."""
    faiss.omp_set_num_threads(2)
    t = time.perf_counter()
    index, used, tuned = ann.build(data, factory)
    build_s = time.perf_counter() - t
    size_mb = round(len(faiss.serialize_index(index)) / 2**20, 1)
    faiss.omp_set_num_threads(1)
    rows = []
    for params in (tuned, *(f"nprobe={p}" for p in sweep)):
        ann.apply_params(index, params)
        p50, p95 = latency_ms(index, queries[:300])
        _, ids = index.search(queries, 10)
        recall = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(ids, truth, strict=True)]))
        rows.append({"n": n, "factory": used, "params": params, "tuned": params == tuned,
                     "build_s": round(build_s, 1), "index_mb": size_mb, "p50_ms": round(p50, 3),
                     "p95_ms": round(p95, 3), "recall@10": round(recall, 4)})
        print(json.dumps(rows[-1]), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--plot", default="")
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    centres = rng.standard_normal((2000, LATENT)).astype(np.float32)
    projection = rng.standard_normal((LATENT, DIM)).astype(np.float32) / np.sqrt(LATENT)
    rows: list[dict[str, object]] = []
    for n in args.sizes:
        data = synthetic(n, rng, centres, projection)
        queries = synthetic(1000, rng, centres, projection)
        exact = faiss.IndexFlatIP(DIM)
        exact.add(data)
        faiss.omp_set_num_threads(2)
        _, truth = exact.search(queries, 10)
        rows += measure(n, "Flat", data, queries, truth)
        if n > ann.FLAT_MAX:
            nlist = int(ann.auto_factory(n)[3:].split(",")[0])
            rows += measure(n, "auto", data, queries, truth, (nlist // 256, nlist // 64, nlist // 16))
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(1, 2, figsize=(10, 3.6))
        for label, pick in (("exact (Flat)", lambda r: r["factory"] == "Flat"),
                            ("auto (tuned)", lambda r: r["factory"] != "Flat" and r["tuned"])):
            pts = [r for r in rows if pick(r)] or [r for r in rows if r["factory"] == "Flat"][:1]
            ns = [r["n"] for r in pts]
            ax[0].plot(ns, [r["p50_ms"] for r in pts], "o-", label=label)
            ax[1].plot(ns, [r["index_mb"] for r in pts], "o-", label=label)
        ax[0].axhline(5, color="grey", ls="--", lw=1, label="5 ms target")
        for a, title in zip(ax, ("query p50 (ms, 1 thread)", "index size (MB)"), strict=True):
            a.set_xscale("log")
            a.set_yscale("log")
            a.set_xlabel("passages")
            a.set_title(title)
            a.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(args.plot, dpi=110)


if __name__ == "__main__":
    main()
