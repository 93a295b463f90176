"""How long index-time calibration takes, by how many passages the in-scope probes come from.

Loads built indexes (the project's and those `bench/external.py` leaves under `.cache/bench/`)
and times `make_probes` + `calibrate` as `internbot index` runs them, once per
`probes.MAX_PASSAGES` value, with the index's own seed. Usage:

    .venv/bin/python bench/calibration_time.py                  # 400 and 800, every index found
    .venv/bin/python bench/calibration_time.py --passages 800 .cache/bench/squad/index
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("indexes", nargs="*", type=Path)
    parser.add_argument("--passages", type=int, nargs="+", default=[400, 800])
    args = parser.parse_args()
    indexes = args.indexes or [p for p in [ROOT / "index", *sorted((ROOT / ".cache/bench").glob("*/index"))]
                               if (p / "manifest.json").is_file()]

    from internbot import index as store
    from internbot import probes
    from internbot.answerability import calibrate
    from internbot.config import Settings
    from internbot.embedder import load_embedder
    from internbot.retriever import Retriever

    embedder = load_embedder(Settings())
    print("| index | passages | probes from | in-scope / off-topic probes | seconds |")
    print("| --- | --- | --- | --- | --- |")
    for folder in indexes:
        index = store.load(folder)
        seed = store.read_manifest(folder).corpus_hash
        for limit in args.passages:
            probes.MAX_PASSAGES = limit
            retriever = Retriever(index, embedder)
            start = time.perf_counter()
            made = probes.make_probes(index.chunks, index.lexical, seed)
            calibrate(retriever, seed=seed, probes=made)
            seconds = time.perf_counter() - start
            name = folder.parent.name if folder.name == "index" and folder.parent != ROOT else "seed"
            print(f"| {name} | {len(index.chunks):,} | ≤ {limit} | {len(made.in_scope):,} / "
                  f"{len(made.off_topic):,} | {seconds:.1f} |")


if __name__ == "__main__":
    main()
