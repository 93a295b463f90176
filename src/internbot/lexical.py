"""BM25 over stemmed words (bm25s), with typo correction against the corpus vocabulary.

Built once at index time and saved in the index folder (`lexical/`), then memory-mapped on
load: nothing is re-tokenised when a server starts. Scoring touches only the postings of the
question's terms. The vocabulary also tells the answerer how much of a question the corpus can
speak to at all.
"""

from __future__ import annotations

import json
import logging
import math
from array import array
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from internbot.spelling import Speller, rarity
from internbot.spelling import false_starts as spelling_false_starts
from internbot.tokens import (
    CONTRACTIONS,
    SHORTHAND,
    STOPWORDS,
    misspelt_stopword,
    stem,
    terms,
    words,
)

#: Up to this many passages the lexical top-k is exact: every posting of the question's terms
#: is scored (as FAISS stays `Flat` while small).
EXACT_MAX = 50_000
#: Beyond it, each term held by more passages than this keeps its this many highest-weighted
#: ones (its impact list, written at index time); candidates come from those lists (and the
#: whole postings of rarer terms) and are then scored exactly. `bench/engine_scale.py`
#: measures what it finds against the exact top-k.
IMPACT_DEPTH = 1_000
#: The impact lists' candidates are ranked by the weights the lists hold (a passage missing from
#: a term's list counts 0 for it), and this many times `k` of them are then scored exactly.
RESCORE = 4


class BM25:
    """Okapi BM25 (Lucene's idf) over a fixed list of texts, plus query-side spelling correction.

    The score matrix and vocabulary live in a `bm25s.BM25`; each text's set of terms is kept as
    a CSR matrix (`doc_indptr`, `doc_indices`) to tell which question terms a passage holds.
    """

    K1, B = 1.2, 0.75

    def __init__(self, engine: Any, doc_indptr: np.ndarray, doc_indices: np.ndarray,
                 surface: dict[str, str],
                 impact: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
                 false_starts: Sequence[str] = ()) -> None:
        self.engine = engine
        self.doc_indptr, self.doc_indices = doc_indptr, doc_indices
        self.n = len(doc_indptr) - 1
        self.vocab: dict[str, int] = dict(engine.vocab_dict) if engine is not None else {}
        self.vocab.pop("", None)  # bm25s's empty token
        self._terms = np.empty(max(self.vocab.values(), default=-1) + 1, dtype=object)
        for term, i in self.vocab.items():
            self._terms[i] = term
        # Document frequency is the length of each term's column: no counting at load.
        df = np.diff(engine.scores["indptr"]) if engine is not None else np.zeros(0)
        self._idf = np.log1p((self.n - df + 0.5) / (df + 0.5))
        self.max_idf = math.log(1 + (self.n + 0.5) / 0.5)
        self.speller = Speller(surface, false_starts)
        self._csr: Any = None  # the score matrix by row, made on first `doc_weights`
        self.impact_indptr, self.impact_rows, self.impact_weights = (
            impact if impact is not None else self._impact_lists())

    @classmethod
    def build(cls, texts: Sequence[str], extra: Sequence[Sequence[str]] | None = None) -> BM25:
        """Index `texts`; `extra`, when given, adds terms to each (the alias groups it mentions)."""
        builder = LexicalBuilder()
        for i, text in enumerate(texts):
            builder.add(text, extra[i] if extra else ())
        return builder.finish()

    def save(self, folder: Path) -> list[Path]:
        """Write the lexical index into `folder`; returns the files written."""
        folder.mkdir(parents=True, exist_ok=True)
        if self.engine is not None:
            self.engine.save(folder, show_progress=False)
        np.save(folder / "impact_indptr.npy", self.impact_indptr)
        np.save(folder / "impact_rows.npy", self.impact_rows)
        np.save(folder / "impact_weights.npy", self.impact_weights)
        np.save(folder / "doc_indptr.npy", self.doc_indptr)
        np.save(folder / "doc_indices.npy", self.doc_indices)
        (folder / "surface.json").write_text(json.dumps(self.speller.surface, ensure_ascii=False),
                                             encoding="utf-8")
        (folder / "false_starts.json").write_text(json.dumps(sorted(self.speller.false_starts)),
                                                  encoding="utf-8")
        return sorted(p for p in folder.iterdir() if p.is_file())

    @classmethod
    def load(cls, folder: Path) -> BM25:
        """Memory-map a saved lexical index."""
        import bm25s

        engine = None
        if (folder / "params.index.json").exists():
            engine = bm25s.BM25.load(folder, mmap=True, show_progress=False, verbosity=0)
        indptr = np.load(folder / "doc_indptr.npy", mmap_mode="r", allow_pickle=False)
        indices = np.load(folder / "doc_indices.npy", mmap_mode="r", allow_pickle=False)
        surface = json.loads((folder / "surface.json").read_text(encoding="utf-8"))
        starts = folder / "false_starts.json"  # indexes before calibration 14 lack it
        false_starts = json.loads(starts.read_text(encoding="utf-8")) if starts.exists() else []
        impact = tuple(np.asarray(np.load(folder / f"impact_{name}.npy", mmap_mode="r", allow_pickle=False))
                       for name in ("indptr", "rows", "weights"))
        return cls(engine, np.asarray(indptr), np.asarray(indices), surface, impact,  # type: ignore[arg-type]
                   false_starts)

    def _impact_lists(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per term (CSR: `indptr`, then rows and their weights), its `IMPACT_DEPTH`
        highest-weighted passages, sorted by row; empty for terms held by fewer passages (their
        postings are short)."""
        if self.engine is None:
            return np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
        m = self.engine.scores
        indptr = np.asarray(m["indptr"])
        df = np.diff(indptr)
        lengths = np.where(df > IMPACT_DEPTH, IMPACT_DEPTH, 0)
        out = np.zeros(int(lengths.sum()), dtype=np.int32)
        weights = np.zeros(len(out), dtype=np.float32)
        at = 0
        for tid in np.flatnonzero(lengths):
            lo, hi = int(indptr[tid]), int(indptr[tid + 1])
            data = np.asarray(m["data"][lo:hi])
            best = np.sort(np.argpartition(-data, IMPACT_DEPTH - 1)[:IMPACT_DEPTH])  # by row
            out[at : at + IMPACT_DEPTH] = np.asarray(m["indices"][lo:hi])[best]
            weights[at : at + IMPACT_DEPTH] = data[best]
            at += IMPACT_DEPTH
        return np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64), out, weights

    def knows(self, term: str) -> bool:
        """Whether any passage holds `term`."""
        return term in self.vocab

    def df(self, term: str) -> int:
        """How many passages hold `term`."""
        i = self.vocab.get(term)
        return 0 if i is None else int(self.engine.scores["indptr"][i + 1] - self.engine.scores["indptr"][i])

    def postings(self, term: str) -> np.ndarray:
        """The rows of the passages that hold `term`, sorted."""
        i = self.vocab.get(term)
        if i is None or self.engine is None:
            return np.zeros(0, dtype=np.int64)
        indptr = self.engine.scores["indptr"]
        return np.asarray(self.engine.scores["indices"][indptr[i] : indptr[i + 1]])

    def idf(self, term: str) -> float | None:
        i = self.vocab.get(term)
        return None if i is None else float(self._idf[i])

    def doc_terms(self, i: int) -> frozenset[str]:
        """The terms of passage `i`."""
        return frozenset(self._terms[self.doc_indices[self.doc_indptr[i] : self.doc_indptr[i + 1]]])

    def correct(self, word: str) -> str | None:
        """The corpus term a misspelt query word most likely meant, or None."""
        return self.speller.correct(word)

    @lru_cache(maxsize=8192)  # noqa: B019 - one instance per loaded index
    def phrase_terms(self, text: str) -> tuple[str, ...]:
        """`query_terms` of a short phrase (an alias), cached: the same few recur."""
        return tuple(self.query_terms(text))

    def query_terms(self, text: str) -> list[str]:
        """Stemmed content terms, each unknown one replaced by its spelling correction if any."""
        return self.analyse(text)[0]

    def analyse(self, text: str) -> tuple[list[str], list[str]]:
        """The query's terms (as `query_terms`) and, in the same pass, its content words the
        corpus lacks even after spelling correction."""
        out, unknown = [], []
        meant = [x for said in words(text) for x in (words(SHORTHAND[said]) if said in SHORTHAND else [said])]
        for w in meant:
            if w in STOPWORDS or len(w) < 2:
                continue
            t = stem(w)
            if t not in self.vocab and misspelt_stopword(w):
                continue
            if t not in self.vocab:
                fixed = self.correct(w)
                if fixed is None and len(w) > 2 and not w.isdigit() and w not in CONTRACTIONS:
                    unknown.append(w)
                t = fixed or t
            out.append(t)
        return out, unknown

    def weight(self, term: str) -> float:
        """A term's idf; a term the corpus lacks weighs as much as the rarest known one."""
        idf = self.idf(term)
        return self.max_idf if idf is None else idf

    def coverage(self, query_terms: Sequence[str]) -> float:
        """IDF-weighted share of the query's terms that occur in the corpus at all (0..1)."""
        terms = set(query_terms)
        if not terms:
            return 0.0
        total = sum(self.weight(t) for t in terms)
        return sum(self.weight(t) for t in terms if t in self.vocab) / total if total else 0.0

    def concept_coverage(self, concepts: Sequence[frozenset[str]],
                         unknown: Sequence[str] | None = None) -> float:
        """IDF-weighted share of the question's concepts the corpus knows at all; a concept
        weighs as its rarest known member. An unknown one weighs as the rarest possible term,
        times, when the question's `unknown` words (as `analyse` gives them) are passed, the
        word's everyday specificity: "wear" less than "lasagna", as only rare words say the
        question is about something else; a short token or number ("hw") is noise: nothing."""
        shares = None if unknown is None else {stem(w): rarity(w) for w in unknown}
        weights = [max((w for t in c if (w := self.idf(t)) is not None), default=None) for c in concepts]
        total = sum(w if w is not None else self.max_idf if shares is None
                    else self.max_idf * max((shares.get(t, 0.0) for t in c), default=0.0)
                    for c, w in zip(concepts, weights, strict=True))
        known = sum(w for w in weights if w is not None)
        return known / total if total else 0.0

    def concept_weights(self, concepts: Sequence[frozenset[str]]) -> list[tuple[frozenset[str], float]]:
        """The question's concepts the corpus knows (a concept is a term with its aliases),
        each with the idf of its rarest member."""
        return [(c, max(self.idf(t) or 0.0 for t in c)) for c in concepts
                if any(t in self.vocab for t in c)]

    def concept_cover(self, concepts: Sequence[frozenset[str]],
                      within: frozenset[str]) -> tuple[float, float]:
        """How well one text covers the question's known concepts: the idf-weighted share it
        holds, and the weight of the most specific one it lacks relative to the rarest
        possible. Unknown terms are left to `concept_coverage`."""
        known = [(w, bool(c & within)) for c, w in self.concept_weights(concepts)]
        total = sum(w for w, _ in known)
        cover = sum(w for w, held in known if held) / total if total else 0.0
        gone = max((w for w, held in known if not held), default=0.0)
        return cover, gone / self.max_idf if self.max_idf else 0.0

    def ceiling(self, query_terms: Sequence[str]) -> float:
        """An upper bound of `scores` for these terms: every known term, saturated."""
        return sum(self.idf(t) or 0.0 for t in set(query_terms))

    def term_ids(self, query_terms: Sequence[str]) -> list[int]:
        """The vocabulary ids of the known terms, each once, sorted (the order scores add up in)."""
        return sorted({self.vocab[t] for t in query_terms if t in self.vocab})

    def scores(self, query_terms: Sequence[str]) -> np.ndarray:
        """Each passage's BM25 score for the (deduplicated) terms; Lucene's form, without the
        constant (k1 + 1), so `ceiling` bounds it."""
        return self.scores_by_id(self.term_ids(query_terms))

    def scores_by_id(self, term_ids: Sequence[int]) -> np.ndarray:
        """`scores` for vocabulary ids (as `term_ids` gives them)."""
        if not term_ids or self.engine is None:
            return np.zeros(self.n, dtype=np.float32)
        return np.asarray(self.engine.get_scores(list(term_ids)), dtype=np.float32)

    def top(self, term_ids: Sequence[int], k: int) -> np.ndarray:
        """Up to `k` rows with the highest scores for these ids, best first (ties to the lower
        row), only rows holding one of them. Exact up to `EXACT_MAX` passages; beyond, the
        candidates are the terms' impact lists (and rare terms' whole postings), ranked by the
        weights those lists hold, and the best `RESCORE * k` are scored exactly: the cost follows
        the question's terms, not the corpus."""
        if self.engine is None or not term_ids:
            return np.zeros(0, dtype=np.int64)
        if self.n <= EXACT_MAX:
            scores = self.scores_by_id(term_ids)
            best = top_k(scores, k)
            return best[scores[best] > 0]
        m = self.engine.scores
        rows, weights = [], []
        for tid in term_ids:
            lo, hi = int(self.impact_indptr[tid]), int(self.impact_indptr[tid + 1])
            if hi > lo:
                rows.append(self.impact_rows[lo:hi])
                weights.append(self.impact_weights[lo:hi])
            else:
                lo, hi = int(m["indptr"][tid]), int(m["indptr"][tid + 1])
                rows.append(m["indices"][lo:hi])
                weights.append(m["data"][lo:hi])
        cand, where = np.unique(np.concatenate(rows), return_inverse=True)
        listed = np.bincount(where, weights=np.concatenate(weights), minlength=len(cand))
        cand = cand[top_k(listed, RESCORE * k)].astype(np.int64)
        scores = self.scores_at(term_ids, cand)
        best = top_k(scores, k)
        return cand[best[scores[best] > 0]]

    def scores_at(self, term_ids: Sequence[int], rows: np.ndarray) -> np.ndarray:
        """`scores_by_id(term_ids)[rows]`, bit for bit, reading only these rows' postings: each
        term's column is sorted by row, so a binary search finds them."""
        out = np.zeros(len(rows), dtype=np.float32)
        if self.engine is None or not len(rows):
            return out
        m = self.engine.scores
        rows = np.asarray(rows, dtype=np.int64)
        for tid in term_ids:
            lo, hi = int(m["indptr"][tid]), int(m["indptr"][tid + 1])
            column = m["indices"][lo:hi]
            pos = np.searchsorted(column, rows)
            held = pos < hi - lo
            held[held] = column[pos[held]] == rows[held]
            out[held] += m["data"][lo + pos[held]]
        return out

    def doc_weights(self, lo: int, hi: int) -> list[dict[int, float]]:
        """Rows lo..hi as sparse vectors {term id: BM25 weight}: a passage's score for a query is
        the sum of its weights for the query's terms (what an external engine stores)."""
        if self.engine is None:
            return [{} for _ in range(lo, hi)]
        if self._csr is None:
            import scipy.sparse

            m = self.engine.scores
            shape = (self.n, len(m["indptr"]) - 1)
            self._csr = scipy.sparse.csc_matrix((m["data"], m["indices"], m["indptr"]), shape).tocsr()
        part = self._csr[lo:hi]
        return [dict(zip(part.indices[part.indptr[i] : part.indptr[i + 1]].tolist(),
                         part.data[part.indptr[i] : part.indptr[i + 1]].tolist(), strict=True))
                for i in range(hi - lo)]


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """The indices of the k highest scores, best first, ties to the lower index: the same as
    a stable full sort, in time linear in the corpus rather than n log n."""
    if k >= len(scores):
        return np.argsort(-scores, kind="stable")
    threshold = scores[np.argpartition(-scores, k - 1)[k - 1]]
    tied_or_better = np.flatnonzero(scores >= threshold)
    return tied_or_better[np.argsort(-scores[tied_or_better], kind="stable")][:k]


class _TokenIds(Sequence[list[int]]):
    """Every passage's term ids, stored flat as int32 and handed to bm25s one list at a time:
    a million passages cost 4 bytes a term instead of a Python int each."""

    def __init__(self, flat: array[int], starts: array[int]) -> None:
        self._flat = np.frombuffer(flat, dtype=np.int32) if len(flat) else np.zeros(0, np.int32)
        self._starts = np.frombuffer(starts, dtype=np.int64)

    def __len__(self) -> int:
        return len(self._starts) - 1

    def __getitem__(self, i: int) -> list[int]:  # type: ignore[override]
        return self._flat[self._starts[i] : self._starts[i + 1]].tolist()

    def __iter__(self) -> Iterator[list[int]]:
        return (self[i] for i in range(len(self)))


class LexicalBuilder:
    """Builds a `BM25` one passage at a time (the index build streams its passages through it)."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self._ids, self._starts = array("i"), array("q", [0])
        self._unique, self._unique_starts = array("i"), array("q", [0])
        self.surface: dict[str, str] = {}

    def add(self, text: str, extra: Sequence[str] = ()) -> None:
        ids = [self.vocab.setdefault(t, len(self.vocab)) for t in (*terms(text), *extra)]
        self._ids.extend(ids)
        self._starts.append(len(self._ids))
        self._unique.extend(sorted(set(ids)))
        self._unique_starts.append(len(self._unique))
        for w in words(text):
            if w not in STOPWORDS and len(w) > 3:
                self.surface.setdefault(w, stem(w))

    def finish(self, encode: Callable[[list[str]], np.ndarray] | None = None,
               false_starts: Sequence[str] | None = None) -> BM25:
        """The index. With `encode` (the model), the everyday words that only look like the
        start of a corpus word are found (`spelling.false_starts`); or pass them as kept."""
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs each build at DEBUG
        engine = None
        if len(self._starts) > 1:
            engine = bm25s.BM25(k1=BM25.K1, b=BM25.B, method="lucene")
            ids = _TokenIds(self._ids, self._starts)
            engine.index(bm25s.tokenization.Tokenized(ids=ids, vocab=self.vocab),
                         show_progress=False)
        indptr = np.array(self._unique_starts, dtype=np.int64)
        indices = np.array(self._unique, dtype=np.int32)
        if false_starts is None and encode is not None:
            readings = Speller(self.surface).prefix_readings(lambda w: stem(w) in self.vocab)
            false_starts = spelling_false_starts(readings, encode)
        return BM25(engine, indptr, indices, self.surface, false_starts=false_starts or ())
