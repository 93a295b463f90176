"""Late interaction (`late.py`): word vectors stored with the index, MaxSim added to the best
candidates' fused scores."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from internbot import index as store
from internbot.config import Settings
from internbot.embedder import HashingEmbedder
from internbot.late import FIT_MIN, PROJECTED_DIM, Projection, TokenMemo, Tokens, normalised, quantise
from internbot.retriever import Retriever, Weights


class WordHashing(HashingEmbedder):
    """The hashing embedder, with each word hashed alone as its word vector."""

    def encode_tokens(self, texts: list[str], *,
                      max_tokens: int | None = None) -> tuple[np.ndarray, list[np.ndarray]]:
        words = [t.lower().split()[:max_tokens] for t in texts]
        return self.encode(texts), [self.encode(w) if w else np.zeros((0, self.dim), np.float32)
                                    for w in words]


def _build(settings: Settings, target: Path, embedder: HashingEmbedder) -> store.Index:
    """`settings`' corpus indexed at `target` by `embedder`, calibrated as `settings`' own index."""
    from internbot.building import build_index
    from internbot.corpus import load_documents
    from internbot.writer import IndexWriter

    manifest = store.load(settings.index_dir).manifest
    with IndexWriter(target, embedder.dim) as writer:
        written, _, _ = build_index(writer, load_documents(settings.corpus_dir), embedder,
                                    replace(manifest, files={}))
        writer.write_manifest(replace(written, calibration=manifest.calibration))
        writer.commit()
    return store.load(target)


def test_projection_fits_only_a_corpus_large_enough_and_round_trips() -> None:
    rng = np.random.default_rng(0)
    few = rng.normal(size=(FIT_MIN - 1, 384))
    assert Projection.fit(few).axes is None  # a tiny corpus keeps the model's dimensions
    assert np.allclose(Projection.fit(few).apply(few), normalised(few))
    many = rng.normal(size=(FIT_MIN * 2, 384))
    fitted = Projection.fit(many)
    assert fitted.axes is not None and fitted.axes.shape == (384, PROJECTED_DIM)
    projected = fitted.apply(many[:5])
    assert projected.shape == (5, PROJECTED_DIM)
    assert np.allclose(np.linalg.norm(projected, axis=1), 1.0, atol=1e-5)
    again = Projection.from_array(fitted.to_array())
    assert np.allclose(again.apply(many[:5]), projected, atol=1e-6)


def test_int8_words_keep_their_direction() -> None:
    words = normalised(np.random.default_rng(1).normal(size=(50, 128)))
    codes, scales = quantise(words)
    assert codes.dtype == np.int8 and scales.shape == (50,)
    back = normalised(codes.astype(np.float32) * scales[:, None])
    assert float(np.min(np.sum(back * words, axis=1))) > 0.999


def test_maxsim_prefers_the_passage_holding_the_question_s_words() -> None:
    model = WordHashing()
    passages = ["interns earn a monthly stipend", "the weather is sunny today", ""]
    words = [normalised(w) if len(w) else w for w in model.encode_tokens(passages)[1]]
    offsets = np.cumsum([0, *(len(w) for w in words)])
    codes, scales = quantise(np.concatenate(words))
    tokens = Tokens(codes, scales, offsets, Projection())
    question = normalised(model.encode_tokens(["what stipend do interns earn"])[1][0])
    sims = tokens.maxsim(question, np.array([0, 1, 2]))
    assert sims[0] > 0.5 > sims[1] and sims[2] == 0.0
    assert not tokens.maxsim(np.zeros((0, 384), np.float32), np.array([0])).any()


def test_the_memo_is_bounded() -> None:
    memo = TokenMemo(size=2)
    memo.put(["a", "b", "c"], [np.ones((1, 2)), np.ones((2, 2)), np.ones((3, 2))])
    assert memo.get("a") is None and memo.get("c") is not None and len(memo.get("b")) == 2  # type: ignore[arg-type]


def test_the_index_stores_word_vectors_and_the_best_candidates_gain_their_maxsim(
        fake_index: Settings, tmp_path: Path) -> None:
    index = _build(fake_index, tmp_path / "worded", WordHashing())
    assert index.words is not None
    assert len(index.words.offsets) == len(index.chunks) + 1
    assert all(name in index.manifest.files for name in store.WORD_FILES)
    question = "How long do I steep green tea?"
    late = Retriever(index, WordHashing())
    plain = Retriever(index, WordHashing(), Weights(late=0.0))
    assert late.words is not None and plain.words is None
    [with_words], [without] = late.search_many([question], k=50), plain.search_many([question], k=50)
    before = {h.chunk.id: h.score for h in without.hits}
    gained = {h.chunk.id: h.score - before[h.chunk.id] for h in with_words.hits if h.chunk.id in before}
    # The best `late_pool` candidates gain their MaxSim (> 0 for words in common), the rest nothing
    # (with `late_lexical` off: the best BM25 matches are read too, below).
    only_fused = Retriever(index, WordHashing(), Weights(late_lexical=0))
    [fused_only] = only_fused.search_many([question], k=50)
    gained = {h.chunk.id: h.score - before[h.chunk.id] for h in fused_only.hits if h.chunk.id in before}
    assert sum(g > 1e-6 for g in gained.values()) == min(Weights().late_pool, len(before))
    assert all(g >= -1e-6 for g in gained.values())
    # An embedder without word vectors reads the same index without late interaction.
    assert Retriever(index, HashingEmbedder()).words is None


def test_the_best_lexical_matches_are_read_closely_even_outside_the_fused_best(
        fake_index: Settings, tmp_path: Path) -> None:
    """A passage holding the question's rare words can rank low on the dense side ("PySpark" in
    a passage about a tech stack page); it gains its MaxSim when BM25 ranks it among the best."""
    index = _build(fake_index, tmp_path / "worded", WordHashing())
    question = "how much caffeine in black tea?"  # BM25's best passage is third by fused score
    [plain] = Retriever(index, WordHashing(), Weights(late=0.0)).search_many([question], k=50)
    before = {h.chunk.id: h for h in plain.hits}
    pool = 1
    lexical_best = max(plain.hits, key=lambda h: h.lexical)
    fused_best = plain.hits[0]
    assert lexical_best.chunk.id != fused_best.chunk.id, "the fixture needs them apart"
    for extra, reads in ((0, False), (1, True)):
        [r] = Retriever(index, WordHashing(), Weights(late_pool=pool, late_lexical=extra)).search_many(
            [question], k=50)
        gain = {h.chunk.id: h.score - before[h.chunk.id].score for h in r.hits}
        assert gain[fused_best.chunk.id] > 1e-6
        assert (gain[lexical_best.chunk.id] > 1e-6) is reads


def test_an_index_without_word_vectors_still_serves(fake_index: Settings) -> None:
    """An index built without them (an older one, or by a model that gives none) loads and
    answers as before."""
    from internbot.answerer import Answerer

    index = store.load(fake_index.index_dir)
    assert index.words is None
    assert not any(name in index.manifest.files for name in store.WORD_FILES)
    assert Answerer.from_settings(fake_index).ask("How long do I steep green tea?").answered


def test_word_vectors_must_cover_every_passage(tmp_path: Path) -> None:
    from internbot.writer import IndexWriter

    with IndexWriter(tmp_path / "index", 4) as writer:
        writer.rows = 2  # two passages added
        writer.add_words([np.ones((3, 4), np.float32)])
        with pytest.raises(ValueError, match="1 of 2 passages"):
            writer._finish_words()


@pytest.mark.slow
def test_onnx_word_vectors_match_sentence_transformers() -> None:
    """The ONNX graph's word vectors (specials and padding dropped) are sentence-transformers'
    token embeddings, and its pooled vectors the same as `encode` gives."""
    from internbot.config import BUNDLED_MODEL
    from internbot.embedder import SentenceTransformerEmbedder, resolve_model_path
    from internbot.onnx_embedder import OnnxEmbedder

    model_dir = Path(resolve_model_path(BUNDLED_MODEL))
    texts = ["How much do ML interns make?", "a longer text about portfolios, Kaggle and résumés " * 2]
    onnx = OnnxEmbedder("minilm", model_dir, Settings().cache_dir, threads=1)
    torch = SentenceTransformerEmbedder(str(model_dir))
    (ours, our_words), (theirs, their_words) = onnx.encode_tokens(texts), torch.encode_tokens(texts)
    assert np.allclose(ours, onnx.encode(texts), atol=1e-6)
    assert float(np.min(np.sum(ours * theirs, axis=1))) > 0.99999
    for a, b in zip(our_words, their_words, strict=True):
        assert a.shape == b.shape
        assert float(np.min(np.sum(normalised(a) * normalised(b), axis=1))) > 0.9999


def test_a_corpus_over_the_cap_is_indexed_without_word_vectors(
        fake_index: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from internbot import building

    monkeypatch.setattr(building, "WORDS_MAX_PASSAGES", 2)
    index = _build(fake_index, tmp_path / "big", WordHashing())
    assert index.words is None and not list((tmp_path / "big").glob("word*"))
    assert Retriever(index, WordHashing()).search_many(["How long do I steep green tea?"])[0].hits
