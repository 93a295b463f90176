"""The whole engine, not just FAISS, from thousands to a million passages.

Generates guides from the seed one, each with its own marker and a few words from a vocabulary
that grows with the corpus (Heaps' law, as real sites do), indexes them with the model-free
`hashing` embedder so that only the engine's own work is timed, then in fresh processes:

- build: seconds, passages/s and peak RSS of `internbot index`;
- load: seconds until `Answerer.from_settings` returns (what a server waits for);
- questions: per-question engine time with the encode taken out (vectors precomputed, one
  question at a time, one BLAS/FAISS thread as in the server): p50, p95, max; RSS after.

Usage: .venv/bin/python bench/engine_scale.py [--passages 10000 74000] [--questions 300]
       [--keep DIR] [--rebuild]   (reuse generated corpora, and indexes unless --rebuild)
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


def settings_for(work: Path):  # type: ignore[no-untyped-def]
    from internbot.config import HASHING_MODEL, Settings

    return Settings(corpus_dir=work / "corpus", index_dir=work / "index", model=HASHING_MODEL,
                    model_sha256="", cache_dir=work / "cache")


def phase_build(work: Path) -> dict[str, float]:
    from internbot.indexing import build

    t0 = time.perf_counter()
    report = build(settings_for(work), full=True)
    seconds = time.perf_counter() - t0
    assert report is not None
    return {"passages": report.chunks, "build_s": round(seconds, 1),
            "build_passages_per_s": round(report.chunks / seconds, 1),
            "build_peak_rss_mb": round(peak_rss_mb())}


def phase_serve(work: Path, n_questions: int) -> dict[str, float]:
    import numpy as np
    from threadpoolctl import threadpool_limits

    sys.path.insert(0, str(Path(__file__).parent))
    from load import questions

    from internbot.answerer import Answerer
    from internbot.records import Query

    threadpool_limits(1)
    before = rss_mb()
    t0 = time.perf_counter()
    answerer = Answerer.from_settings(settings_for(work))
    load_s = time.perf_counter() - t0
    loaded = rss_mb()
    qs = questions(n_questions, seed=5)
    retriever = answerer.retriever
    vectors = dict(zip(qs, retriever.encode(qs), strict=True))
    retriever.encode = lambda texts: np.stack([vectors[t] for t in texts])  # type: ignore[method-assign]
    answerer.ask_many([Query(q) for q in qs[:5]])  # warm caches as a running server has them
    times = []
    for q in qs:
        t = time.perf_counter()
        answerer.ask_many([Query(q)])
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return {"load_s": round(load_s, 2), "rss_after_load_mb": round(loaded),
            "index_rss_mb": round(loaded - before),
            "p50_ms": round(times[len(times) // 2], 2), "p95_ms": round(times[int(len(times) * 0.95)], 2),
            "max_ms": round(times[-1], 2), "rss_after_questions_mb": round(rss_mb())}


def child(phase: str, work: Path, n_questions: int) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--phase", phase, "--work", str(work),
                          "--questions", str(n_questions)], check=True, capture_output=True, text=True,
                         env={**os.environ, "HF_HUB_OFFLINE": "1"})
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--passages", type=int, nargs="+", default=[10_000, 74_000])
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--keep", type=Path, help="folder to keep (and reuse) corpora and indexes in")
    parser.add_argument("--rebuild", action="store_true", help="rebuild kept indexes")
    parser.add_argument("--phase", choices=["build", "serve"])
    parser.add_argument("--work", type=Path)
    args = parser.parse_args()
    if args.phase:
        result = phase_build(args.work) if args.phase == "build" else phase_serve(args.work, args.questions)
        print(json.dumps(result))
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
        row |= child("serve", work, args.questions)
        rows.append(row)
        print(json.dumps(row), flush=True)
    print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
