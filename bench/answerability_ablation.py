"""Each answerability signal's effect: the calibration refitted without it, on every set.

Usage: .venv/bin/python bench/answerability_ablation.py [guides-questions.jsonl]
Needs the indexes `bench/external.py` builds under .cache/bench/ (run it once per set first).
Prints, per variant, the in-scope abstention on each set and the out-of-scope abstention on the
sets that have out-of-scope questions (the dev set, and the guides questions when given).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from external import CACHE, SHARED, squad, stackfaq

from internbot.answerability import FEATURES, evidence_for, fit_probes, probe_evidence
from internbot.answerer import Answerer
from internbot.config import Settings
from internbot.probes import make_probes


def questions(name: str, guides: Path | None) -> list[dict]:  # type: ignore[type-arg]
    if name == "stackfaq":
        return stackfaq()[1]
    if name == "squad":
        return squad()[1]
    path = SHARED / "eval" / "dev_questions.jsonl" if name == "dev" else guides
    assert path is not None
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def main() -> None:
    guides = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    sets = ["dev", "stackfaq", "squad"] + (["guides"] if guides else [])
    variants = [("all signals", FEATURES)] + [(f"without {f}", tuple(x for x in FEATURES if x != f))
                                              for f in FEATURES]
    table: dict[str, list[str]] = {label: [] for label, _ in variants}
    header = []
    for name in sets:
        settings = Settings(corpus_dir=CACHE / name / "corpus", index_dir=CACHE / name / "index")
        answerer = Answerer.from_settings(settings, check_corpus=False)
        retriever = answerer.retriever
        probes = make_probes(retriever.chunks, retriever.bm25, retriever.index.manifest.corpus_hash)
        pos, neg, known = probe_evidence(retriever, probes)
        amount_in = evidence_for(retriever, probes.amount_in)
        amount_off = evidence_for(retriever, probes.amount_off)
        rows = questions(name, guides)
        ev = evidence_for(retriever, [r["question"] for r in rows])
        ins = np.array([r.get("expected", True) not in ([], None) for r in rows])
        oos = np.array([r.get("expected") == [] for r in rows])
        header += [f"{name} in-scope abstains"] + ([f"{name} out-of-scope abstains"] if oos.any() else [])
        for label, names in variants:
            cols = [FEATURES.index(n) for n in names]
            cal = fit_probes(pos[:, cols], neg[:, cols], amount_in[:, cols], amount_off[:, cols],
                             names, known=known)
            z = ev[:, cols] @ np.array(cal.weights) + cal.bias
            table[label].append(f"{np.mean(z[ins] < 0):.3f}")
            if oos.any():
                table[label].append(f"{np.mean(z[oos] < 0):.3f}")
    print("| variant | " + " | ".join(header) + " |")
    print("|" + " --- |" * (len(header) + 1))
    for label, cells in table.items():
        print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
