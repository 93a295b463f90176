"""Answer quality when visitors wrap their questions in chat: greetings, request frames, thanks,
a sentence about themselves (item 32 of docs/quality.md, `phrasing.py`).

Usage: .venv/bin/python bench/wrapped_questions.py [dev] [guides]
Needs the indexes `bench/external.py` builds under .cache/bench/ (run it once per set first).
Each set's questions (follow-ups left out) are asked plain, then inside each wrapper; per
wrapper and on average it prints hit@1, hit@3, out-of-scope and in-scope abstention, and last
what `focus` costs per question (best of three passes over every wrapped question).

Two groups of wrappers: `design`, the ones `phrasing.py` was written against, and
`validation`, written afterwards and measured before any change was made for it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from external import CACHE, SHARED

from internbot.answerer import Answerer
from internbot.config import Settings
from internbot.evaluate import Row, metrics, read_questions, run
from internbot.phrasing import focus


def low(q: str) -> str:
    return q[:1].lower() + q[1:]


Wrapper = Callable[[str], str]
DESIGN: dict[str, Wrapper] = {
    "hello, my question is:": lambda q: "hello there! my question is: " + q,
    "…I'd appreciate any help.": lambda q: "Hey, " + q + " I'd really appreciate any help.",
    "sorry if this is dumb, but": lambda q: "Sorry if this is a dumb question, but " + low(q),
    "I'm a junior in statistics.": lambda q: ("I'm a junior studying statistics and I'm trying to "
                                              "figure out my summer plans. " + q),
    "…thank u": lambda q: q + " thank u",
    "quick one:": lambda q: "Quick one: " + q,
    "could you help me?": lambda q: "Could you help me? " + q,
    "I'd love some advice.": lambda q: "I'd love some advice. " + q,
    "good evening. a question:": lambda q: "Good evening. I have a question about internships: " + q,
    "ok so basically": lambda q: "Ok so basically " + low(q),
}
VALIDATION: dict[str, Wrapper] = {
    "hi internbot,": lambda q: "Hi internbot, " + low(q),
    "…any tips would be great!": lambda q: q + " Any tips would be great!",
    "hello, I hope you're well.": lambda q: "Hello, I hope you're doing well. " + q,
    "as a first-generation student,": lambda q: "As a first-generation college student, " + low(q),
    "yo": lambda q: "yo " + low(q),
    "…I'm asking because…": lambda q: q + " I'm asking because my parents want me to go to grad school.",
    "need help!!": lambda q: "Need help!! " + q,
    "hey! so,": lambda q: "Hey! So, " + low(q),
    "question for you -": lambda q: "Question for you - " + low(q),
    "I've been reading your guide and": lambda q: "I've been reading your guide and " + low(q),
}
KEYS = ("hit@1", "hit@3", "oos_abstention", "false_abstention")


def figures(answerer: Answerer, rows: list[Row], wrap: Wrapper) -> dict[str, float]:
    wrapped = [Row(r.line, r.id, wrap(r.question), (), r.expected) for r in rows]
    m = metrics(run(answerer, wrapped))
    return {k: m[k] for k in KEYS if m.get(k) is not None}


def line(label: str, values: dict[str, float]) -> str:
    return f"  {label:46s}" + "  ".join(f"{k} {v:.3f}" for k, v in values.items())


def main() -> None:
    names = sys.argv[1:] or ["dev", "guides"]
    sources = {"dev": SHARED / "eval" / "dev_questions.jsonl",
               "guides": Path(__file__).parent / "data" / "guides_dev.jsonl"}
    for name in names:
        settings = Settings(corpus_dir=CACHE / name / "corpus", index_dir=CACHE / name / "index")
        answerer = Answerer.from_settings(settings, check_corpus=False)
        rows = [r for r in read_questions(sources[name]).rows if not r.history]
        print(f"{name}: {len(rows)} questions")
        print(line("plain", figures(answerer, rows, lambda q: q)))
        for group, wrappers in (("design", DESIGN), ("validation", VALIDATION)):
            per = {label: figures(answerer, rows, wrap) for label, wrap in wrappers.items()}
            for label, values in per.items():
                print(line(f"{group}: {label}", values))
            mean = {k: sum(v[k] for v in per.values()) / len(per) for k in next(iter(per.values()))}
            print(line(f"{group}: MEAN", mean))
        texts = [wrap(r.question) for wrap in (*DESIGN.values(), *VALIDATION.values()) for r in rows]
        best = min(cost(texts) for _ in range(3))
        print(f"  focus: {best * 1e6:.1f} µs per question ({len(texts)} wrapped questions)")


def cost(texts: list[str]) -> float:
    t0 = time.perf_counter()
    for text in texts:
        focus(text)
    return (time.perf_counter() - t0) / len(texts)


if __name__ == "__main__":
    main()
