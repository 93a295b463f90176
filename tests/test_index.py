"""Corpus loading, index save/load round trips, manifest checks and corruption handling."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from internbot import index as store
from internbot import writer as index_writer
from internbot.config import Settings
from internbot.corpus import load_documents
from internbot.errors import (
    CorpusError,
    IndexCorruptError,
    IndexMismatchError,
    IndexNotFoundError,
    ModelError,
    StaleIndexError,
)
from internbot.indexing import build


def test_binary_and_non_utf8_files_are_skipped_with_a_warning(
        tiny_corpus: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tiny_corpus / "image.txt").write_bytes(b"\x89PNG\x00\x00binary")
    (tiny_corpus / "latin1.md").write_bytes("caf\xe9 cr\xe8me".encode("latin-1"))
    (tiny_corpus / "blank.txt").write_text("  \n")
    with caplog.at_level(logging.WARNING):
        docs = load_documents(tiny_corpus)
    assert sorted(d.id for d in docs) == ["coffee-guide", "tea-basics", "water"]
    assert "looks binary" in caplog.text and "not UTF-8" in caplog.text and "empty" in caplog.text


def test_missing_and_empty_corpus(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="no corpus folder"):
        load_documents(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match="no readable"):
        load_documents(tmp_path / "empty")


def test_round_trip_and_manifest(fake_index: Settings) -> None:
    idx = store.load(fake_index.index_dir)
    m = idx.manifest
    assert m.model == "hashing" and m.dim == 384 and m.chunk_count == len(idx.chunks) > 5
    assert m.sentence_count == len(idx.sentence_vectors)
    assert set(m.versions) >= {"internbot", "faiss-cpu", "numpy", "sentence-transformers", "torch"}
    assert {d["id"] for d in m.documents} == {"coffee-guide", "tea-basics", "water"}
    # save(load(x)) writes the same chunks and vectors
    copy = fake_index.index_dir.parent / "copy"
    index_writer.save(idx, copy)
    again = store.load(copy)
    assert list(again.chunks) == list(idx.chunks) and again.catalog == idx.catalog
    # Loading decodes no passage: rows are read from chunks.jsonl when asked for.
    assert again.chunks[3].row == 3 and again.chunks[-1] == list(idx.chunks)[-1]
    np.testing.assert_array_equal(again.vectors, idx.vectors)
    assert again.faiss_index.ntotal == idx.faiss_index.ntotal


def test_missing_index(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFoundError, match="run `internbot index`"):
        store.load(tmp_path / "index")


def test_model_mismatch_and_stale_corpus(fake_index: Settings) -> None:
    with pytest.raises(IndexMismatchError, match="built with model 'hashing'"):
        store.load(fake_index.index_dir, model="bundled:all-MiniLM-L6-v2")
    with pytest.raises(StaleIndexError, match="corpus changed"):
        store.load(fake_index.index_dir, corpus_hash="0" * 64)


@pytest.mark.parametrize("name", ["chunks.jsonl", "vectors.npy", "sentences.npy", "chunks.faiss"])
def test_truncated_files_are_reported(fake_index: Settings, name: str) -> None:
    path = fake_index.index_dir / name
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(IndexCorruptError, match="truncated or corrupt"):
        store.load(fake_index.index_dir)


@pytest.mark.parametrize("content", [b"", b"version https://git-lfs.github.com/spec/v1\noid sha256:ab\n",
                                     b"{not json"])
def test_bad_manifest_is_reported(fake_index: Settings, content: bytes) -> None:
    (fake_index.index_dir / "manifest.json").write_bytes(content)
    with pytest.raises(IndexCorruptError, match="unreadable"):
        store.load(fake_index.index_dir)


def test_zero_byte_data_file(fake_index: Settings) -> None:
    (fake_index.index_dir / "chunks.faiss").write_bytes(b"")
    with pytest.raises(IndexCorruptError):
        store.load(fake_index.index_dir)


def test_failed_build_leaves_previous_index_usable(fake_index: Settings,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    before = store.load(fake_index.index_dir)
    (fake_index.corpus_dir / "new.txt").write_text("Brand New\n\nA brand new guide about grinders.\n")

    def explode(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(store.ann, "write", explode)
    with pytest.raises(OSError):
        build(fake_index)
    after = store.load(fake_index.index_dir)
    assert list(after.chunks) == list(before.chunks)
    leftovers = [p.name for p in fake_index.index_dir.parent.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_incremental_build_reuses_unchanged_vectors(fake_index: Settings) -> None:
    old = build(fake_index, full=True)
    assert old is not None and old.reused == 0
    (fake_index.corpus_dir / "new.txt").write_text(
        "Milk Frothing\n\nSteam milk to 60 degrees for a silky microfoam that pours well.\n")
    report = build(fake_index)
    assert report is not None
    # Only the new one-sentence document is embedded (its chunk and sentence text coincide);
    # every text of the old corpus comes from the previous index.
    assert report.embedded == 1
    assert report.reused == old.embedded
    assert build(fake_index, if_needed=True) is None  # current: nothing to do
    full = build(fake_index, full=True)
    assert full is not None and full.reused == 0 and full.embedded == old.embedded + 1


def test_a_new_chunker_reuses_the_vectors_of_unchanged_texts(fake_index: Settings) -> None:
    """An index from another chunker version is rebuilt (`--if-needed` sees it), reusing every
    vector whose text is unchanged. An index marked as embedded the old way is rebuilt too: with
    its stored content keys it still gives the vectors of texts that came out the same; without
    them (an index from before they were kept) everything is re-embedded."""
    first = build(fake_index, full=True)
    assert first is not None
    path = fake_index.index_dir / "manifest.json"

    def rewrite(**fields: object) -> None:
        path.write_text(json.dumps({**json.loads(path.read_text()), **fields}))

    rewrite(chunker_version="0")  # written by an older chunker
    with pytest.raises(IndexMismatchError):
        store.load(fake_index.index_dir)
    again = build(fake_index, if_needed=True)
    assert again is not None and again.embedded == 0 and again.reused == first.embedded
    rewrite(embedded_text_version=0)  # the same chunker, texts formed another way: not current
    assert store.load(fake_index.index_dir) is not None
    keyed = build(fake_index, if_needed=True)
    assert keyed is not None and keyed.embedded == 0 and keyed.reused == first.embedded
    manifest = json.loads(path.read_text())
    for name in store.KEY_FILES:  # as an index from before the keys were stored
        del manifest["files"][name]
        (fake_index.index_dir / name).unlink()
    path.write_text(json.dumps({**manifest, "chunker_version": "0", "embedded_text_version": 0}))
    fresh = build(fake_index, if_needed=True)
    assert fresh is not None and fresh.reused == 0 and fresh.embedded == first.embedded


def test_texts_formed_anew_reuse_the_vectors_of_those_that_came_out_the_same(
        fake_index: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new way of forming sentence texts (a bump of EMBEDDED_TEXT_VERSION) re-embeds the
    sentences only: the passages' texts did not change, and their stored keys say so."""
    from internbot import index as index_module
    from internbot import indexing
    from internbot.records import Chunk

    first = build(fake_index, full=True)
    assert first is not None
    before = store.load(fake_index.index_dir)
    assert before.keys is not None and len(before.keys[1]) == len(before.sentence_vectors)
    formed = Chunk.sentence_texts
    monkeypatch.setattr(Chunk, "sentence_texts", lambda self: [f"Note: {t}" for t in formed(self)])
    for module in (index_module, indexing):
        monkeypatch.setattr(module, "EMBEDDED_TEXT_VERSION", 99)
    report = build(fake_index, if_needed=True)
    assert report is not None
    after = store.load(fake_index.index_dir)
    distinct_sentences = len(set(after.keys[1].tolist())) if after.keys is not None else -1
    assert report.embedded == distinct_sentences > 0
    assert report.reused == len(set(before.keys[0].tolist()))  # every passage's vector
    assert np.array_equal(np.asarray(after.vectors), np.asarray(before.vectors))


def test_manifest_lists_every_file_with_its_checksum(fake_index: Settings) -> None:
    manifest = json.loads((fake_index.index_dir / "manifest.json").read_text())
    on_disk = {p.relative_to(fake_index.index_dir).as_posix()
               for p in fake_index.index_dir.rglob("*") if p.is_file()} - {"manifest.json"}
    assert set(manifest["files"]) == on_disk and set(store.FILES) < on_disk
    assert "lexical/vocab.index.json" in on_disk
    assert all(len(f["sha256"]) == 64 and f["bytes"] > 0 for f in manifest["files"].values())


def test_the_lexical_index_round_trips_and_corrects_typos(fake_index: Settings) -> None:
    """BM25 is built with the index and loaded from it (memory-mapped), not rebuilt: scores,
    passage terms and spelling corrections are the same after a save and a load."""
    from internbot.index import index_aliases
    from internbot.lexical import BM25

    loaded = store.load(fake_index.index_dir)
    aliases = index_aliases(loaded.manifest.synonyms)
    assert loaded.manifest.titled  # the fixture corpus has several guides
    texts = [c.lexical_text(loaded.manifest.titled) for c in loaded.chunks]
    fresh = BM25.build(texts, [aliases.groups_in(t) for t in texts])
    assert isinstance(loaded.lexical.doc_indices, np.ndarray)
    terms = loaded.lexical.query_terms("How hot shoud the watter be for green tea?")
    assert terms == fresh.query_terms("How hot shoud the watter be for green tea?")
    assert "water" in terms  # "watter" corrected against the corpus's own words
    assert np.allclose(loaded.lexical.scores(terms), fresh.scores(terms))
    assert [loaded.lexical.doc_terms(i) for i in range(loaded.lexical.n)] == [
        fresh.doc_terms(i) for i in range(fresh.n)]
    assert loaded.lexical.correct("cofee") == "coffe" and loaded.lexical.correct("xylophone") is None


def test_index_type_follows_corpus_size() -> None:
    from internbot.search import faiss as ann

    assert ann.auto_factory(61) == "Flat"
    assert ann.auto_factory(ann.FLAT_MAX) == "Flat"
    assert ann.auto_factory(100_000) == "IVF1024,Flat"
    assert ann.auto_factory(1_000_000) == "IVF4096,Flat"
    assert ann.auto_factory(ann.SQ8_MIN).endswith(",SQ8")
    assert ann.default_params("IVF4096,Flat") == "nprobe=64"


def test_auto_builds_ivf_for_a_large_corpus_and_records_it() -> None:
    from internbot.search import faiss as ann

    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((ann.FLAT_MAX + 1, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index, used, params = ann.build(vectors)
    assert used.startswith("IVF") and params.startswith("nprobe=") and index.ntotal == len(vectors)
    sample = vectors[:200]
    assert ann.recall_at_10(index, vectors, sample) >= ann.RECALL_TARGET  # tuned to the target
    _, ids = index.search(vectors[:5], 1)
    assert list(ids[:, 0]) == [0, 1, 2, 3, 4]


def test_factory_string_override(fake_settings: Settings) -> None:
    settings = replace(fake_settings, faiss_factory="HNSW16")
    report = build(settings)
    assert report is not None and report.faiss_factory == "HNSW16"
    loaded = store.load(settings.index_dir)
    assert loaded.manifest.faiss_factory == "HNSW16"
    assert loaded.manifest.faiss_params.startswith("efSearch=")
    assert type(loaded.faiss_index).__name__.startswith("IndexHNSW")
    assert build(settings, if_needed=True) is None  # current, with the requested type
    assert build(replace(settings, faiss_factory="Flat"), if_needed=True) is not None  # type changed
    with pytest.raises(Exception, match="FAISS cannot build"):
        build(replace(settings, faiss_factory="NotAnIndex42"))


def test_index_from_another_version_says_so(fake_index: Settings) -> None:
    path = fake_index.index_dir / "manifest.json"
    data = json.loads(path.read_text())
    data["faiss_type"] = data.pop("faiss_factory")  # the field name of an older format
    path.write_text(json.dumps(data))
    with pytest.raises(IndexMismatchError, match="another version"):
        store.load(fake_index.index_dir)


@pytest.mark.slow
@pytest.mark.parametrize("dynamo", [False, True])
def test_onnx_export_gives_the_torch_vectors(tmp_path: Path, dynamo: bool) -> None:
    """Both exporters' graphs reproduce sentence-transformers' vectors, padding included."""
    from sentence_transformers import SentenceTransformer

    from internbot.config import BUNDLED_MODEL
    from internbot.embedder import resolve_model_path
    from internbot.onnx_embedder import EXPORTER, OnnxEmbedder, _weights_digest, export

    model_dir = Path(resolve_model_path(BUNDLED_MODEL))
    export(model_dir, tmp_path / f"{model_dir.name}-{_weights_digest(model_dir)}-{EXPORTER}.onnx",
           dynamo=dynamo)
    onnx = OnnxEmbedder("minilm", model_dir, tmp_path, threads=1)  # loads the graph just made
    assert len(list(tmp_path.glob("*.onnx"))) == 1
    texts = ["How much do ML interns make?", "hi",
             "a much longer question about internships, portfolios and Kaggle competitions " * 3]
    ours = onnx.encode(texts)
    theirs = SentenceTransformer(str(model_dir), device="cpu").encode(texts, normalize_embeddings=True)
    assert float(np.min(np.sum(ours * theirs, axis=1))) > 0.99999


@pytest.mark.slow
def test_quantized_queries_stay_close_to_the_float_vectors(tmp_path: Path) -> None:
    """INTERNBOT_QUANTIZE: the int8 copy is made once from the float graph, beside it, and its
    vectors stay close enough to the float index's for the same passages to win."""
    from internbot.config import BUNDLED_MODEL
    from internbot.embedder import resolve_model_path
    from internbot.onnx_embedder import OnnxEmbedder

    model_dir = Path(resolve_model_path(BUNDLED_MODEL))
    float_model = OnnxEmbedder("minilm", model_dir, tmp_path, threads=1)
    int8 = OnnxEmbedder("minilm", model_dir, tmp_path, threads=1, quantized=True)
    graphs = sorted(p.name for p in tmp_path.glob("*.onnx"))
    [quantized] = [g for g in graphs if g.endswith("-int8.onnx")]
    [original] = [g for g in graphs if g != quantized]
    assert (tmp_path / quantized).stat().st_size < 0.8 * (tmp_path / original).stat().st_size
    questions = ["How much do ML interns make?", "what comes after the internship?", "hi"]
    passages = ["Interns earn $6,000 to $10,000 per month.", "After the internship, look for a "
                "full-time role or graduate school.", "Hello! Ask me about internships."]
    ours, theirs = int8.encode(questions), float_model.encode(questions)
    assert float(np.min(np.sum(ours * theirs, axis=1))) > 0.97
    assert float(np.min(np.sum(ours * theirs, axis=1))) < 0.99999  # it is another graph
    index = float_model.encode(passages)
    assert (np.argmax(ours @ index.T, axis=1) == np.argmax(theirs @ index.T, axis=1)).all()
    OnnxEmbedder("minilm", model_dir, tmp_path, threads=1, quantized=True)  # reuses both
    assert sorted(p.name for p in tmp_path.glob("*.onnx")) == graphs


@pytest.mark.slow
def test_a_question_vector_does_not_depend_on_its_batch(real_settings: Settings) -> None:
    """The server micro-batches visitors' questions, so a question's vector must not depend on
    the questions encoded with it, or its answer would (a soak test saw it once int8 was the
    default). Float holds this; int8, whose dynamic quantisation scales each run's input as a
    whole, holds it by encoding one question per run."""
    from internbot.embedder import load_embedder

    question = "What comes after the internship?"
    batches = [["x" * 1500, question], ["hi", question], ["How much do ML interns make?"] * 15 + [question]]

    def cosines(settings: Settings) -> list[float]:
        # The session's model cache: its ONNX export (and int8 copy) are made once, not per test.
        embedder = load_embedder(settings, queries=True)
        alone = embedder.encode([question])[0]
        return [float(embedder.encode(b)[-1] @ alone) for b in batches]

    assert min(float32 := cosines(replace(real_settings, quantize=False))) > 0.99999, float32
    assert min(int8 := cosines(replace(real_settings, quantize=True))) > 0.99999, int8


def test_quantize_needs_the_onnx_backend() -> None:
    from internbot.embedder import load_embedder

    assert Settings.from_env({}).quantize is None  # auto: int8 where ONNX runs the model
    assert Settings.from_env({"INTERNBOT_QUANTIZE": "auto"}).quantize is None
    assert Settings.from_env({"INTERNBOT_QUANTIZE": "off"}).quantize is False
    settings = Settings.from_env({"INTERNBOT_QUANTIZE": "1", "INTERNBOT_BACKEND": "torch"})
    assert settings.quantize
    load_embedder(replace(settings, model="hashing"), queries=True)  # nothing to quantise
    with pytest.raises(ModelError, match="INTERNBOT_QUANTIZE needs the ONNX backend"):
        load_embedder(settings, queries=True)


def test_top_k_equals_a_stable_full_sort() -> None:
    from hypothesis import given
    from hypothesis import strategies as st

    from internbot.lexical import top_k

    @given(st.lists(st.integers(0, 4), min_size=1, max_size=300), st.integers(1, 100))
    def check(values: list[int], k: int) -> None:
        scores = np.asarray(values, dtype=np.float32)
        assert top_k(scores, k).tolist() == np.argsort(-scores, kind="stable")[:k].tolist()

    check()


def test_a_streamed_build_is_the_same_whatever_the_batch(fake_settings: Settings,
                                                         tmp_path: Path) -> None:
    """The build writes passages a batch at a time; with batches of 2 passages (rows, offsets,
    catalog rows, BM25 postings and recent-vector reuse all crossing batch boundaries) every
    file is byte for byte the one a single batch writes."""
    from internbot import building
    from internbot.corpus import corpus_hash
    from internbot.embedder import load_embedder

    docs = load_documents(fake_settings.corpus_dir)
    embedder = load_embedder(fake_settings)
    manifests = []
    for batch in (2, 4096):
        manifest = store.Manifest(model=embedder.name, dim=embedder.dim, chunk_count=0,
                                  sentence_count=0, corpus_hash=corpus_hash(docs), created="x")
        with index_writer.IndexWriter(tmp_path / f"b{batch}", embedder.dim) as writer:
            written, _, stats = building.build_index(writer, docs, embedder, manifest, batch=batch)
            writer.commit()
        assert stats.chunks == written.chunk_count > 4 and stats.embedded > 0
        manifests.append(written)
    small, large = manifests
    assert small == large  # same counts, FAISS choice and every file's sha256
    loaded = store.load(tmp_path / "b2")
    assert [c.row for c in loaded.chunks] == list(range(len(loaded.chunks)))
    assert loaded.sentence_offsets[-1] == len(loaded.sentence_vectors)


def test_a_writer_left_without_commit_leaves_nothing_behind(fake_index: Settings) -> None:
    before = store.load(fake_index.index_dir)
    with pytest.raises(RuntimeError), index_writer.IndexWriter(fake_index.index_dir, 384) as writer:
        writer.add(list(before.chunks)[:2], before.vectors[:2],
                   before.chunk_sentence_vectors(0)[:0])
        raise RuntimeError("interrupted")
    assert not writer.tmp.exists()
    assert list(store.load(fake_index.index_dir).chunks) == list(before.chunks)


def test_lexical_top_k_from_impact_lists(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Past `EXACT_MAX` passages the lexical candidates come from each frequent term's impact
    list: exact when the lists hold every posting; otherwise the candidates are ranked by the
    weights the lists hold, and the best `RESCORE * k` are scored exactly, best first. Each
    list holds its term's highest-weighted passages with their weights. The lists round-trip."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from internbot import lexical
    from internbot.lexical import BM25, top_k

    words = ["tea", "coffee", "water", "milk", "grind", "steep", "brew", "cup"]

    @settings(max_examples=60, deadline=None)
    @given(st.lists(st.lists(st.sampled_from(words), min_size=1, max_size=12), min_size=3, max_size=40),
           st.lists(st.sampled_from(words), min_size=1, max_size=4, unique=True),
           st.integers(1, 8), st.integers(1, 6), st.integers(1, 4))
    def check(docs: list[list[str]], query: list[str], depth: int, k: int, rescore: int) -> None:
        texts = [" ".join(d) for d in docs]
        monkeypatch.setattr(lexical, "IMPACT_DEPTH", 10_000)
        full = BM25.build(texts)
        monkeypatch.setattr(lexical, "IMPACT_DEPTH", depth)
        pruned = BM25.build(texts)
        ids = full.term_ids(full.query_terms(" ".join(query)))
        exact = full.top(ids, k)  # small corpus: exact
        monkeypatch.setattr(lexical, "EXACT_MAX", 0)
        monkeypatch.setattr(lexical, "RESCORE", 10_000)
        assert full.top(ids, k).tolist() == exact.tolist()  # lists hold every posting
        monkeypatch.setattr(lexical, "RESCORE", rescore)
        got = pruned.top(ids, k)
        scores = pruned.scores_by_id(ids)
        listed = np.zeros(pruned.n)  # each candidate's weights as the lists hold them
        held: set[int] = set()  # the candidates: each term's list, or its whole posting
        for t in ids:
            lo, hi = pruned.impact_indptr[t], pruned.impact_indptr[t + 1]
            alone = pruned.scores_by_id([t])
            rows = pruned.impact_rows[lo:hi] if hi > lo else np.flatnonzero(alone)
            if hi > lo:  # a list holds the term's `depth` highest weights, and those weights
                assert len(set(rows.tolist())) == depth and {
                    r for r in np.flatnonzero(alone) if alone[r] > np.sort(alone)[::-1][depth - 1]
                } <= set(rows.tolist())
                np.testing.assert_array_equal(pruned.impact_weights[lo:hi], alone[rows])
            listed[rows] += alone[rows]
            held |= set(rows.tolist())
        cand = np.array(sorted(held), dtype=np.int64)
        cand = cand[top_k(listed[cand], rescore * k)]
        best = top_k(scores[cand], k)
        assert got.tolist() == cand[best[scores[cand][best] > 0]].tolist()  # scored exactly
        monkeypatch.setattr(lexical, "EXACT_MAX", 50_000)

    check()
    monkeypatch.setattr(lexical, "IMPACT_DEPTH", 2)
    bm25 = BM25.build(["tea tea tea", "tea", "tea tea", "coffee tea", "coffee"])
    tea = bm25.vocab["tea"]
    lo, hi = bm25.impact_indptr[tea], bm25.impact_indptr[tea + 1]
    weights = bm25.scores_by_id([tea])
    assert bm25.impact_rows[lo:hi].tolist() == sorted(np.argsort(-weights, kind="stable")[:2].tolist())
    assert bm25.save(tmp_path)
    loaded = BM25.load(tmp_path)
    np.testing.assert_array_equal(loaded.impact_indptr, bm25.impact_indptr)
    np.testing.assert_array_equal(loaded.impact_rows, bm25.impact_rows)
    np.testing.assert_array_equal(loaded.impact_weights, bm25.impact_weights)


def test_an_unchanged_corpus_is_not_read_at_load(fake_index: Settings,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading trusts the corpus's sizes and modification times while they match the build's;
    a touched file sends it to the content hash (same text: still current), an edit is stale."""
    import os

    from internbot import corpus
    from internbot.answerer import Answerer

    reads: list[Path] = []
    real = corpus.load_documents
    monkeypatch.setattr(corpus, "load_documents", lambda d: reads.append(d) or real(d))
    Answerer.from_settings(fake_index)
    assert reads == []
    guide = sorted(fake_index.corpus_dir.glob("*.txt"))[0]
    os.utime(guide, ns=(guide.stat().st_atime_ns, guide.stat().st_mtime_ns + 10**9))
    Answerer.from_settings(fake_index)
    assert reads == [fake_index.corpus_dir]
    guide.write_text(guide.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    with pytest.raises(StaleIndexError):
        Answerer.from_settings(fake_index)


def test_preload_reads_every_index_file(fake_index: Settings) -> None:
    """`INTERNBOT_PRELOAD` reads each file of the index folder once, lexical files included."""
    size = sum(p.stat().st_size for p in Path(fake_index.index_dir).rglob("*") if p.is_file())
    assert store.preload(fake_index.index_dir, block=4096) == size > 0


def test_a_corpus_of_several_guides_embeds_each_passage_with_its_guides_title(fake_index: Settings) -> None:
    """The passage vectors read the text BM25 reads: in a corpus of several guides, a passage
    under a heading is led by its guide's title (the content keys say what was embedded)."""
    from internbot.records import content_key

    loaded = store.load(fake_index.index_dir)
    assert loaded.manifest.titled and loaded.keys is not None
    embedded = [content_key(c.search_text(True)) for c in loaded.chunks]
    assert loaded.keys[0].tolist() == embedded
    headed = next(c for c in loaded.chunks if c.section)
    assert headed.search_text(True).startswith(f"{headed.doc_title} › ")
    assert headed.search_text(True) != headed.search_text()
