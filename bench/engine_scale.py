"""The whole engine, not just FAISS, from thousands to a million passages.

Generates guides from the seed one, each with its own marker and a few words from a vocabulary
that grows with the corpus (Heaps' law, as real sites do), indexes them with the model-free
`hashing` embedder so that only the engine's own work is timed, then in fresh processes:

- build: seconds, passages/s and peak memory of `internbot index` (all resident pages, and the
  anonymous ones alone: memory-mapped index files the build reads back count in the first);
- load: seconds until `Answerer.from_settings` returns (what a server waits for);
- questions: per-question engine time with the encode taken out (vectors precomputed, one
  question at a time, one BLAS/FAISS thread as in the server): p50, p95, max; RSS after.
  Asked twice: first with the index's pages as the OS cache happens to hold them
  (`first_p50_ms`), then after reading the index files once, as `INTERNBOT_PRELOAD=1` does
  (`preload_s`; `p50_ms`, `p95_ms`).

Then, with `--serve`, `internbot serve` (hashing embedder) on the seed guide and on the largest
index, one after the other, under 32 clients (`bench/load.py`'s), and with `--encode`, the real
model's encode throughput on generated passages (what building an index of them costs).

With `--vector-store milvus`, the questions run against Milvus Lite (a collection filled
from each index, filling timed) instead of the index folder's FAISS.

Usage: .venv/bin/python bench/engine_scale.py [--passages 10000 74000] [--questions 300]
       [--keep DIR] [--rebuild]   (reuse generated corpora, and indexes unless --rebuild)
       [--serve] [--encode] [--vector-store milvus] [--out results.json] [--plot PNG]
       .venv/bin/python bench/engine_scale.py --plot PNG --replot results.json
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "corpus" / "how-to-get-a-machine-learning-internship.txt"
SYLLABLES = ["ka", "lo", "mi", "ren", "tor", "vi", "sal", "qu", "ne", "bra", "dex", "fo", "lin",
             "pa", "zu", "gor", "te", "mar", "io", "sun"]


def pseudo_word(rnd: random.Random) -> str:
    return "".join(rnd.choice(SYLLABLES) for _ in range(rnd.randint(2, 4)))


def generate(folder: Path, guides: int, seed: int = 11) -> None:
    """`guides` variants of the seed guide: a marker in every paragraph and, per paragraph, two
    words from a vocabulary of about 40·guides^0.7 words (new guides bring new words)."""
    rnd = random.Random(seed)
    text = SEED.read_text(encoding="utf-8")
    vocab: list[str] = []
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(guides):
        while len(vocab) < 40 * (i + 1) ** 0.7:
            vocab.append(pseudo_word(rnd))

        def mark(m: re.Match[str], i: int = i) -> str:
            return f"{m.group(1)} ({rnd.choice(vocab)} {rnd.choice(vocab)}, guide {i}.)\n"

        (folder / f"guide-{i:06d}.txt").write_text(re.sub(r"([.?!])\n", mark, text), encoding="utf-8")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class AnonPeak:
    """Samples the process's anonymous resident memory (heap, arrays: what a build holds,
    as opposed to pages of memory-mapped files, which the OS can drop) every 50 ms."""

    def __init__(self) -> None:
        import threading

        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            for line in Path("/proc/self/status").read_text().splitlines():
                if line.startswith("RssAnon:"):
                    self.peak_mb = max(self.peak_mb, int(line.split()[1]) / 1024)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak_mb


def settings_for(work: Path, vector_store: str = ""):  # type: ignore[no-untyped-def]
    from internbot.config import HASHING_MODEL, Settings

    store = str(work / "milvus" / "lite.db") if vector_store == "milvus" else ""
    # No answer memo: the questions are asked twice, and each time must do the engine's work.
    return Settings(corpus_dir=work / "corpus", index_dir=work / "index", model=HASHING_MODEL,
                    model_sha256="", cache_dir=work / "cache", vector_store=store, answer_cache=0)


def phase_build(work: Path) -> dict[str, float]:
    from internbot.indexing import build

    sampler = AnonPeak()
    t0 = time.perf_counter()
    report = build(settings_for(work), full=True)
    seconds = time.perf_counter() - t0
    assert report is not None
    return {"passages": report.chunks, "build_s": round(seconds, 1),
            "build_passages_per_s": round(report.chunks / seconds, 1),
            "build_peak_rss_mb": round(peak_rss_mb()), "build_peak_anon_mb": round(sampler.stop())}


def phase_serve(work: Path, n_questions: int, vector_store: str = "") -> dict[str, float]:
    import numpy as np
    from threadpoolctl import threadpool_limits

    sys.path.insert(0, str(Path(__file__).parent))
    from load import questions

    from internbot.answerer import Answerer
    from internbot.records import Query

    threadpool_limits(1)
    before = rss_mb()
    t0 = time.perf_counter()
    answerer = Answerer.from_settings(settings_for(work, vector_store))
    load_s = time.perf_counter() - t0  # with Milvus: filling its collection, the first time
    loaded = rss_mb()
    qs = questions(n_questions, seed=5)
    retriever = answerer.retriever
    # The engine encodes what it reads of a question ("Any tips on Python…?" without its
    # wrapping), so the texts to precompute are the ones it asks for: one untimed pass.
    real, vectors = retriever.encode, {}

    def encode(texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in vectors]
        if missing:
            vectors.update(zip(missing, real(missing), strict=True))
        return np.stack([vectors[t] for t in texts])

    retriever.encode = encode  # type: ignore[method-assign]
    answerer.ask_many([Query(q) for q in qs])  # also warms caches as a running server has them

    def timed() -> list[float]:
        times = []
        for q in qs:
            t = time.perf_counter()
            answerer.ask_many([Query(q)])
            times.append((time.perf_counter() - t) * 1000)
        return sorted(times)

    first = timed()  # the index's pages as the OS cache happens to hold them
    t0 = time.perf_counter()
    answerer.preload()  # as `INTERNBOT_PRELOAD=1 internbot serve` does before it is ready
    preload_s = time.perf_counter() - t0
    times = timed()
    return {**lexical_recall(answerer, qs), "load_s": round(load_s, 2), "rss_after_load_mb": round(loaded),
            "index_rss_mb": round(loaded - before),
            "first_p50_ms": round(first[len(first) // 2], 2),
            "first_p95_ms": round(first[int(len(first) * 0.95)], 2),
            "preload_s": round(preload_s, 1),
            "p50_ms": round(times[len(times) // 2], 2), "p95_ms": round(times[int(len(times) * 0.95)], 2),
            "max_ms": round(times[-1], 2), "rss_after_questions_mb": round(rss_mb())}


def lexical_recall(answerer, qs: list[str]) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """What the lexical candidates (impact lists past `EXACT_MAX` passages) find against the
    exact top-k: the share of its rows they hold, and of its summed BM25 score (near-duplicate
    passages tie, so rows alone understate it)."""
    from internbot.lexical import top_k

    r = answerer.retriever
    bm25, k = r.bm25, r.pool
    rows, mass = [], []
    for q in qs:
        ids = bm25.term_ids(bm25.query_terms(q))
        scores = bm25.scores_by_id(ids)
        exact = top_k(scores, k)
        exact = exact[scores[exact] > 0]
        if not len(exact):
            continue
        got = bm25.top(ids, k)
        rows.append(len(set(got.tolist()) & set(exact.tolist())) / len(exact))
        mass.append(float(scores[got].sum() / scores[exact].sum()))
    return {"lexical_row_recall": round(sum(rows) / len(rows), 3),
            "lexical_score_recall": round(sum(mass) / len(mass), 4)}


def serve_rps(work: Path, seconds: float = 15) -> dict[str, float]:
    """Requests/s of `internbot serve` on the index in `work` (hashing embedder)."""
    import asyncio

    sys.path.insert(0, str(Path(__file__).parent))
    from load import free_port, hammer, start

    port = free_port()
    s = settings_for(work)
    proc = start([str(Path(sys.executable).parent / "internbot"), "serve", "--rate-limit", "0",
                  "--port", str(port)], port,
                 env={"INTERNBOT_MODEL": s.model, "INTERNBOT_MODEL_SHA256": "",
                      "INTERNBOT_INDEX": str(s.index_dir), "INTERNBOT_CORPUS": str(s.corpus_dir),
                      "INTERNBOT_DATA": str(work / "data")})
    try:
        return asyncio.run(hammer(f"http://127.0.0.1:{port}/api/ask", 32, seconds))
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def encode_rate(work: Path, n: int = 2000) -> dict[str, float]:
    """Passages/s of the bundled model (ONNX when available) on `n` generated passages."""
    import numpy as np

    from internbot.config import Settings
    from internbot.embedder import load_embedder
    from internbot.passages import ChunkStore

    index = work / "index"
    chunks = ChunkStore(index / "chunks.jsonl", np.load(index / "chunk_offsets.npy"))
    texts = [chunks[i].search_text() for i in range(min(n, len(chunks)))]
    embedder = load_embedder(Settings(cache_dir=ROOT / ".cache"))
    embedder.encode(texts[:64])
    t0 = time.perf_counter()
    embedder.encode(texts)
    seconds = time.perf_counter() - t0
    return {"encode_passages": len(texts), "encode_passages_per_s": round(len(texts) / seconds, 1)}


def child(phase: str, work: Path, n_questions: int, vector_store: str = "") -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--phase", phase, "--work", str(work),
                          "--questions", str(n_questions), "--vector-store", vector_store],
                         check=True, capture_output=True, text=True,
                         env={**os.environ, "HF_HUB_OFFLINE": "1"})
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def plot(rows: list[dict[str, float]], path: Path) -> None:
    """Load time, per-question engine time and serving memory against passages (log-log)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = [r["passages"] for r in rows]
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    series = [("load (s)", [("load", "load_s")], 10.0),
              ("one question, encode excluded (ms)", [("p50", "p50_ms"), ("p95", "p95_ms"),
                                                      ("p50 before preload", "first_p50_ms")], 5.0),
              ("resident memory (MB)", [("after load", "rss_after_load_mb"),
                                        ("after the questions", "rss_after_questions_mb")], 4096.0)]
    for ax, (title, lines, target) in zip(axes, series, strict=True):
        for label, key in lines:
            if all(key in r for r in rows):
                ax.plot(n, [r[key] for r in rows], marker="o", label=label)
        ax.axhline(target, color="grey", linestyle="--", linewidth=1, label="1M target")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("passages")
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("The whole engine (hashing embedder), 2 cores")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--passages", type=int, nargs="+", default=[10_000, 74_000])
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--keep", type=Path, help="folder to keep (and reuse) corpora and indexes in")
    parser.add_argument("--rebuild", action="store_true", help="rebuild kept indexes")
    parser.add_argument("--serve", action="store_true",
                        help="also serve the seed guide and the largest index under load")
    parser.add_argument("--encode", action="store_true", help="also time the real model's encode")
    parser.add_argument("--vector-store", choices=["", "faiss", "milvus"], default="",
                        help="search backend for the questions (milvus: Milvus Lite in DIR)")
    parser.add_argument("--out", type=Path, help="write the results as JSON here")
    parser.add_argument("--plot", type=Path, help="draw load, latency and memory to this PNG")
    parser.add_argument("--replot", type=Path, help="with --plot: draw from saved results only")
    parser.add_argument("--phase", choices=["build", "serve"])
    parser.add_argument("--work", type=Path)
    args = parser.parse_args()
    if args.phase:
        result = (phase_build(args.work) if args.phase == "build"
                  else phase_serve(args.work, args.questions, args.vector_store))
        print(json.dumps(result))
        return
    if args.replot:
        plot(json.loads(args.replot.read_text())["rows"], args.plot)
        return
    base = args.keep or Path(tempfile.mkdtemp(prefix="internbot-scale-"))
    per_guide = 61  # passages the seed guide makes
    rows = []
    for n in args.passages:
        work = base / f"p{n}"
        if not (work / "corpus").exists():
            generate(work / "corpus", max(1, round(n / per_guide)))
        row: dict[str, float] = {"target": n}
        if args.rebuild or not (work / "index" / "manifest.json").exists():
            row |= child("build", work, args.questions)
        else:  # a kept index: its build figures are those of the run that built it
            row["passages"] = json.loads((work / "index" / "manifest.json").read_text())["chunk_count"]
        row |= child("serve", work, args.questions, args.vector_store)
        rows.append(row)
        print(json.dumps(row), flush=True)
    largest = base / f"p{args.passages[-1]}"
    extra: dict[str, object] = {}
    if args.serve:
        seed = base / "seed"
        (seed / "corpus").mkdir(parents=True, exist_ok=True)
        (seed / "corpus" / SEED.name).write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
        child("build", seed, args.questions)  # seconds: always current
        extra["serve_seed"] = serve_rps(seed)
        extra[f"serve_{args.passages[-1]}"] = serve_rps(largest)
        print(json.dumps(extra), flush=True)
    if args.encode:
        extra |= encode_rate(largest)
    results = json.dumps({"rows": rows, **extra}, indent=2)
    print(results)
    if args.out:
        args.out.write_text(results + "\n")
    if args.plot:
        plot(rows, args.plot)


if __name__ == "__main__":
    main()
