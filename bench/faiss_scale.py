"""The FAISS layer from 10k to 1M passages: build time, memory, query latency, recall@10.

Synthetic 384-d unit vectors drawn around 10,000 cluster centres (cosine ~0.35 within one) (real embeddings cluster by
topic; uniform random vectors would have no near neighbours to find). Recall is against exact
search. Queries run one at a time on one thread, as the server runs them.
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
from internbot import ann  # noqa: E402

DIM = 384


def synthetic(n: int, rng: np.random.Generator, centres: np.ndarray) -> np.ndarray:
    out = np.empty((n, DIM), dtype=np.float32)
    for start in range(0, n, 100_000):
        m = min(100_000, n - start)
        picks = centres[rng.integers(0, len(centres), m)]
        block = picks + rng.standard_normal((m, DIM), dtype=np.float32) * 0.07
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
            params: str | None = None) -> dict[str, object]:
    faiss.omp_set_num_threads(2)
    t = time.perf_counter()
    index, used, default = ann.build(data, factory)
    build_s = time.perf_counter() - t
    if params is not None:
        ann.apply_params(index, params)
    faiss.omp_set_num_threads(1)
    p50, p95 = latency_ms(index, queries[:300])
    _, ids = index.search(queries, 10)
    recall = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(ids, truth, strict=True)]))
    return {"n": n, "factory": used, "params": params if params is not None else default,
            "build_s": round(build_s, 1), "index_mb": round(len(faiss.serialize_index(index)) / 2**20, 1),
            "p50_ms": round(p50, 3), "p95_ms": round(p95, 3), "recall@10": round(recall, 4)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--plot", default="")
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    centres = rng.standard_normal((10_000, DIM)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    rows = []
    for n in args.sizes:
        data = synthetic(n, rng, centres)
        queries = synthetic(1000, rng, centres)
        exact = faiss.IndexFlatIP(DIM)
        exact.add(data)
        faiss.omp_set_num_threads(2)
        _, truth = exact.search(queries, 10)
        rows.append(measure(n, "Flat", data, queries, truth))
        if n > ann.FLAT_MAX:
            rows.append(measure(n, "auto", data, queries, truth))
            nlist = int(rows[-1]["factory"][3:].split(",")[0])  # type: ignore[index]
            for nprobe in (nlist // 128, nlist // 64):
                rows.append(measure(n, rows[-1]["factory"], data, queries, truth,  # type: ignore[arg-type]
                                    f"nprobe={max(nprobe, 1)}"))
        for r in rows[-4:]:
            if r["n"] == n:
                print(json.dumps(r), flush=True)
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(1, 2, figsize=(10, 3.6))
        for label, pick in (("exact (Flat)", lambda r: r["factory"] == "Flat"),
                            ("auto (IVF, default nprobe)", lambda r: r["factory"] != "Flat"
                             and r["params"] == ann.default_params(str(r["factory"])))):
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
