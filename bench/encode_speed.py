"""Milliseconds to encode 32 questions: torch, ONNX Runtime and its int8 copy (INTERNBOT_QUANTIZE),
with their agreement with torch, on 1 and 2 threads.

Usage: .venv/bin/python bench/encode_speed.py
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from load import questions

from internbot.config import Settings
from internbot.embedder import SentenceTransformerEmbedder, load_embedder


def per_batch(encode, qs: list[str]) -> float:  # type: ignore[no-untyped-def]
    for _ in range(2):
        encode(qs[:32])
    start = time.perf_counter()
    for i in range(10):
        encode(qs[i * 32 : (i + 1) * 32])
    return (time.perf_counter() - start) / 10 * 1000


def main() -> None:
    qs = questions(320)
    root = Path(__file__).resolve().parents[1]
    torch_model = SentenceTransformerEmbedder()
    for threads in (1, 2):
        torch.set_num_threads(threads)
        settings = Settings(backend="onnx", threads=threads, cache_dir=root / ".cache")
        onnx = load_embedder(settings)
        int8 = load_embedder(replace(settings, quantize=True), queries=True)
        reference = torch_model.encode(qs[:256])
        cos = float(np.min((reference[:64] * onnx.encode(qs[:64])).sum(1)))
        cos8 = (reference * int8.encode(qs[:256])).sum(1)
        print(f"threads={threads}: torch {per_batch(torch_model.encode, qs):.1f} ms/32, "
              f"onnx {per_batch(onnx.encode, qs):.1f} ms/32 (min cosine {cos:.6f}), "
              f"int8 {per_batch(int8.encode, qs):.1f} ms/32 (cosine min {cos8.min():.4f}, "
              f"mean {cos8.mean():.4f})")


if __name__ == "__main__":
    main()
