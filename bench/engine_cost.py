"""The engine's own cost per question, with the model's encode taken out.

Usage: .venv/bin/python bench/engine_cost.py [--index index/] [--questions 2000]
Encodes `bench/load.py`'s questions once, then answers them in batches of 16 with those vectors
precomputed (one FAISS/BLAS thread, as in the server) and prints the best of three passes, in
milliseconds per question, beside the encode cost per question.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from load import questions

from internbot.answerer import Answerer
from internbot.config import Settings
from internbot.records import Query


def best_of(passes: int, run) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(passes):
        t0 = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=Path, default=None)
    parser.add_argument("--questions", type=int, default=2000)
    args = parser.parse_args()
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    settings = Settings.from_env(index_dir=args.index)
    answerer = Answerer.from_settings(settings, check_corpus=False)
    qs = questions(args.questions)
    retriever = answerer.retriever
    encode = retriever.encode
    batches = [qs[i : i + 16] for i in range(0, len(qs), 16)]
    encode_s = best_of(3, lambda: [encode(b) for b in batches])
    vectors = dict(zip(qs, encode(qs), strict=True))
    retriever.encode = lambda texts: np.stack([vectors[t] for t in texts])  # type: ignore[method-assign]
    engine_s = best_of(3, lambda: [answerer.ask_many([Query(q) for q in b]) for b in batches])
    n = len(qs)
    print(f"{n} questions, batches of 16: engine {engine_s / n * 1000:.3f} ms/question "
          f"(encode excluded), encode {encode_s / n * 1000:.3f} ms/question")


if __name__ == "__main__":
    main()
