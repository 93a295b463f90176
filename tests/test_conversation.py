"""How a question is read in its chat: the decision between its own reading and the joined one."""

from __future__ import annotations

import numpy as np
import pytest

from internbot.conversation import pick
from internbot.retriever import Retrieval

THRESHOLD, UNSURE = 0.5, 0.7


def choose(question: str, alone: float, joined: float, *, own_context: bool = False,
           unknown: str = "") -> str:
    """Which reading `pick` takes, given each one's confidence."""
    readings = {"alone": Retrieval((), unknown=unknown), "joined": Retrieval(())}
    confidence = {id(r): c for r, c in zip(readings.values(), (alone, joined), strict=True)}
    options = {name: (r, np.zeros(2, np.float32)) for name, r in readings.items()}
    chosen = pick(question, options, own_context, lambda r: confidence[id(r)], THRESHOLD, UNSURE)
    return next(name for name, r in readings.items() if r is chosen[0])


@pytest.mark.parametrize("question, alone, joined, expected", [
    ("is it paid?", 0.9, 0.8, "joined"),                  # points back: read with the history
    ("which one pays the most?", 0.9, 0.8, "alone"),      # a cue word only, answered alone
    ("which one pays the most?", 0.3, 0.8, "joined"),     # …unless it is not
    ("Why?", 0.1, 0.9, "joined"),                         # no topic of its own
    ("What is the salary of a data scientist?", 0.3, 0.9, "alone"),  # a topic of its own
    ("what book did the author use?", 0.6, 0.8, "joined"),  # unsure alone, sure with the history
    ("what book did the author use?", 0.6, 0.65, "alone"),
    ("what book did the author use?", 0.8, 0.95, "alone"),  # sure alone
])
def test_the_history_reads_a_question_only_when_it_needs_it(question: str, alone: float,
                                                            joined: float, expected: str) -> None:
    assert choose(question, alone, joined) == expected


def test_a_word_the_corpus_lacks_is_never_rescued_by_the_history() -> None:
    assert choose("Why bananas?", 0.1, 0.9, unknown="bananas") == "alone"
    assert choose("what book did the author use?", 0.6, 0.8, unknown="book") == "alone"


@pytest.mark.parametrize("question, alone, joined, expected", [
    ("What is the STAR method?", 0.9, 0.3, "alone"),      # the statements only cost the answer
    ("What should I do?", 0.2, 0.8, "joined"),            # says nothing without them
    ("What should I do?", 0.6, 0.8, "joined"),
    ("What is the salary of a data scientist?", 0.3, 0.9, "alone"),  # never rescued by them
    ("Is this possible?", 0.9, 0.8, "joined"),            # points back at them
])
def test_the_visitor_s_own_statements(question: str, alone: float, joined: float, expected: str) -> None:
    assert choose(question, alone, joined, own_context=True) == expected
