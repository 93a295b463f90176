"""Hybrid retrieval: FAISS over MiniLM vectors fused with BM25, section titles counted as evidence.

Dense similarity is the better of the chunk's own vector and its best sentence's, so one
precise sentence inside a longer passage still ranks it. Lexical scores are normalised per query
and added with a fixed weight; `coverage` says how much of the question the corpus knows at all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from internbot.amounts import unstated
from internbot.embedder import Embedder, word_embedder
from internbot.index import Index, index_aliases
from internbot.late import TokenMemo
from internbot.lexical import BM25
from internbot.records import Chunk, Hit
from internbot.rewriting import Rewriter, replace_word
from internbot.search.base import SearchBackend
from internbot.search.faiss import FaissSearch
from internbot.spelling import rarity
from internbot.tokens import STOPWORDS, fold, words

#: Questions longer than this many tokens (~500 characters) are truncated when encoded.
QUERY_MAX_TOKENS = 128


#: A question's concepts: each query term with the terms of its aliases.
Concepts = list[frozenset[str]]


#: A word, with the end of a sentence before it if any ("…right? What…": not a name).
_WORDS = re.compile(r"([.!?:;]\s*)?\b([A-Za-z][A-Za-z'’-]*)")


def _capitalised(text: str) -> frozenset[str]:
    """The words a question capitalises past its first ("…interns make in Germany?"), lower-cased:
    a name the visitor gives, which the corpus lacking it cannot speak of however everyday
    the word ("Germany" 0.2 as a word, `spelling.rarity`)."""
    said = _WORDS.findall(fold(text))
    return frozenset(w.lower() for n, (stop, w) in enumerate(said)
                     if n and not stop and w[0].isupper() and not w.isupper() and len(w) > 2
                     and not re.search(r"['’]", w))


@dataclass(frozen=True)
class Weights:
    """How the evidence is fused; the defaults are the measured best (docs/quality.md)."""

    chunk: float = 0.2
    sentence: float = 0.8
    lexical: float = 0.5
    #: Multiplier for passages of the document the user is looking at (widget page context).
    doc_boost: float = 0.05
    hybrid: bool = True
    #: Alias expansion ("ML" → "machine learning") in the lexical query…
    aliases: bool = True
    #: …and in the text that is embedded (the group's most used member only). Off: it fixed one
    #: question of the developers' private set but made the serving benchmark's alias-heavy
    #: questions ~25% slower to encode; moving the vector instead lost the dev set a question.
    alias_embedding: bool = False
    #: An acronym the question says ("ML") is embedded as the long form the corpus uses more
    #: ("machine learning"), in place: a token or two, where appending cost a phrase.
    spell_out: bool = True
    #: A misspelt word is embedded as the word it meant (`Retriever.respell`).
    respell: bool = True
    #: Late interaction (`late.py`): this times the MaxSim of the question's words with a
    #: passage's is added to the fused score of the best `late_pool` candidates.
    late: float = 1.0
    late_pool: int = 10
    #: …and the best this many by BM25 alone, so a passage holding the question's rare words
    #: ("PySpark") is not cut off by a fused score the dense side keeps low.
    late_lexical: int = 3


@dataclass(frozen=True)
class Evidence:
    """Query-level signals of whether the corpus answers the question at all.

    The answerability model (`answerability.py`) weighs them; each is roughly in [0, 1].
    """

    #: Best cosine between the question and any candidate chunk or sentence.
    dense: float = 0.0
    #: IDF-weighted share of the question's concepts (terms with their aliases) the corpus knows.
    corpus_cover: float = 0.0
    #: IDF-weighted share of the question's terms the top passage (with its section path) holds.
    answer_cover: float = 0.0
    #: Weight of the most specific question term the top passage lacks (0 when none is missing).
    missing: float = 0.0
    #: The top passage's normalised BM25 score.
    lexical: float = 0.0
    #: Fused-score lead of the top passage over the runner-up.
    margin: float = 0.0
    #: 1 when the dense and the lexical rankings put the same passage first.
    agreement: float = 0.0
    #: How specific in everyday English the most specific question word the corpus lacks is
    #: ("Seattle" high, "wear" low): an unknown rare word names a topic the corpus lacks.
    foreign: float = 0.0
    #: 1 when the question asks for an amount ("what is the salary of…", "how many…") and the
    #: top passage states none (`amounts.py`): it speaks of the topic, not of what was asked.
    unstated: float = 0.0
    #: How much closer the question comes to its top passage without its unknown word (0 when
    #: no closer, or not measured): a foreign word pulls the question off the passage ("how do
    #: I plant tomatoes for ML interns?" −0.20), a paraphrase's does not ("charts" +0.21).
    against: float = 0.0

@dataclass(frozen=True)
class Retrieval:
    """Ranked hits for one query, with query-level evidence for the abstention decision."""

    hits: tuple[Hit, ...]
    evidence: Evidence = Evidence()
    #: The question's concepts (each term with its aliases' terms), for answer trimming.
    concepts: Concepts = field(default_factory=list)
    #: The question's most specific word the corpus lacks ("" when none is specific at all)…
    unknown: str = ""
    #: …and how much the question's cosine with the top passage drops without it (measured
    #: when `Retriever.support` is set): a word the passage's meaning holds ("coding" over
    #: "programming languages") supports the match, a foreign one ("medical") does not.
    support: float = 0.0
    #: A name the question gives that the corpus never says ("…in Germany?"), or a corpus name it
    #: says that the top passage does not and its document does not speak of ("Shopify" over the
    #: seed's intern pay, `names.py`): the passage answers another question.
    unnamed: str = ""


def open_search(spec: str, index: Index, *, progress: bool = False) -> SearchBackend:
    """The search backend `INTERNBOT_VECTOR_STORE` names, ready for this index (a Milvus
    collection is filled from it the first time)."""
    if spec in ("", "faiss"):
        return FaissSearch(index.faiss_index, index.lexical)
    from internbot.search.milvus import MilvusSearch, collection_name

    params = index.manifest.faiss_params
    nprobe = int(params.split("=", 1)[1]) if params.startswith("nprobe=") else 0
    search = MilvusSearch(spec, collection_name(index.manifest.files), dim=index.manifest.dim,
                          nprobe=nprobe)
    search.ensure(index.vectors, index.lexical, progress=progress)
    return search


class Retriever:
    def __init__(self, index: Index, embedder: Embedder, weights: Weights | None = None,
                 search: SearchBackend | None = None) -> None:
        self.index = index
        #: Where candidates come from: the index's own FAISS and BM25 unless another backend.
        self.search = search or FaissSearch(index.faiss_index, index.lexical)
        self.embedder = embedder
        self.weights = weights or Weights()
        self.aliases = index_aliases(index.manifest.synonyms)
        #: Built with the index (alias group terms included), memory-mapped on load.
        self.bm25: BM25 = index.lexical
        w = self.weights
        self.rewriter = Rewriter(self.bm25, self.aliases, respell=w.respell, spell_out=w.spell_out,
                                 alias_embedding=w.alias_embedding)
        #: An unknown word supporting the match by at least this much counts as no unknown
        #: word at all; fitted per corpus with the abstention model (`answerability.py`).
        #: None: not measured (one encode fewer per question with an unknown word).
        self.support: float | None = index.manifest.calibration.get("support")
        #: Passages' word vectors, when the index has them and the embedder gives a question's.
        self._worded = word_embedder(embedder) if self.weights.late else None
        self.words = index.words if self._worded is not None else None
        self._memo = TokenMemo()
        self._authors = _authors(index.manifest.documents)

    @property
    def chunks(self) -> Sequence[Chunk]:
        return self.index.chunks

    def position(self, chunk: Chunk) -> int:
        """The row of `chunk` in the index."""
        if chunk.row < 0:
            raise ValueError(f"chunk {chunk.id} belongs to no index")
        return chunk.row

    def expand(self, text: str) -> str:
        """The question as it is embedded (`Rewriter.expand`)."""
        return self.rewriter.expand(text)

    def encode(self, texts: list[str]) -> np.ndarray:
        """Query vectors (aliases expanded when `Weights.alias_embedding`). Questions are
        truncated at QUERY_MAX_TOKENS (passages keep the model's full length): it bounds the
        memory a batch of long inputs can take."""
        expanded = [self.expand(t) for t in texts]
        if self.words is None or self._worded is None:
            return self.embedder.encode(expanded, max_tokens=QUERY_MAX_TOKENS)
        vectors, token_vectors = self._worded.encode_tokens(expanded, max_tokens=QUERY_MAX_TOKENS)
        self._memo.put(list(texts), [self.words.projection.apply(w) for w in token_vectors])
        return vectors

    def _question_words(self, text: str) -> np.ndarray:
        """The question's projected word vectors, kept by `encode` (encoded again if evicted)."""
        found = self._memo.get(text)
        if found is None:
            self.encode([text])
            found = self._memo.get(text)
        return found if found is not None else np.zeros((0, 1), np.float32)

    @staticmethod
    def _candidates(dense_ids: np.ndarray, lexical_ids: np.ndarray) -> np.ndarray:
        """The nearest chunks plus BM25's best, so either signal can surface a passage."""
        return np.unique(np.concatenate([dense_ids[dense_ids >= 0], lexical_ids]).astype(np.int64))

    def _best_sentences(self, rows: np.ndarray, q: np.ndarray) -> np.ndarray:
        """Each of these chunks' best sentence cosine with `q` (-1 for a chunk without
        sentences): only the candidates' sentence vectors, gathered into one product. Scoring
        every sentence instead reads the whole matrix for each question (3.3 ms at 25,000
        sentences against 0.5 ms for this at a million passages, docs/benchmarks.md)."""
        offsets = self.index.sentence_offsets
        lo, counts = offsets[rows], offsets[rows + 1] - offsets[rows]
        best = np.full(len(rows), -1.0, dtype=np.float32)
        held = counts > 0
        if not held.any():
            return best
        lo, counts = lo[held], counts[held]
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        picks = np.arange(int(counts.sum())) + np.repeat(lo - starts, counts)
        sims = self.index.sentence_vectors[picks].astype(np.float32, copy=False) @ q
        best[held] = np.maximum.reduceat(sims, starts)
        return best

    def _analyse(self, text: str, named: frozenset[str] | None = None,
                 matches: list[tuple[str, list[str]]] | None = None,
                 ) -> tuple[list[str], Concepts, float, float, str]:
        """The question's lexical terms; its concepts; the everyday-English specificity of its
        rarest word the corpus lacks (fully specific when the question capitalises it: `named`,
        `_capitalised`'s words, computed here when not given); the share of its concepts the
        corpus knows; and that rarest unknown word. `matches` are the text's alias phrases
        (`Aliases.matches`), when the caller found them already.

        A word said as an alias ("ML") is searched as its group's term, which every passage
        saying "ML" or "machine learning" holds, so a rare abbreviation does not outweigh the
        question's other words; its concept is covered by any member of the group.
        """
        bm25 = self.bm25
        qterms, unknown = bm25.analyse(text)
        concepts = {t: {t} for t in qterms}
        if self.weights.aliases:
            for said, others in (self.aliases.matches(text) if matches is None else matches):
                said_terms = bm25.phrase_terms(said)
                said_groups = self.aliases.groups_in(said)
                group = {*said_terms, *bm25.phrase_terms(" ".join(others)), *said_groups}
                for t in said_terms:
                    concepts.setdefault(t, {t}).update(group)
                if any(bm25.knows(g) for g in said_groups):
                    qterms = [t for t in qterms if t not in said_terms]
            qterms += [g for g in dict.fromkeys(self.aliases.groups_in(text)) if bm25.knows(g)]
            unknown = [w for w in unknown  # excused only by a group the corpus says somehow
                       if not any(bm25.knows(g) for g in self.aliases.groups_in(w))]
        unique = sorted({frozenset(c) for c in concepts.values()}, key=sorted)
        named = _capitalised(text) if named is None else named
        rarest = max(((1.0 if w in named else rarity(w), w) for w in unknown), default=(0.0, ""))
        cover = bm25.concept_coverage(unique, unknown)
        return qterms, unique, rarest[0], cover, rarest[1] if rarest[0] else ""

    def _fuse(self, text: str, q: np.ndarray, dense_ids: np.ndarray, k: int,
              extra_text: str, doc_id: str | None) -> Retrieval:
        w, index, bm25 = self.weights, self.index, self.bm25
        given = _capitalised(text)
        matches = self.aliases.matches(text) if w.aliases else []
        qterms, concepts, foreign, corpus_cover, unknown = self._analyse(text, given, matches)
        all_terms = qterms + (bm25.query_terms(extra_text) if extra_text else [])
        term_ids = bm25.term_ids(all_terms)
        cand = self._candidates(dense_ids, self.search.lexical(term_ids, self.pool))
        chunk_sim = index.vectors[cand] @ q
        sent_sim = self._best_sentences(cand, q)
        dense = (w.chunk * chunk_sim + w.sentence * np.maximum(sent_sim, chunk_sim)) / max(
            w.chunk + w.sentence, 1e-9)
        ceiling = bm25.ceiling(all_terms)
        lex = bm25.scores_at(term_ids, cand)  # exact, from the index folder, whatever the backend
        lex_norm = lex / ceiling if ceiling > 0 else np.zeros(len(cand), dtype=np.float32)
        fused = dense + (w.lexical * lex_norm if w.hybrid else 0.0)
        if doc_id is None and self._authors:
            named = {self._authors[n] for n in words(text) if n in self._authors}
            doc_id = named.pop() if len(named) == 1 else None
        if doc_id is not None:
            fused += w.doc_boost * np.array([index.chunks[i].doc_id == doc_id for i in cand])
        if self.words is not None and len(cand):
            best = np.argsort(-fused, kind="stable")[: w.late_pool]
            if w.late_lexical:  # the best lexical matches are read closely too
                lexical_best = np.argsort(-lex_norm, kind="stable")[: w.late_lexical]
                best = np.concatenate([best, np.setdiff1d(lexical_best[lex_norm[lexical_best] > 0], best)])
            fused[best] += w.late * self.words.maxsim(self._question_words(text), cand[best])
        order = np.argsort(-fused, kind="stable")[:k]
        hits = tuple(
            Hit(index.chunks[cand[j]], float(fused[j]), float(dense[j]), float(lex_norm[j]))
            for j in order
        )
        if not len(order):
            return Retrieval(hits, Evidence(corpus_cover=corpus_cover, foreign=1.0),
                             concepts)
        top = order[0]
        top_chunk = index.chunks[cand[top]]
        answer_cover, missing = bm25.concept_cover(concepts, bm25.doc_terms(int(cand[top])))
        evidence = Evidence(
            dense=float(max(chunk_sim.max(initial=0.0), sent_sim.max(initial=0.0))),
            corpus_cover=corpus_cover,
            answer_cover=answer_cover,
            missing=missing,
            lexical=float(lex_norm[top]),
            margin=float(fused[top] - fused[order[1]]) if len(order) > 1 else 0.0,
            agreement=float(np.argmax(dense) == np.argmax(lex_norm)) if lex_norm.any() else 0.0,
            foreign=foreign,
            unstated=float(unstated(text, top_chunk.text, top_chunk.listing)),
        )
        names = self.index.names
        unnamed = unknown if unknown in given else (
            names.unspoken(text, top_chunk, matches)
            if names is not None else "")
        return Retrieval(hits, evidence, concepts, unknown, unnamed=unnamed)

    def _top_cosine(self, retrieval: Retrieval, q: np.ndarray) -> float:
        """The best cosine of `q` with the top passage or one of its sentences."""
        row = retrieval.hits[0].chunk.row
        sentences = self.index.chunk_sentence_vectors(row)
        best = float(self.index.vectors[row] @ q)
        return max(best, float((sentences @ q).max())) if len(sentences) else best

    @staticmethod
    def _without(text: str, word: str) -> str:
        return " ".join(replace_word(text, word, " ").split())

    def excused(self, text: str, retrieval: Retrieval) -> Retrieval:
        """The retrieval as if its unknown word were absent: corpus coverage and foreignness
        of the question without it (no encoding)."""
        if not retrieval.unknown or not (rest := self._without(text, retrieval.unknown)):
            return retrieval
        _, _, foreign, cover, _ = self._analyse(rest)
        return replace(retrieval, evidence=replace(retrieval.evidence, foreign=foreign, corpus_cover=cover))

    def supported(self, texts: Sequence[str], vectors: np.ndarray, results: Sequence[Retrieval],
                  rows: Sequence[int] | None = None) -> list[Retrieval]:
        """The questions (of `rows`, default all) with an unknown word, encoded once more
        without it in one batch: the drop in cosine with the top passage is the word's
        support, and a word supporting by at least `self.support` is excused, so a paraphrase
        ("which coding languages should I know?") is not taken for an off-topic question."""
        rows = range(len(results)) if rows is None else rows
        todo = [(i, rest) for i in rows if results[i].unknown and results[i].hits
                and (rest := self._without(texts[i], results[i].unknown))]
        out = list(results)
        if not todo:
            return out
        for (i, _), v in zip(todo, self.encode([rest for _, rest in todo]), strict=True):
            r = results[i]
            support = self._top_cosine(r, vectors[i]) - self._top_cosine(r, v)
            if self.support is not None and support >= self.support:
                r = self.excused(texts[i], r)
            out[i] = replace(r, support=support,
                             evidence=replace(r.evidence, against=min(1.0, max(0.0, -support))))
        return out

    @property
    def pool(self) -> int:
        """How many candidates each signal contributes before fusion."""
        return min(len(self.index.chunks), 64)

    def search_many(self, texts: Sequence[str], vectors: np.ndarray | None = None, k: int = 10,
                    *, extra_texts: Sequence[str] | None = None,
                    doc_ids: Sequence[str | None] | None = None, support: bool = True) -> list[Retrieval]:
        """Retrieve for many queries at once: one encode call and one FAISS search (and one
        more for the questions with an unknown word, unless `support` is off or unfitted:
        the answerer asks `supported` itself, for the few whose decision it can change)."""
        if not texts:
            return []
        if vectors is None:
            vectors = self.encode(list(texts))
        if not self.index.chunks:
            return [Retrieval(()) for _ in texts]
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        ids = self.search.dense(vectors, self.pool)
        extra = extra_texts or [""] * len(texts)
        docs = doc_ids or [None] * len(texts)
        results = [self._fuse(t, v, i, k, e, d)
                   for t, v, i, e, d in zip(texts, vectors, ids, extra, docs, strict=True)]
        return self.supported(texts, vectors, results) if support and self.support is not None else results


def _authors(documents: Sequence[dict[str, Any]]) -> dict[str, str]:
    """Each word of a guide's author's name, in a corpus of several guides, to that guide:
    "What did Maple study?" asks about Maple Ong's guide. Words two authors share are left out.
    Read from the manifest (an index built before authors were recorded there has none)."""
    names: dict[str, set[str]] = {}
    for doc in documents:
        for part in words(str(doc.get("author", ""))):
            if len(part) > 2 and part not in STOPWORDS:
                names.setdefault(part, set()).add(doc["id"])
    return {part: next(iter(d)) for part, d in names.items() if len(d) == 1} if len(documents) > 1 else {}
