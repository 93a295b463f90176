"""Answer quality, step by step: the tutorial recipe, then each part of the engine switched on.

Usage: .venv/bin/python bench/quality_ablation.py [QUESTIONS.jsonl ...]
Prints a Markdown table (hit@1, hit@3, out-of-scope abstention, false abstention, answer length).
"""

from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import faiss
import numpy as np

from internbot.answerer import Answerer, Policy
from internbot.config import Settings
from internbot.evaluate import contains, read_questions
from internbot.indexing import build
from internbot.records import Query
from internbot.retriever import Weights

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "eval" / "dev_questions.jsonl"


def score(rows, answers, sources):  # type: ignore[no-untyped-def]
    ins = [i for i, r in enumerate(rows) if r.expected]
    oos = [i for i, r in enumerate(rows) if r.expected == ()]
    hit1 = np.mean([answers[i][0] and contains(answers[i][1], rows[i].expected) for i in ins])
    hit3 = np.mean([any(contains(s, rows[i].expected) for s in sources[i][:3]) for i in ins])
    oos_a = np.mean([not answers[i][0] for i in oos]) if oos else float("nan")
    false_a = np.mean([not answers[i][0] for i in ins])
    length = np.mean([len(answers[i][1]) for i in ins if answers[i][0]])
    return hit1, hit3, oos_a, false_a, length


def tutorial(rows, embedder, text: str):  # type: ignore[no-untyped-def]
    """LangChain RecursiveCharacterTextSplitter(500, 50) → MiniLM → IndexFlatIP → top passage."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    chunks = RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50).split_text(text)
    index = faiss.IndexFlatIP(embedder.dim)
    index.add(embedder.encode(chunks))
    _, ids = index.search(embedder.encode([r.question for r in rows]), 3)
    answers = [(True, chunks[i[0]]) for i in ids]
    return answers, [[chunks[j] for j in i] for i in ids]


def engine(rows, answerer):  # type: ignore[no-untyped-def]
    out = answerer.ask_many([Query(r.question, r.history) for r in rows])
    return [(a.answered, a.answer) for a in out], [[s.text for s in a.sources] for a in out]


def main() -> None:
    paths = [Path(p) for p in sys.argv[1:]] or [DEFAULT]
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(corpus_dir=ROOT / "corpus", index_dir=Path(tmp) / "index")
        build(settings)
        base = Answerer.from_settings(settings)
        embedder = base.retriever.embedder
        text = "\n\n".join(p.read_text() for p in sorted((ROOT / "corpus").glob("*.txt")))
        no_abstain = replace(settings, abstain_threshold=0.0)
        off = Policy(lists=False, trim=False, follow_ups=False)
        steps = [
            ("structure-aware chunks, dense chunk vectors only", no_abstain,
             Weights(chunk=1, sentence=0, hybrid=False), off),
            ("+ best-sentence dense evidence", no_abstain, Weights(hybrid=False), off),
            ("+ BM25 fusion (typo-corrected, section titles)", no_abstain, Weights(), off),
            ("+ list answers for enumerating questions", no_abstain, Weights(), replace(off, lists=True)),
            ("+ follow-ups resolved with history", no_abstain, Weights(),
             replace(off, lists=True, follow_ups=True)),
            ("+ answers trimmed to the answering sentences", no_abstain, Weights(), Policy()),
            ("+ calibrated abstention (final engine)", settings, Weights(), Policy()),
        ]
        for path in paths:
            rows = read_questions(path).rows
            print(f"\n{path.name} ({len(rows)} questions)\n")
            print("| step | hit@1 | hit@3 | OOS abstention | false abstention | answer chars |")
            print("| --- | --- | --- | --- | --- | --- |")
            table = [("tutorial recipe (LangChain 500/50, MiniLM, FlatIP, top passage)",
                      score(rows, *tutorial(rows, embedder, text)))]
            for name, s, w, p in steps:
                answerer = Answerer(type(base.retriever)(base.retriever.index, embedder, w), s, p)
                table.append((name, score(rows, *engine(rows, answerer))))
            for name, (h1, h3, oa, fa, n) in table:
                print(f"| {name} | {h1:.3f} | {h3:.3f} | {oa:.3f} | {fa:.3f} | {n:.0f} |")
    json.dumps({})


if __name__ == "__main__":
    main()
