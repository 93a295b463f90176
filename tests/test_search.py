"""Search backends: FAISS in process and Milvus (Lite, in a temp folder) behind one interface."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import DEV_SET

from internbot import index as store
from internbot.answerer import Answerer
from internbot.config import Settings
from internbot.errors import InternbotError
from internbot.evaluate import contains
from internbot.records import Query
from internbot.retriever import open_search
from internbot.search.faiss import FaissSearch
from internbot.search.milvus import MilvusSearch, collection_name

QUESTIONS = ["How hot should the water be for green tea?", "what grind for cold brew coffee",
             "Is tap water fine?", "how long do I steep black tea", "best pizza topping?",
             "espresso ratio", "shoud I use filterd watter"]


def test_bm25_scores_at_rows_equal_the_full_scores(fake_index: Settings) -> None:
    """Candidates are scored from their own postings; bit for bit what the full pass gives."""
    bm25 = store.load(fake_index.index_dir).lexical
    rows = np.arange(bm25.n)
    for q in QUESTIONS:
        ids = bm25.term_ids(bm25.query_terms(q))
        np.testing.assert_array_equal(bm25.scores_at(ids, rows[::-1]), bm25.scores_by_id(ids)[::-1])
    weights = bm25.doc_weights(0, bm25.n)  # what Milvus stores: summed, they are the scores
    ids = bm25.term_ids(bm25.query_terms(QUESTIONS[0]))
    by_row = [sum(w.get(t, 0.0) for t in ids) for w in weights]
    np.testing.assert_allclose(by_row, bm25.scores_by_id(ids), rtol=1e-6)


def test_milvus_lite_gives_the_same_answers_as_faiss(fake_index: Settings, tmp_path: Path) -> None:
    faiss_answerer = Answerer.from_settings(fake_index)
    lite = replace(fake_index, vector_store=str(tmp_path / "milvus.db"))
    milvus_answerer = Answerer.from_settings(lite, embedder=faiss_answerer.retriever.embedder)
    assert isinstance(milvus_answerer.retriever.search, MilvusSearch)
    assert isinstance(faiss_answerer.retriever.search, FaissSearch)
    queries = [Query(q) for q in QUESTIONS]
    for a, b in zip(faiss_answerer.ask_many(queries), milvus_answerer.ask_many(queries), strict=True):
        assert (a.answered, a.answer, a.confidence) == (b.answered, b.answer, b.confidence)
    # Each backend proposes the same lexical candidates (BM25 weights stored in Milvus).
    bm25 = faiss_answerer.retriever.bm25
    for q in QUESTIONS:
        ids = bm25.term_ids(bm25.query_terms(q))
        assert set(faiss_answerer.retriever.search.lexical(ids, 5)) == set(
            milvus_answerer.retriever.search.lexical(ids, 5))
    milvus_answerer.retriever.search.close()


def test_the_milvus_collection_is_filled_once_and_follows_the_index(fake_index: Settings,
                                                                     tmp_path: Path) -> None:
    spec = str(tmp_path / "milvus.db")
    index = store.load(fake_index.index_dir)
    first = open_search(spec, index)
    assert isinstance(first, MilvusSearch)
    assert first.ensure(index.vectors, index.lexical) is False  # already holds every passage
    # Another corpus, another collection; the old one is dropped on request.
    (fake_index.corpus_dir / "milk.txt").write_text("Milk\n\nSteam milk to 60 degrees for microfoam.\n")
    from internbot.indexing import build

    try:
        build(fake_index)
        changed = store.load(fake_index.index_dir)
        assert collection_name(changed.manifest.files) != first.collection
        second = open_search(spec, changed)
        assert isinstance(second, MilvusSearch)
        assert second.drop_others(keep=[first.collection]) == []
        assert second.drop_others() == [first.collection]
        assert second.client.list_collections() == [second.collection]
        second.close()
    finally:
        (fake_index.corpus_dir / "milk.txt").unlink()
        build(fake_index)
    first.close()


def test_a_bad_vector_store_setting_says_what_to_use() -> None:
    with pytest.raises(InternbotError, match="milvus://host:19530"):
        Settings.from_env({"INTERNBOT_VECTOR_STORE": "somewhere"})
    assert Settings.from_env({"INTERNBOT_VECTOR_STORE": "milvus://db:19530"}).vector_store


@pytest.mark.slow
@pytest.mark.skipif(not DEV_SET.exists(), reason=f"no dev set at {DEV_SET}")
def test_milvus_lite_answers_the_dev_set_as_faiss_does(real_answerer, real_settings: Settings,  # type: ignore[no-untyped-def]
                                                       tmp_path: Path) -> None:
    """Issue #10: the Milvus Lite backend's hit@1 on the seed dev set is FAISS's ± 0.02."""
    rows = [json.loads(line) for line in DEV_SET.read_text().splitlines() if line.strip()]
    ins = [r for r in rows if r["expected"]]
    lite = replace(real_settings, vector_store=str(tmp_path / "milvus.db"))
    milvus = Answerer.from_settings(lite, embedder=real_answerer.retriever.embedder)

    def hit1(answerer: Answerer) -> float:
        answers = answerer.ask_many([Query(r["question"], tuple(r.get("history", []))) for r in ins])
        return sum(a.answered and contains(a.answer, r["expected"])
                   for r, a in zip(ins, answers, strict=True)) / len(ins)

    faiss_hit1, milvus_hit1 = hit1(real_answerer), hit1(milvus)
    assert faiss_hit1 >= 0.92 and abs(milvus_hit1 - faiss_hit1) <= 0.02, (faiss_hit1, milvus_hit1)
    milvus.retriever.search.close()


def test_milvus_going_away_is_a_503_not_a_500(fake_index: Settings, tmp_path: Path) -> None:
    """While the vector store cannot be reached, new questions get 503 with Retry-After and
    `/readyz` says why; nothing is answered from a half-working search. A question answered
    before it went away keeps its answer (`Settings.answer_cache`)."""
    from fastapi.testclient import TestClient

    from internbot.server import create_app

    lite = replace(fake_index, vector_store=str(tmp_path / "milvus.db"), data_dir=tmp_path / "data",
                   rate_limit=0)
    answerer = Answerer.from_settings(lite)
    with TestClient(create_app(lite, answerer=answerer, background=False),
                    base_url="http://127.0.0.1:7860") as client:
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["search"] == "ok"
        before = client.post("/api/ask", json={"question": "espresso ratio"})
        assert before.status_code == 200
        answerer.retriever.search.close()  # the connection is gone, as when Milvus stops
        r = client.post("/api/ask", json={"question": "how long do I steep green tea?"})
        assert r.status_code == 503 and r.headers["Retry-After"] and "search" in r.json()["error"]
        again = client.post("/api/ask", json={"question": "espresso ratio"})
        assert again.status_code == 200 and again.json()["answer"] == before.json()["answer"]
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["search"].startswith("unavailable")


def test_candidates_best_sentences_match_a_plain_loop(fake_index: Settings) -> None:
    """The gathered product gives each candidate chunk its best sentence's cosine (-1 without
    sentences), as scoring each chunk's sentences on its own does."""
    answerer = Answerer.from_settings(fake_index)
    retriever, index = answerer.retriever, answerer.retriever.index
    q = retriever.encode(["How long do I steep green tea?"])[0]
    rows = np.arange(len(index.chunks), dtype=np.int64)[::-1].copy()
    expected = [float((index.chunk_sentence_vectors(int(i)) @ q).max(initial=-1.0)) for i in rows]
    np.testing.assert_allclose(retriever._best_sentences(rows, q), expected, rtol=0, atol=1e-6)
