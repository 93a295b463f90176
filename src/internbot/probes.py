"""Probe questions for calibrating abstention, made from the corpus itself by rule.

- **In scope**: from each sampled passage, a question built from its label, heading or a few
  of its content words, some dropped, in one of several question frames, as a visitor might
  ask it without the guide's wording.
- **Off topic**: a shipped bank of everyday, other-profession, coding, finance and travel
  questions (`data/off_topic.txt`); those whose every word the corpus knows are kept apart
  (they count only when far from the corpus in meaning, see `answerability.py`); plus
  *near misses*, in-scope probes whose most specific word is swapped for a foreign one
  ("how long is the Microsoft Research internship" → "how long is the Microsoft Research
  mortgage"), which a passage matching the rest must not answer; and *crossed* near misses,
  whose most specific word is swapped for a word of another passage that never appears with
  the question's other specific words ("what do data scientists do" → "what do data
  scientists salary"): every word is the corpus's, but no passage speaks of them together.

Deterministic for a given corpus: the random choices are seeded with the corpus hash.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources

import numpy as np

from internbot.amounts import listed, states_amount, unstated
from internbot.lexical import BM25
from internbot.records import Chunk
from internbot.tokens import STOPWORDS, stem, terms, words

#: At most this many passages are sampled for in-scope probes (evenly over the corpus).
MAX_PASSAGES = 800
#: Probes asked of each sampled passage, so a small corpus still gives enough of them.
PER_PASSAGE = 3
#: At most this many passages are read to pick the probe passages from.
MAX_SCANNED = 20_000
#: Near misses made per in-scope probe share.
NEAR_MISS_SHARE = 0.5
#: Crossed near misses (`crossed`) made per in-scope probe share. Measured 0.25–0.5 on four
#: corpora and three probe seeds (docs/quality.md, item 19).
CROSSED_SHARE = 0.35
#: A question word held by at most this share of the passages is specific: a crossed near
#: miss's new word must share no passage with any of them.
CROSSED_DF = 0.05
#: Amount probes (`amount_probe`) made per in-scope probe, of each class: questions asking
#: for an amount, from passages that state one (in scope) and from passages that state none
#: (off topic: the passage speaks of the topic, not of the amount asked).
AMOUNT_SHARE = 0.1
#: In scope, only the frames any stated figure can answer; off topic, pay and cost too.
AMOUNT_FRAMES = ("how many {x}?", "how much is {x}?")
PAY_FRAMES = ("how much does {x} cost?", "what is the salary of {x}?",
              "what is the average pay for {x}?")
#: Share of in-scope probes with an everyday word mixed in.
EVERYDAY_SHARE = 0.8
#: Share of in-scope probes with a word the engine cannot read. Visitors' questions hold
#: some: a word the corpus lacks said in its stead, jargon, a slip no speller undoes.
GARBLED_SHARE = 0.1
FRAMES = (
    "what about {x}?", "tell me about {x}", "how does {x} work?", "what is {x}?",
    "can you explain {x}?", "what should I know about {x}?", "is {x} important?", "{x}?",
    "how do I {x}?", "why {x}?",
)
#: Foreign words for near misses: concrete nouns a career guide is unlikely to use.
FOREIGN = (
    "mortgage", "volcano", "lasagna", "saxophone", "dentistry", "astrology", "knitting",
    "skateboard", "aquarium", "tax refund", "honeymoon", "sunscreen", "cathedral", "hamster",
    "tractor", "opera", "surfing", "pilates", "vineyard", "submarine", "jellyfish", "pottery",
    "gardening", "yoga retreat", "crossword", "poker", "bakery", "ballet", "camping", "mosquito",
)
#: General words visitors use that a guide may not: one is mixed into some in-scope probes, as
#: real questions rarely use only the guide's own vocabulary.
EVERYDAY = (
    "actually", "basically", "generally", "usually", "typically", "realistic", "realistically",
    "worth", "ideal", "proper", "enough", "required", "directly", "exist", "exists", "suitable",
    "recommended", "nowadays", "chance", "odds", "possible", "decent", "honestly", "background",
    "next", "step", "guys", "folks", "somebody", "someone", "approach", "stuff", "exactly",
    "quickly", "easiest", "hardest", "fastest", "cheapest", "common", "normal", "okay", "fine",
    "advice", "tips", "guidance", "recommend", "suggest", "mention", "explain", "describe",
    "situation", "scenario", "wondering", "curious", "concerned", "worried", "sure", "certain",
    "beginner", "newbie", "student", "person", "people", "really", "truly", "overall", "general",
    "main", "biggest", "important", "matter", "matters", "consider", "considered", "expect",
)
_LABEL_FRAMES = ("what is {x}?", "tell me about {x}", "why does {x} matter?", "{x}?", "what about {x}?")


@dataclass(frozen=True)
class Probes:
    in_scope: list[str]
    off_topic: list[str]
    near_misses: int = 0
    #: Bank questions whose every word the corpus knows: off topic only if their meaning is
    #: far from the corpus too, which `answerability.probe_evidence` decides.
    known_bank: list[str] = field(default_factory=list)
    #: Questions asking for an amount, about passages that state one (answerable) and about
    #: passages that state none (not): the `unstated` weight is fitted on them alone.
    amount_in: list[str] = field(default_factory=list)
    amount_off: list[str] = field(default_factory=list)

    def examples(self, n: int = 5) -> dict[str, list[str]]:
        return {"in_scope": self.in_scope[:n], "off_topic": self.off_topic[:n]}


def read_bank() -> list[str]:
    """The shipped off-topic questions, `{job}` lines expanded over the professions list."""
    data = resources.files("internbot") / "data"
    lines = [line.strip() for line in (data / "off_topic.txt").read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    jobs = [line.strip() for line in (data / "professions.txt").read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.lstrip().startswith("#")]
    out: list[str] = []
    for line in lines:
        if "{job}" in line:
            out.extend(line.format(job=j) for j in jobs)
        else:
            out.append(line)
    return out


def _content(text: str) -> list[str]:
    return [w for w in words(text) if w not in STOPWORDS and len(w) > 2 and not w.isdigit()]


def _from_passage(chunk: Chunk, rng: random.Random) -> str | None:
    """One question a visitor might ask that this passage answers."""
    if chunk.kind == "faq" and chunk.label:
        return chunk.label
    if chunk.label and rng.random() < 0.5:
        return rng.choice(_LABEL_FRAMES).format(x=chunk.label.lower())
    sentences = [s for s in chunk.sentences if len(_content(s)) >= 3] or list(chunk.sentences)
    if not sentences:
        return None
    content = _content(rng.choice(sentences))
    if len(content) < 2:
        heading = chunk.section[-1] if chunk.section else ""
        return rng.choice(FRAMES).format(x=heading.lower()) if heading else None
    size = min(len(content), rng.randint(2, 5))
    start = rng.randint(0, len(content) - size)
    span = content[start : start + size]
    if len(span) >= 4:
        del span[rng.randrange(len(span))]
    return rng.choice(FRAMES).format(x=" ".join(span))


def amount_probe(chunk: Chunk, rng: random.Random, frames: Sequence[str] = AMOUNT_FRAMES) -> str | None:
    """A question asking for an amount about a few of the passage's content words, from a
    sentence stating one when the passage has such a sentence."""
    sentences = [s for s in chunk.sentences if states_amount(s)] or list(chunk.sentences)
    content = _content(rng.choice(sentences)) if sentences else []
    if len(content) < 2:
        return None
    size = min(len(content), rng.randint(2, 3))
    start = rng.randint(0, len(content) - size)
    return rng.choice(frames).format(x=" ".join(content[start : start + size]))


def with_everyday_word(question: str, rng: random.Random) -> str:
    """The question with one everyday word mixed in, replacing one of its words or not."""
    parts = question.rstrip("?").split()
    word = rng.choice(EVERYDAY)
    if len(parts) > 3 and rng.random() < 0.5:
        parts[rng.randrange(1, len(parts))] = word
    else:
        parts.insert(rng.randrange(1, len(parts) + 1) if len(parts) > 1 else 1, word)
    return " ".join(parts) + ("?" if question.endswith("?") else "")


def with_typo(question: str, rng: random.Random) -> str:
    """The question with two neighbouring letters of one longer word swapped, as visitors
    type them (the spellers undo it: `spelling.py`)."""
    return _with_swap(question, rng, 1)


def with_garbled_word(question: str, rng: random.Random) -> str:
    """The question with one longer word garbled past correction (two letters two apart
    swapped): a word the engine cannot read, as a neighbouring-letter typo no longer is."""
    return _with_swap(question, rng, 2)


def _with_swap(question: str, rng: random.Random, gap: int) -> str:
    """The question with two letters `gap` apart swapped in one longer word."""
    parts = question.split()
    longer = [i for i, p in enumerate(parts) if len(p) >= 5 and p.isalpha()]
    if not longer:
        return question
    i = rng.choice(longer)
    j = rng.randrange(1, len(parts[i]) - 1 - gap)
    w = parts[i]
    parts[i] = w[:j] + w[j + gap] + w[j + 1 : j + gap] + w[j] + w[j + gap + 1 :]
    return " ".join(parts)


def near_miss(question: str, bm25: BM25, rng: random.Random) -> str | None:
    """The question with its most specific known word swapped for a foreign one."""
    known = [w for w in _content(question) if bm25.knows(stem(w))]
    if not known:
        return None
    key = max(known, key=lambda w: bm25.weight(stem(w)))
    foreign = [f for f in FOREIGN if not any(bm25.knows(stem(w)) for w in words(f))]
    if not foreign:
        return None
    return re.sub(rf"\b{re.escape(key)}\b", rng.choice(foreign), question, count=1, flags=re.I)


def crossed(question: str, bm25: BM25, other: str) -> str | None:
    """The question with its most specific known word swapped for `other`'s most specific
    one, when no passage holds that word together with any of the question's other specific
    words (`CROSSED_DF`; else its next most specific): a near-domain question ("what do data
    scientists earn?" over a corpus that never pairs pay with data scientists)."""
    known = [w for w in dict.fromkeys(_content(question)) if bm25.knows(stem(w))]
    if len(known) < 2:
        return None
    key, anchor = sorted(known, key=lambda w: -bm25.weight(stem(w)))[:2]
    candidates = [w for w in dict.fromkeys(_content(other))
                  if bm25.knows(stem(w)) and stem(w) not in {stem(k) for k in known}]
    if not candidates:
        return None
    swap = max(candidates, key=lambda w: bm25.weight(stem(w)))
    rows = bm25.postings(stem(swap))
    rare = [w for w in known if w != key and bm25.df(stem(w)) <= max(2, CROSSED_DF * bm25.n)] or [anchor]
    if any(len(np.intersect1d(rows, bm25.postings(stem(w)))) for w in rare):
        return None
    return re.sub(rf"\b{re.escape(key)}\b", swap, question, count=1, flags=re.I)


def make_probes(chunks: Sequence[Chunk], bm25: BM25, seed: str = "") -> Probes:
    rng = random.Random(f"internbot-probes:{seed}")
    rows: Sequence[int] = range(len(chunks))
    if len(rows) > MAX_SCANNED:  # a large corpus: read an even spread, not every passage
        rows = [int(i * len(chunks) / MAX_SCANNED) for i in range(MAX_SCANNED)]
    passages = [c for r in rows if (c := chunks[r]).kind != "list"]
    if len(passages) > MAX_PASSAGES:
        step = len(passages) / MAX_PASSAGES
        passages = [passages[int(i * step)] for i in range(MAX_PASSAGES)]
    rounds = max(1, min(PER_PASSAGE, (2 * MAX_PASSAGES) // max(len(passages), 1)))
    in_scope = list(dict.fromkeys(q for c in passages for _ in range(rounds)
                                  if (q := _from_passage(c, rng))))
    in_scope = [with_everyday_word(q, rng) if rng.random() < EVERYDAY_SHARE else q for q in in_scope]
    in_scope = [with_everyday_word(q, rng) if rng.random() < EVERYDAY_SHARE / 3 else q for q in in_scope]
    in_scope = [with_garbled_word(q, rng) if rng.random() < GARBLED_SHARE else q for q in in_scope]
    bank: list[str] = []
    known: list[str] = []
    for q in read_bank():
        (bank if bm25.coverage(terms(q)) < 1.0 else known).append(q)
    near = [m for q in rng.sample(in_scope, int(len(in_scope) * NEAR_MISS_SHARE))
            if (m := near_miss(q, bm25, rng))]
    others = [s for c in passages for s in c.sentences]
    near += [m for q in rng.sample(in_scope, int(len(in_scope) * CROSSED_SHARE))
             if others and (m := crossed(q, bm25, rng.choice(others)))]
    stating = [c for c in passages if states_amount(c.text)]
    silent = [c for c in passages if not states_amount(c.text)]
    amounts = max(1, int(len(in_scope) * AMOUNT_SHARE))
    # Answerable as the rule reads them: "how many…" over a passage counting only weeks is not.
    amount_in = [q for c in rng.choices(stating, k=amounts)
                 if (q := amount_probe(c, rng)) and not unstated(q, c.text, c.listing)] if stating else []
    # A count of what the passage's list names is stated by the list: no silent passage's.
    amount_off = [q for c in rng.choices(silent, k=amounts)
                  if (q := amount_probe(c, rng, AMOUNT_FRAMES + PAY_FRAMES))
                  and not listed(q, c.listing)] if silent else []
    return Probes(in_scope, bank + near, len(near), known, amount_in, amount_off)
