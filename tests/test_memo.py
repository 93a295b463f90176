"""Answers kept for repeated questions (`Settings.answer_cache`, `memo.py`)."""

from __future__ import annotations

from dataclasses import replace

from conftest import CountingEmbedder

from internbot.answerer import Answerer
from internbot.config import Settings
from internbot.memo import AnswerMemo, key
from internbot.records import Answer, Query

QUESTION = "How much coffee should I use per cup?"


def counted(settings: Settings) -> tuple[Answerer, CountingEmbedder]:
    embedder = CountingEmbedder()
    return Answerer.from_settings(settings, embedder=embedder), embedder  # type: ignore[arg-type]


def test_a_repeated_question_skips_the_model_and_gets_the_same_answer(fake_index: Settings) -> None:
    answerer, embedder = counted(fake_index)
    first = answerer.ask(QUESTION)
    encoded = len(embedder.seen)
    assert encoded >= 1
    # Spacing is not part of the question (`Answerer.validate`).
    assert answerer.ask(f"  {QUESTION.replace(' ', '  ')} ") == first
    assert len(embedder.seen) == encoded and answerer.memo.hits == 1


def test_history_and_page_are_part_of_the_question(fake_index: Settings) -> None:
    answerer, embedder = counted(fake_index)
    answerer.ask(QUESTION)
    encoded = len(embedder.seen)
    answerer.ask(QUESTION, ["How long do I steep green tea?"])
    assert len(embedder.seen) > encoded
    encoded = len(embedder.seen)
    answerer.ask(QUESTION, doc_id="coffee")
    assert len(embedder.seen) > encoded and answerer.memo.hits == 0


def test_a_question_twice_in_one_batch_is_answered_once(fake_index: Settings) -> None:
    answerer, embedder = counted(fake_index)
    other = "How long do I steep green tea?"
    answers = answerer.ask_many([Query(QUESTION), Query(other), Query(QUESTION), Query("hello")])
    assert embedder.seen.count(QUESTION) == 1 and embedder.seen.count(other) == 1
    assert answers[0] == answers[2] and answers[0] != answers[1]
    assert answers[3].kind == "smalltalk"
    # Every one of them is kept, small talk included: asked again, nothing is encoded.
    encoded = len(embedder.seen)
    assert answerer.ask_many([Query(q) for q in (other, "hello", QUESTION)]) == [
        answers[1], answers[3], answers[0]]
    assert len(embedder.seen) == encoded


def test_a_batch_answered_wholly_from_memory(fake_index: Settings) -> None:
    """With int8 questions and curated answers: nothing is encoded, and the float re-read and
    the curated scores see no rows at all."""
    from conftest import BlurredEmbedder

    from internbot.indexing import build

    (fake_index.corpus_dir / "qna.csv").write_text(
        "question,answer\nCan I buy a gift card?,Yes: gift cards from $10 at the counter.\n",
        encoding="utf-8")
    build(fake_index)
    answerer = Answerer.from_settings(replace(fake_index, quantize=True),
                                      embedder=(int8 := BlurredEmbedder(0.5)),  # type: ignore[arg-type]
                                      float_embedder=CountingEmbedder())
    assert answerer.exact is not None and answerer.retriever.index.curated is not None
    assert answerer.ask("Can I buy a gift card?").kind == "curated"
    encoded = len(int8.seen)
    assert answerer.ask("Can I buy a gift card?").kind == "curated"
    assert len(int8.seen) == encoded


def test_zero_keeps_nothing(fake_index: Settings) -> None:
    answerer, embedder = counted(replace(fake_index, answer_cache=0))
    answerer.ask(QUESTION)
    encoded = len(embedder.seen)
    answerer.ask(QUESTION)
    assert len(embedder.seen) == 2 * encoded and len(answerer.memo) == 0


def test_the_least_recently_used_answer_goes_first() -> None:
    memo = AnswerMemo(2)
    keys = [key(Query(q), None) for q in ("a?", "b?", "c?")]
    answers = [Answer(q, True, f"answer {q}", 1.0) for q in ("a?", "b?", "c?")]
    memo.keep(keys[:2], answers[:2])
    assert memo.recall([keys[0]]) == [answers[0]]  # "a?" is now the more recent
    memo.keep(keys[2:], answers[2:])
    assert memo.recall(keys) == [answers[0], None, answers[2]] and len(memo) == 2


def test_the_setting_reads_from_the_environment() -> None:
    import pytest

    from internbot.errors import InternbotError

    assert Settings.from_env({"INTERNBOT_ANSWER_CACHE": "0"}).answer_cache == 0
    assert Settings().answer_cache > 0
    with pytest.raises(InternbotError, match="INTERNBOT_ANSWER_CACHE"):
        Settings.from_env({"INTERNBOT_ANSWER_CACHE": "-1"})
