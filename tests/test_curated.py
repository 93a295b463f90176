"""Curated answers: the site owner's qna.csv / qna.yaml, answered before any passage."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from internbot.answerer import Answerer
from internbot.config import Settings
from internbot.curated import read_curated
from internbot.errors import CorpusError
from internbot.indexing import build

QNA = (
    "question,alternates,answer,source\n"
    "Do you sell gift cards?,Can I buy a gift card?|Gift vouchers for coffee lovers,"
    '"Yes: gift cards from $10 are sold at the counter and online.",'
    "https://shop.example.com/gift-cards\n"
    'How hot should the water be?,Best water temperature for coffee,"Our baristas brew at exactly 94 °C.",\n'
)


@pytest.fixture
def curated(fake_settings: Settings) -> Answerer:
    (fake_settings.corpus_dir / "qna.csv").write_text(QNA, encoding="utf-8")
    build(fake_settings)
    return Answerer.from_settings(fake_settings)


def test_the_file_is_read_with_its_alternates(fake_settings: Settings) -> None:
    (fake_settings.corpus_dir / "qna.csv").write_text(QNA, encoding="utf-8")
    entries = read_curated(fake_settings.corpus_dir)
    assert [e.question for e in entries] == ["Do you sell gift cards?", "How hot should the water be?"]
    assert entries[0].alternates == ("Can I buy a gift card?", "Gift vouchers for coffee lovers")
    assert entries[0].source.startswith("https://") and entries[1].source == ""


def test_a_curated_answer_wins_over_a_passage(curated: Answerer) -> None:
    answer = curated.ask("How hot should the water be?")
    assert answer.kind == "curated" and answer.answered and answer.confidence >= 0.5
    assert "94 °C" in answer.answer and "(Source: curated answer)" in answer.answer
    assert answer.sources[0].doc_title == "Curated answers"
    gift = curated.ask("can I buy a gift card")
    assert gift.kind == "curated" and "shop.example.com/gift-cards" in gift.answer


def test_other_questions_still_get_passages_or_the_fallback(curated: Answerer) -> None:
    passage = curated.ask("How long does a shot of espresso take?")
    assert passage.kind != "curated" and "25 to 30 seconds" in passage.answer
    assert curated.ask("What is the capital of Mongolia?").kind == "fallback"


def test_yaml_works_too_and_editing_it_makes_the_index_stale(fake_settings: Settings) -> None:
    from internbot.corpus import corpus_hash, load_documents, settings_text
    from internbot.indexing import is_current

    (fake_settings.corpus_dir / "qna.yaml").write_text(
        "- question: Do you sell gift cards?\n  alternates:\n    - Can I buy a gift card?\n"
        "  answer: Yes, at the counter.\n", encoding="utf-8")
    build(fake_settings)
    answerer = Answerer.from_settings(fake_settings)
    assert answerer.ask("Can I buy a gift card?").kind == "curated"
    (fake_settings.corpus_dir / "qna.yaml").write_text(
        "- question: Do you sell gift cards?\n  answer: No.\n", encoding="utf-8")
    docs = load_documents(fake_settings.corpus_dir)
    assert not is_current(fake_settings, corpus_hash(docs, settings_text(fake_settings.corpus_dir)))


@pytest.mark.parametrize("text, message", [
    ("q,a\nx,y\n", "the first line must be the header"),
    ("question,answer\nWhat?,\n", "entry 2: needs both a question and an answer"),
])
def test_a_malformed_file_is_one_clear_line(fake_settings: Settings, text: str, message: str) -> None:
    from internbot.cli import main

    (fake_settings.corpus_dir / "qna.csv").write_text(text, encoding="utf-8")
    with pytest.raises(CorpusError, match=message):
        read_curated(fake_settings.corpus_dir)
    env = {"INTERNBOT_CORPUS": str(fake_settings.corpus_dir),
           "INTERNBOT_INDEX": str(fake_settings.index_dir), "INTERNBOT_MODEL": "hashing",
           "INTERNBOT_MODEL_SHA256": ""}
    result = CliRunner().invoke(main, ["index"], env=env)
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output


def test_curated_answers_count_in_eval(curated: Answerer, fake_settings: Settings, tmp_path: Path) -> None:
    from internbot.evaluate import metrics, read_questions, run

    questions = tmp_path / "q.jsonl"
    questions.write_text('{"question": "Can I buy a gift card?", "expected": ["gift cards from $10"]}\n'
                         '{"question": "What is the capital of Mongolia?", "expected": []}\n')
    results = run(curated, read_questions(questions).rows)
    assert results[0]["kind"] == "curated"
    m = metrics(results)
    assert m["hit@1"] == 1.0 and m["oos_abstention"] == 1.0


def test_a_question_near_a_curated_threshold_is_read_again_in_float(fake_settings: Settings) -> None:
    """With int8 questions, a question whose best curated entry scores near its threshold is
    read again in float (`Answerer._confirm`), as one near the abstain line is."""
    from dataclasses import replace

    from conftest import BlurredEmbedder, CountingEmbedder

    (fake_settings.corpus_dir / "qna.csv").write_text(QNA, encoding="utf-8")
    build(fake_settings)
    # The threshold moves under the same question: no answer is kept between the two asks.
    answerer = Answerer.from_settings(replace(fake_settings, quantize=True, answer_cache=0),
                                      embedder=(blurred := BlurredEmbedder(0.5)),  # type: ignore[arg-type]
                                      float_embedder=(exact := CountingEmbedder()))
    question = "How much coffee should I use per cup?"  # a clear passage answer, far from any line
    curated = answerer.retriever.index.curated
    assert curated is not None
    score = float(curated.scores([question], blurred.encode([question]))[1][0])
    curated.threshold = score + 0.5
    answerer.ask(question)
    assert question not in exact.seen
    curated.threshold = score + 0.005
    answerer.ask(question)
    assert question in exact.seen


def test_small_talk_alone_with_int8_questions_and_curated_answers(fake_settings: Settings) -> None:
    """A batch with nothing to retrieve (a lone "hello") reaches the float re-read and the
    curated scores with no rows: they once got vectors of the wrong width and raised."""
    from dataclasses import replace

    from conftest import BlurredEmbedder, CountingEmbedder

    (fake_settings.corpus_dir / "qna.csv").write_text(QNA, encoding="utf-8")
    build(fake_settings)
    answerer = Answerer.from_settings(replace(fake_settings, quantize=True),
                                      embedder=BlurredEmbedder(0.5),  # type: ignore[arg-type]
                                      float_embedder=CountingEmbedder())
    assert answerer.exact is not None and answerer.retriever.index.curated is not None
    assert answerer.ask("hello").kind == "smalltalk"
