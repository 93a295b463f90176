"""Answer quality through the real engine and model on the shared dev set (slow)."""

from __future__ import annotations

import json

import pytest
from conftest import DEV_SET

from internbot.evaluate import contains  # the matching rule of shared/README.md, tested in test_evaluate
from internbot.records import Query

pytestmark = pytest.mark.slow


def test_issue_example(real_answerer) -> None:  # type: ignore[no-untyped-def]
    a = real_answerer.ask("How much do ML interns make?")
    assert a.answered and "$6,000 to $10,000" in a.answer and len(a.sources) >= 3


@pytest.mark.skipif(not DEV_SET.exists(), reason=f"no dev set at {DEV_SET}")
def test_dev_set_targets(real_answerer) -> None:  # type: ignore[no-untyped-def]
    rows = [json.loads(line) for line in DEV_SET.read_text().splitlines() if line.strip()]
    answers = real_answerer.ask_many([Query(r["question"], tuple(r.get("history", []))) for r in rows])
    ins = [(r, a) for r, a in zip(rows, answers, strict=True) if r["expected"]]
    oos = [(r, a) for r, a in zip(rows, answers, strict=True) if not r["expected"]]
    hit1 = sum(a.answered and contains(a.answer, r["expected"]) for r, a in ins) / len(ins)
    hit3 = sum(any(contains(s.text, r["expected"]) for s in a.sources[:3]) for r, a in ins) / len(ins)
    oos_abstain = sum(not a.answered for _, a in oos) / len(oos)
    false_abstain = sum(not a.answered for _, a in ins) / len(ins)
    report = f"hit@1={hit1:.3f} hit@3={hit3:.3f} oos={oos_abstain:.3f} false={false_abstain:.3f}"
    assert hit1 >= 0.92, report
    assert hit3 >= 0.97, report
    assert oos_abstain >= 0.95, report
    assert false_abstain <= 0.03, report


@pytest.mark.skipif(not DEV_SET.exists(), reason=f"no dev set at {DEV_SET}")
def test_int8_with_float_confirmation_answers_as_float_does(real_answerer, real_settings) -> None:  # type: ignore[no-untyped-def]
    """The default reads questions in int8 and the doubtful ones again in float (item 47):
    whether each dev question (and each near miss) is answered, and from which passage, is
    what float alone gives."""
    from dataclasses import replace

    from internbot.answerer import Answerer

    assert real_answerer.exact is not None and real_answerer.retriever.embedder.quantized
    float_only = Answerer.from_settings(replace(real_settings, quantize=False))
    rows = [json.loads(line) for line in DEV_SET.read_text().splitlines() if line.strip()]
    questions = [r["question"] for r in rows] + [
        f"How do I {a} for ML interns?" for a in ("cook lasagna", "plant tomatoes", "file my taxes")]
    ours, theirs = (x.ask_many([Query(q) for q in questions]) for x in (real_answerer, float_only))
    assert [(a.answered, a.section) for a in ours] == [(a.answered, a.section) for a in theirs]


def test_an_unknown_word_close_to_the_passage_does_not_make_a_question_off_topic(  # type: ignore[no-untyped-def]
        real_answerer) -> None:
    """"plotting" is not in the guide, but the visualization passage holds its meaning; a
    "lasagna" is foreign to every passage."""
    plotting = real_answerer.ask("which plotting libraries are useful?")
    assert plotting.answered and "Matplotlib" in plotting.answer
    assert not real_answerer.ask("How do I cook lasagna for ML interns?").answered


def test_follow_up_uses_history(real_answerer) -> None:  # type: ignore[no-untyped-def]
    a = real_answerer.ask("how long is it?", ["Tell me about the Google AI Residency"])
    assert a.answered and "year-long" in a.answer


def test_a_follow_up_that_only_leans_on_the_history_keeps_its_own_answer(real_answerer) -> None:  # type: ignore[no-untyped-def]
    """"which one…", "what about…" may open a new topic; a pronoun does not."""
    pay = "How much do ML interns make?"
    assert "highest-paid" in real_answerer.ask("which one pays the most?", [pay]).answer
    assert "Kaggle" in real_answerer.ask("what about Kaggle?", [pay]).answer
    assert "per month" in real_answerer.ask("is that per month?", [pay]).answer


def test_the_chat_history_never_carries_an_off_topic_question(real_answerer) -> None:  # type: ignore[no-untyped-def]
    for history, question in [("What is the Google AI Residency?", "What's a good recipe for banana bread?"),
                              ("How much do ML interns make?", "What is the salary of a data scientist?"),
                              ("How much do ML interns make?", "What about the weather tomorrow?")]:
        assert not real_answerer.ask(question, [history]).answered, question


def test_an_acronym_asks_what_its_long_form_asks(real_answerer) -> None:  # type: ignore[no-untyped-def]
    # MiniLM's vector of "ML" leans to the one passage titled with it, the pay FAQ.
    for q in ("what is ML?", "What exactly is ML?"):
        assert real_answerer.ask(q).section == "What is Machine Learning?", q


def test_a_name_the_guide_never_uses_asks_what_its_alias_asks(real_answerer) -> None:  # type: ignore[no-untyped-def]
    # The guide says "Facebook", never "Meta"; MiniLM does not know they are one company.
    a = real_answerer.ask("Is Meta's AI lab a good place to intern?")
    assert a.answered and "FAIR" in a.section, a.section


def test_naming_the_guide_does_not_move_the_answer(real_answerer) -> None:  # type: ignore[no-untyped-def]
    for q in ("which plotting tools does the guide mention?", "does the article mention Kaggle?"):
        a = real_answerer.ask(q)
        assert a.answered and a.confidence >= 0.7, q


def test_typos_and_informal_wording(real_answerer) -> None:  # type: ignore[no-untyped-def]
    a = real_answerer.ask("hw much do intrns get payed")
    assert a.answered and "$6,000" in a.answer


@pytest.mark.skipif(not DEV_SET.exists(), reason=f"no dev set at {DEV_SET}")
def test_a_typo_does_not_lose_the_answer(real_answerer) -> None:  # type: ignore[no-untyped-def]
    """Each in-scope dev question with one longer word mistyped by rule (a letter dropped,
    doubled, or swapped with the next; three seeds). Before the spellers undid such slips in
    short words, stopwords and words the guide lacks, 61 of these 83 were answered right and
    17 abstained ("Sohuld I contact professors directly?" 0.06); now 81 and none."""
    import random
    import re

    def mistyped(question: str, seed: int) -> str:
        rng, out, done = random.Random(seed), [], False
        for word in question.split():
            core = re.sub(r"\W", "", word)
            if not done and len(core) >= 5 and core.isalpha() and rng.random() < 0.5:
                k = rng.randrange(1, len(core) - 2)
                slip = rng.choice([core[:k] + core[k + 1 :], core[:k] + core[k] + core[k:],
                                   core[:k] + core[k + 1] + core[k] + core[k + 2 :]])
                word, done = word.replace(core, slip), True
            out.append(word)
        return " ".join(out)

    rows = [json.loads(line) for line in DEV_SET.read_text().splitlines() if line.strip()]
    asked = {(q, tuple(r["expected"])) for s in range(3) for r in rows if r["expected"]
             if (q := mistyped(r["question"], s)) != r["question"]}
    answers = real_answerer.ask_many([Query(q) for q, _ in asked])
    right = [a.answered and contains(a.answer, list(e)) for (_, e), a in zip(asked, answers, strict=True)]
    abstained = sum(not a.answered for a in answers)
    report = f"{sum(right)} of {len(right)} right, {abstained} abstained"
    assert sum(right) >= 0.9 * len(right) and abstained <= 0.05 * len(right), report


def test_a_question_in_the_negative_is_answered_as_in_the_positive(real_answerer) -> None:  # type: ignore[no-untyped-def]
    for q in ("isn't Python enough for ML internships?", "doesn't an internship help my resume?",
              "wouldn't a PhD help after the internship?"):
        a = real_answerer.ask(q)
        assert a.answered and a.confidence >= 0.7, q


def test_out_of_scope_examples_abstain(real_answerer) -> None:  # type: ignore[no-untyped-def]
    for q in ("what's the capital of France?", "how do I bake bread?"):
        assert not real_answerer.ask(q).answered, q


def test_small_talk(real_answerer) -> None:  # type: ignore[no-untyped-def]
    for q in ("hi", "thanks", "what can you do?"):
        a = real_answerer.ask(q)
        assert a.answered and a.kind == "smalltalk"
