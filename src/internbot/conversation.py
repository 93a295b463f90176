"""A question in its chat: which earlier words lead it, and which reading answers it.

Visitors ask follow-ups ("how long is it?"), say who they are beside a question, drop in "ok
cool", and change topic mid-chat. The answerer retrieves each question alone and joined to its
lead; this module chooses the lead, keeps the joined reading from borrowing words the question
does not have, and picks the reading to answer from (docs/quality.md, items 32–38).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from internbot import smalltalk
from internbot.phrasing import focus, says_little
from internbot.retriever import Retrieval, Retriever
from internbot.shaping import is_follow_up, points_back

#: A message that asks without a question mark ("Tell me about green tea", "explain STAR").
REQUEST = re.compile(r"\W*(?:tell|explain|describe|show|list|give|define|compare|summari[sz]e)\b",
                     re.I)

#: A retrieval with the query vector it was made with.
Reading = tuple[Retrieval, np.ndarray]


def lead(history: Sequence[str]) -> str:
    """The chat's latest earlier question: small talk ("thanks!", "hello") and remarks that ask
    nothing ("ok cool", "got it") are passed over for the question they follow, and a follow-up
    pointing back ("how long is it?") is read with its own lead."""
    for at in range(len(history) - 1, -1, -1):
        if smalltalk.classify(history[at]) is not None:
            continue
        question = focus(history[at]).question
        if question.rstrip().endswith("?") or REQUEST.match(question) or not says_little(question):
            if is_follow_up(question) and points_back(question):
                earlier = lead(history[:at])
                return f"{earlier} {question}" if earlier else question
            return question
    return ""


def own_words(retriever: Retriever, texts: list[str], vectors: np.ndarray,
              results: list[Retrieval], owners: list[tuple[int, str]],
              asked: dict[int, tuple[str, bool]], exact: Retriever | None = None,
              confirmed: frozenset[int] = frozenset()) -> list[Retrieval]:
    """A question read with the chat's previous one is covered by the corpus no more than its
    own words are, unless the passage found holds the meaning of the word the corpus lacks
    (`Retriever.supported`): after "What is the Google AI Residency?", "What's a good recipe
    for banana bread?" must not borrow the first question's coverage. `owners` says whose each
    text is (question index, "alone" or "joined"), `asked` each question as retrieved and
    whether its lead is the visitor's own statements. Exempt are the questions that point back
    ("which of them is about plotting?") and those statements, part of what is asked. The
    `confirmed` rows were read in float (`Answerer._confirm`): `exact` measures them."""
    alone = {i: row for row, (i, how) in enumerate(owners) if how == "alone"}
    pairs = [(alone[i], row) for row, (i, how) in enumerate(owners)
             if how == "joined" and not asked[i][1] and not points_back(asked[i][0])]
    pairs = [(a, j) for a, j in pairs if results[a].unknown and results[j].hits
             and results[a].evidence.corpus_cover < results[j].evidence.corpus_cover]
    if not pairs:
        return results
    out = list(results)
    for a, j in pairs:  # measure the question's own unknown word, not one of the history's
        out[j] = replace(results[j], unknown=results[a].unknown)
    threshold = retriever.support
    if threshold is not None:
        rows = [j for _, j in pairs]
        if exact is not None and (slow := [j for j in rows if j in confirmed]):
            out = exact.supported(texts, vectors, out, slow)
            rows = [j for j in rows if j not in confirmed]
        out = retriever.supported(texts, vectors, out, rows) if rows else out
    for a, j in pairs:
        if threshold is None or out[j].support < threshold:
            evidence = replace(out[j].evidence, corpus_cover=results[a].evidence.corpus_cover)
            out[j] = replace(out[j], evidence=evidence)
    return out


def pick(question: str, options: dict[str, Reading], own_context: bool,
         confidence: Callable[[Retrieval], float], threshold: float, unsure: float) -> Reading:
    """The question's own reading, or the one joined with its lead (answers under `threshold`
    abstain, under `unsure` open with the unsure line).

    The visitor's own statements beside the question ("I'm a CS student.") are joined only when
    the question points back at them or names no topic alone ("What should I do?"): their words
    would otherwise carry an off-topic question to an answer. Even then the question alone is
    kept when it is answered and the joined reading is not."""
    alone = options["alone"]
    joined = options.get("joined")
    if joined is None:
        return alone
    if own_context:
        if not (is_follow_up(question) or says_little(question)):
            return alone
        # Nor may they turn an answer into "I don't know": "Long-time lurker here. What is the
        # STAR method?" reads as a plain question, not as one about lurking.
        if confidence(joined[0]) < threshold <= confidence(alone[0]):
            return alone
        return joined
    # A follow-up that points back is read with the question before it; one that only leans on
    # it ("are there other companies?") keeps its own answer when it has one.
    if is_follow_up(question) and (points_back(question) or confidence(alone[0]) < threshold):
        return joined
    # Otherwise the history answers only a question that names no topic of its own ("Why?"), in
    # everyday words the corpus knows: after a question on intern pay, "What is the salary of a
    # data scientist?" and "Who won the World Cup?" abstain.
    if says_little(question) and not alone[0].unknown and (
            confidence(alone[0]) < threshold <= confidence(joined[0])):
        return joined
    # And a question the history makes sure of, though alone it is answered only unsurely,
    # is read with it: "what book did the author use?" after a question on interviews.
    if not alone[0].unknown and threshold <= confidence(alone[0]) < unsure <= confidence(joined[0]):
        return joined
    return alone
