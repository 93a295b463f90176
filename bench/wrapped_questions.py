"""Answer quality when visitors wrap their questions in chat: greetings, request frames, thanks,
a sentence about themselves (item 32 of docs/quality.md, `phrasing.py`).

Usage: .venv/bin/python bench/wrapped_questions.py [dev] [guides]
Needs the indexes `bench/external.py` builds under .cache/bench/ (run it once per set first).
Each set's questions (follow-ups left out) are asked plain, then inside each wrapper; per
wrapper and on average it prints hit@1, hit@3, out-of-scope and in-scope abstention, and last
what `focus` costs per question (best of three passes over every wrapped question).

Five groups of wrappers, each written before the rules after it: `design`, the ones
`phrasing.py` was first written against; `validation`, measured before any change for it;
`test`, written after that was committed; `test2`, before the rule for a leading clause about
the visitor; `test3`, after that, run on the code before and after item 32 before the three
gaps it showed were closed (docs/quality.md, item 32, has the figures of each step).
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
#: Written after item 32 was committed, and measured on it and on the code before it as they
#: were: the group no rule was written against.
TEST: dict[str, Wrapper] = {
    "as someone with no experience,": lambda q: "As someone with no experience, " + low(q),
    "my advisor told me to ask:": lambda q: "My advisor told me to ask: " + low(q),
    "ALL CAPS": lambda q: q.upper(),
    "…???": lambda q: q.rstrip("?. ") + "???",
    "I'm really stressed about this.": lambda q: "I'm really stressed about this. " + q,
    "hi, so I'm a bootcamp grad and": lambda q: "hi, so I'm a bootcamp grad and " + low(q),
    "…sorry for the long question.": lambda q: q + " Sorry for the long question.",
    "hey internbot! … :)": lambda q: "Hey internbot! " + q + " :)",
    "real quick,": lambda q: "Real quick, " + low(q),
    "in your opinion,": lambda q: "In your opinion, " + low(q),
}
#: Written after the test group was measured, before the rule for a leading clause about the
#: visitor ("I'm a bootcamp grad and …") that the test group showed missing.
TEST2: dict[str, Wrapper] = {
    "I just finished my second year and": lambda q: "I just finished my second year and " + low(q),
    "being an international student,": lambda q: "Being an international student, " + low(q),
    "I'm switching careers from finance,": lambda q: "I'm switching careers from finance, " + low(q),
    "my friend said you could help -": lambda q: "My friend said you could help - " + low(q),
    "I'm 19 and": lambda q: "I'm 19 and " + low(q),
    "as a total beginner": lambda q: "as a total beginner " + low(q),
    "hello! long-time lurker here.": lambda q: "Hello! Long-time lurker here. " + q,
    "I'm in a rush,": lambda q: "I'm in a rush, " + low(q),
    "me and my roommate were wondering:": lambda q: "Me and my roommate were wondering: " + low(q),
    "not sure if you can answer this but": lambda q: "Not sure if you can answer this but " + low(q),
}
#: Written after the rule for a leading clause about the visitor, and run on the code before
#: item 32 and after it; the gaps it then showed ("Hmm,", "Would you mind…") were closed.
TEST3: dict[str, Wrapper] = {
    "good morning internbot.": lambda q: "Good morning internbot. " + q,
    "I'm a parent helping my son.": lambda q: "I'm a parent helping my son. " + q,
    "I'm a high school senior,": lambda q: "I'm a high school senior, " + low(q),
    "can I ask something?": lambda q: "Can I ask something? " + q,
    "hmm,": lambda q: "Hmm, " + low(q),
    "…thanks in advance for your help.": lambda q: q + " Thanks in advance for your help.",
    "hi there :)": lambda q: "Hi there :) " + q,
    "just curious -": lambda q: "Just curious - " + low(q),
    "as an econ major,": lambda q: "As an econ major, " + low(q),
    "would you mind telling me": lambda q: "Would you mind telling me " + low(q),
}
GROUPS = {"design": DESIGN, "validation": VALIDATION, "test": TEST, "test2": TEST2, "test3": TEST3}
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
        for group, wrappers in GROUPS.items():
            per = {label: figures(answerer, rows, wrap) for label, wrap in wrappers.items()}
            for label, values in per.items():
                print(line(f"{group}: {label}", values))
            mean = {k: sum(v[k] for v in per.values()) / len(per) for k in next(iter(per.values()))}
            print(line(f"{group}: MEAN", mean))
        texts = [wrap(r.question) for group in GROUPS.values() for wrap in group.values() for r in rows]
        best = min(cost(texts) for _ in range(3))
        print(f"  focus: {best * 1e6:.1f} µs per question ({len(texts)} wrapped questions)")


def cost(texts: list[str]) -> float:
    """Seconds `focus` takes per question (0 for code from before it, to compare with)."""
    try:
        from internbot.phrasing import focus
    except ImportError:
        return 0.0
    t0 = time.perf_counter()
    for text in texts:
        focus(text)
    return (time.perf_counter() - t0) / len(texts)


if __name__ == "__main__":
    main()
