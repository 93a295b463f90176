"""Per-corpus abstention: probes, the fitted answerability model, and where it is kept."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from internbot.answerability import FEATURES, Calibration, fit
from internbot.answerer import Answerer
from internbot.config import Settings
from internbot.lexical import BM25
from internbot.probes import make_probes, read_bank

OFF_TOPIC = ["How do I repair a leaking roof?", "Who won the 1998 Tour de France?",
             "Which team won the 2010 Stanley Cup?", "How do I apply for a fishing license?"]


def test_fit_places_the_boundary_under_the_in_scope_probes() -> None:
    rng = np.random.default_rng(0)
    pos = rng.normal(0.7, 0.1, (200, len(FEATURES)))
    neg = rng.normal(0.3, 0.1, (200, len(FEATURES)))
    cal = fit(pos, neg)
    assert cal.probe_false_abstention <= 0.02
    assert cal.probe_off_topic_answered < 0.1
    assert sum(cal.in_scope_hist) == 200 and sum(cal.off_topic_hist) == 200
    assert Calibration.from_dict(json.loads(json.dumps(cal.to_dict()))) == cal


def test_probes_are_deterministic_and_come_from_the_corpus(fake_index: Settings) -> None:
    answerer = Answerer.from_settings(fake_index)
    chunks, bm25 = answerer.retriever.chunks, answerer.retriever.bm25
    first, again = make_probes(chunks, bm25, "seed"), make_probes(chunks, bm25, "seed")
    assert first == again and first.in_scope and first.near_misses
    vocabulary = set(bm25.vocab)
    assert all(any(t in vocabulary for t in bm25.query_terms(q)) for q in first.in_scope)
    # Bank questions the corpus fully knows are kept apart: negatives only if far in meaning.
    baking = make_probes([], BM25.build(["Bake sourdough bread at home."]), "seed")
    assert "How do I bake sourdough bread at home?" not in baking.off_topic
    assert "How do I bake sourdough bread at home?" in baking.known_bank
    assert "How do I bake sourdough bread at home?" in first.off_topic


def test_crossed_near_misses_pair_words_no_passage_pairs() -> None:
    """A crossed near miss swaps the question's most specific word for another passage's, only
    when no passage holds the new word with the question's other specific words."""
    from internbot.probes import crossed

    bm25 = BM25.build([
        "Data scientists analyse datasets and build dashboards.",
        "Interns earn a monthly salary and a housing stipend.",
        "Recruiters read dashboards and salary bands before the interview.",
        "Data scientists at startups write reports.",
        "Mentors review code every week.",
        "Offices close early on Fridays.",
    ])
    question = "what do data scientists analyse?"
    # "stipend" never shares a passage with "scientists" or "data": a near-domain question.
    assert crossed(question, bm25, "A stipend.") == "what do data scientists stipend?"
    # "dashboards" does (the first passage): swapping it in would still be answerable.
    assert crossed(question, bm25, "The dashboards.") is None
    # Nothing of the corpus to swap in, or nothing specific left to pair with: no probe.
    assert crossed(question, bm25, "Lasagna recipes.") is None
    assert crossed("what about scientists?", bm25, "A stipend.") is None


def test_an_unknown_word_that_supports_the_match_is_excused(fake_index: Settings) -> None:
    """`Retriever.support` measures how much cosine the question's rarest unknown word carries
    with the top passage; from the fitted threshold up, the word counts as absent."""
    retriever = Answerer.from_settings(fake_index).retriever
    question = "How do I brew coffee with a zorblax grinder?"
    [plain] = retriever.search_many([question], support=False)
    assert plain.unknown == "zorblax" and plain.evidence.foreign > 0 and plain.support == 0
    retriever.support = float("inf")  # measured, never excused
    [measured] = retriever.search_many([question])
    assert measured.support != 0
    # A word that pulls the question off its passage says so (`against`); nothing else moves.
    assert measured.evidence.against == min(1.0, max(0.0, -measured.support))
    assert replace(measured.evidence, against=0.0) == plain.evidence
    retriever.support = -float("inf")  # every unknown word excused
    [excused] = retriever.search_many([question])
    assert excused.evidence.foreign == 0
    assert excused.evidence.corpus_cover > plain.evidence.corpus_cover
    assert excused.evidence.dense == plain.evidence.dense  # ranking and cosine are untouched
    # A question with no unknown word is not encoded again.
    [known] = retriever.search_many(["How do I brew coffee?"])
    assert known.unknown == "" and known.support == 0


def test_a_foreign_word_that_pulls_the_question_away_counts_against_it(fake_index: Settings) -> None:
    """"How do I brew coffee and knit a zorblax?" comes nearer the coffee passage without its
    foreign word: `against` is that gain, a fitted feature that never raises confidence."""
    answerer = Answerer.from_settings(fake_index)
    retriever = answerer.retriever
    retriever.support = float("inf")
    [far] = retriever.search_many(["How do I brew coffee and knit a zorblax?"])
    assert far.support < 0 and far.evidence.against == -far.support
    assert "against" in answerer.calibration.features
    assert answerer.confidence(far) <= answerer.confidence(
        replace(far, evidence=replace(far.evidence, against=0.0)))


def test_the_support_threshold_is_fitted_and_kept(fake_index: Settings) -> None:
    cal = Answerer.from_settings(fake_index).calibration
    assert cal.support is not None and Answerer.from_settings(fake_index).retriever.support == cal.support


def test_fully_known_off_topic_probes_weigh_their_share() -> None:
    """A handful of "every word known, meaning far" probes still moves the fit: together they
    weigh KNOWN_BANK_SHARE of the off-topic class, so full word coverage stops meaning in scope."""
    from internbot.answerability import KNOWN_BANK_SHARE

    rng = np.random.default_rng(1)
    cover, dense = FEATURES.index("corpus_cover"), FEATURES.index("dense")

    def rows(n: int, cov: float, cos: float) -> np.ndarray:
        x = rng.normal(0.5, 0.05, (n, len(FEATURES)))
        x[:, cover], x[:, dense] = cov, rng.normal(cos, 0.05, n)
        x[:, FEATURES.index("unstated")] = 0.0  # fitted apart (`fit_unstated`)
        return x

    pos = rows(300, 1.0, 0.6)
    neg = np.vstack([rows(300, 0.4, 0.45), rows(6, 1.0, 0.25)])  # the last six: every word known
    from internbot.retriever import Evidence

    row = rows(1, 1.0, 0.3)[0]
    row[dense] = 0.3  # exactly: one draw of its noise should not decide the test
    marathon = Evidence(**dict(zip(FEATURES, row.tolist(), strict=True)))
    plain, weighed = fit(pos, neg), fit(pos, neg, known=6)
    assert 0 < KNOWN_BANK_SHARE < 1 and weighed.off_topic_known == 6
    assert plain.confidence(marathon) >= 0.5 > weighed.confidence(marathon)
    assert weighed.probe_false_abstention <= 0.1


def test_bank_is_not_tiny_and_covers_other_professions() -> None:
    bank = read_bank()
    assert len(bank) >= 200
    assert any("nurse" in q for q in bank) and any("git" in q for q in bank)


def test_calibration_is_kept_in_the_manifest(fake_index: Settings) -> None:
    manifest = json.loads((fake_index.index_dir / "manifest.json").read_text())
    cal = Calibration.from_dict(manifest["calibration"])
    assert cal.features == FEATURES and cal.in_scope > 0 and cal.off_topic > 100
    assert Answerer.from_settings(fake_index).calibration == cal


def test_an_index_without_calibration_is_fitted_on_load(fake_index: Settings) -> None:
    from dataclasses import replace

    from internbot import index as store
    from internbot.embedder import load_embedder
    from internbot.retriever import Retriever

    idx = store.load(fake_index.index_dir)
    idx.manifest = replace(idx.manifest, calibration={})
    answerer = Answerer(Retriever(idx, load_embedder(fake_index)), fake_index)
    assert answerer.calibration.in_scope > 0


@pytest.mark.slow
def test_calibration_follows_the_corpus(real_settings: Settings, tmp_path: Path) -> None:
    """Two corpora, two fitted models, and both abstain on questions neither covers."""
    from internbot.indexing import build

    corpus = tmp_path / "corpus"
    shutil.copytree(Path(__file__).parent / "data" / "tiny", corpus)
    other = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    build(other)
    seed, tiny = Answerer.from_settings(real_settings), Answerer.from_settings(other)
    assert seed.calibration.weights != tiny.calibration.weights
    assert seed.calibration.bias != pytest.approx(tiny.calibration.bias, abs=1e-3)
    for answerer in (seed, tiny):
        replies = [answerer.ask(q) for q in OFF_TOPIC]
        assert not any(a.answered for a in replies), [(a.question, a.confidence) for a in replies]
    assert tiny.ask("How long does a French press steep?").answered
    assert seed.ask("How much do machine learning interns make?").answered


def test_an_index_calibrated_the_old_way_is_refitted_when_needed(fake_settings: Settings) -> None:
    """`index --if-needed` refits an index whose calibration predates CALIBRATION_VERSION."""
    from internbot.answerability import CALIBRATION_VERSION
    from internbot.corpus import corpus_hash, load_documents, settings_text
    from internbot.indexing import build, is_current

    build(fake_settings)
    digest = corpus_hash(load_documents(fake_settings.corpus_dir), settings_text(fake_settings.corpus_dir))
    path = fake_settings.index_dir / "manifest.json"
    manifest = json.loads(path.read_text())
    assert manifest["calibration"]["version"] == CALIBRATION_VERSION and is_current(fake_settings, digest)
    del manifest["calibration"]["version"]
    path.write_text(json.dumps(manifest))
    assert not is_current(fake_settings, digest)
    assert build(fake_settings, if_needed=True) is not None
    assert is_current(fake_settings, digest)


def test_an_unknown_everyday_word_costs_less_coverage_than_a_rare_one() -> None:
    """"What should I wear to an interview?" knows more of itself than "…a lasagna interview?":
    an unknown word weighs by how rare it is in everyday English; an unknown short token, nothing."""
    from internbot.tokens import specificity, stem

    bm25 = BM25.build(["Prepare for the interview and dress well.", "Interview questions and answers."])
    assert specificity("wear") < specificity("lasagna")

    def cover(question: str) -> float:
        terms, unknown = bm25.analyse(question)
        return bm25.concept_coverage([frozenset({t}) for t in terms], unknown)

    assert cover("what should I wear to an interview?") > cover("what lasagna for an interview?")
    assert cover("hw do I prepare for the interview?") == 1.0
    assert bm25.concept_coverage([frozenset({stem("wear")}), frozenset({stem("interview")})]) < cover(
        "what should I wear to an interview?")


def test_a_contraction_is_no_unknown_word() -> None:
    """"Why shouldn't I skip the interview?" is "why should I not…": `words` splits "shouldn't"
    into "shouldnt" and "shouldn", which no guide says and wordfreq calls utterly foreign, so as
    unknown words they made the question look off topic (0.09 on the seed)."""
    bm25 = BM25.build(["Prepare for the interview and dress well.", "Interview questions and answers."])
    fragments = {"shouldn", "shouldnt", "isn", "isnt", "whats", "haven", "havent", "doesn", "doesnt"}
    for question in ("why shouldn't I skip the interview?", "isn't the interview hard?",
                     "whats the interview like", "I haven't prepared, doesn't it matter?"):
        assert not fragments & set(bm25.analyse(question)[1]), question

    def cover(question: str) -> float:
        terms, unknown = bm25.analyse(question)
        return bm25.concept_coverage([frozenset({t}) for t in terms], unknown)

    assert cover("why shouldn't I skip the interview?") == cover("why should I not skip the interview?")


def test_curated_probes_keep_a_real_typo_while_in_scope_probes_get_a_garbled_word() -> None:
    """A curated entry should take its question as visitors mistype it (two neighbouring
    letters swapped, which the spellers undo); the corpus's in-scope probes instead hold a
    word garbled past correction, standing for the words the engine cannot read."""
    import random

    from internbot.answerability import curated_probes
    from internbot.curated import CuratedAnswer
    from internbot.probes import with_garbled_word, with_typo
    from internbot.spelling import is_transposition

    def slips(question: str, changed: str) -> list[tuple[str, str]]:
        return [(a, b) for a, b in zip(question.split(), changed.split(), strict=True) if a != b]

    question = "Which scholarship deadlines matter most?"
    [(typed, meant)] = slips(question, with_typo(question, random.Random(3)))
    assert is_transposition(typed, meant)
    [(garbled, meant)] = slips(question, with_garbled_word(question, random.Random(3)))
    assert sorted(garbled) == sorted(meant) and not is_transposition(garbled, meant)
    bm25 = BM25.build(["Scholarship deadlines matter most in spring."])
    positive, _ = curated_probes([CuratedAnswer(question, "In spring.")], bm25)
    assert any(len(s := slips(question, p)) == 1 and is_transposition(*s[0])
               for p in positive if len(p.split()) == len(question.split()))
