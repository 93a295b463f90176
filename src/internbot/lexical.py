"""BM25 over stemmed words, with typo correction against the corpus vocabulary.

Small and dependency-light on purpose: it runs beside FAISS on every question, and its
vocabulary also tells the answerer how much of a question the corpus can speak to at all.
"""

from __future__ import annotations

import difflib
import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import snowballstemmer

_WORD = re.compile(r"[a-z0-9]+(?:[.'’-][a-z0-9]+)*")
STOPWORDS = frozenset(
    """
    a about above all also am an and any are as at be been being below between both but by
    can could did do does doing down during each few for from had has have having he her
    here hers him his how i if in into is it its itself just me more most my no nor not now
    of off on once only or other our out over own same she should so some such than that the
    their them then there these they this those through to too under until up very was we
    were what when where which while who whom why will with would you your yours get got
    give tell know want like need much many one really thing things way ways make anything
    something kind kinds type types please also ok okay hi hello hey thanks
    """.split()  # noqa: SIM905
)

_stemmer = snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return str(_stemmer.stemWord(word))


def words(text: str) -> list[str]:
    """Lower-cased word tokens, hyphenated and dotted words also split into their parts."""
    out: list[str] = []
    for token in _WORD.findall(text.lower().replace("’", "'")):
        token = token.removesuffix("'s")
        parts = re.split(r"[.'-]", token)
        out.append(token.replace("'", ""))
        if len(parts) > 1:
            out.extend(p for p in parts if p)
    return out


def terms(text: str) -> list[str]:
    """Content terms: stemmed words without stopwords."""
    return [stem(w) for w in words(text) if w not in STOPWORDS and len(w) > 1]


@lru_cache(maxsize=65536)
def term_set(text: str) -> frozenset[str]:
    """The set of a passage sentence's terms, cached: answers score the same sentences often."""
    return frozenset(terms(text))


@lru_cache(maxsize=65536)
def specificity(word: str) -> float:
    """How rare a word is in everyday English, 0 (very common) to 1 (unseen), from wordfreq's
    Zipf scale: 5.5 and up ("people", "stuff") is 0, 2.5 and down is 1 ("lasagna" is 3.1)."""
    from wordfreq import zipf_frequency

    return min(1.0, max(0.0, (5.5 - zipf_frequency(word, "en")) / 3.0))


class BM25:
    """Okapi BM25 over a fixed list of texts, plus query-side spelling correction."""

    def __init__(self, texts: Sequence[str], k1: float = 1.2, b: float = 0.75,
                 extra: Sequence[Sequence[str]] | None = None) -> None:
        """`extra`, when given, adds terms to each text (the alias groups it mentions)."""
        self.k1, self.b = k1, b
        docs = [Counter(terms(t)) for t in texts]
        for doc, more in zip(docs, extra or [], strict=False):
            doc.update(more)
        self.n = len(docs)
        self.lengths = np.array([sum(d.values()) for d in docs], dtype=np.float32)
        self.avgdl = float(self.lengths.mean()) if self.n else 1.0
        #: Each text's set of terms, to tell which of a question's terms a passage holds.
        self.doc_terms = [frozenset(d) for d in docs]
        self.postings: dict[str, list[tuple[int, int]]] = {}
        for i, d in enumerate(docs):
            for term, tf in d.items():
                self.postings.setdefault(term, []).append((i, tf))
        self.idf = {
            t: math.log(1 + (self.n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in self.postings.items()
        }
        self.max_idf = math.log(1 + (self.n + 0.5) / 0.5)
        self.surface: dict[str, str] = {}
        for text in texts:
            for w in words(text):
                if w not in STOPWORDS and len(w) > 3:
                    self.surface.setdefault(w, stem(w))
        self._surface_list = sorted(self.surface)

    @lru_cache(maxsize=4096)  # noqa: B019 - one instance per loaded index
    def correct(self, word: str) -> str | None:
        """The corpus term a misspelt query word most likely meant, or None."""
        if len(word) < 4 or word.isdigit():
            return None
        match = difflib.get_close_matches(word, self._surface_list, n=1, cutoff=0.85)
        if match:
            return self.surface[match[0]]
        # An abbreviation or word stem: "math" → "mathematics", "meet" → "meetups".
        longer = [w for w in self._surface_list if w.startswith(word)]
        if longer:
            return self.surface[min(longer, key=len)]
        # A longer form of a corpus word: "afterwards" → "after".
        shorter = [w for w in self._surface_list if word.startswith(w) and len(w) >= 4]
        return self.surface[max(shorter, key=len)] if shorter else None

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
        for w in words(text):
            if w in STOPWORDS or len(w) < 2:
                continue
            t = stem(w)
            if t not in self.postings:
                fixed = self.correct(w)
                if fixed is None and len(w) > 2 and not w.isdigit():
                    unknown.append(w)
                t = fixed or t
            out.append(t)
        return out, unknown

    def weight(self, term: str) -> float:
        """A term's idf; a term the corpus lacks weighs as much as the rarest known one."""
        return self.idf.get(term, self.max_idf)

    def coverage(self, query_terms: Sequence[str]) -> float:
        """IDF-weighted share of the query's terms that occur in the corpus at all (0..1)."""
        terms = set(query_terms)
        if not terms:
            return 0.0
        total = sum(self.weight(t) for t in terms)
        return sum(self.weight(t) for t in terms if t in self.postings) / total if total else 0.0

    def concept_coverage(self, concepts: Sequence[frozenset[str]]) -> float:
        """IDF-weighted share of the question's concepts the corpus knows at all; a concept
        weighs as its rarest known member (an unknown one as the rarest possible term)."""
        weights = [(max((self.idf[t] for t in c if t in self.idf), default=None), c) for c in concepts]
        total = sum(self.max_idf if w is None else w for w, _ in weights)
        known = sum(w for w, _ in weights if w is not None)
        return known / total if total else 0.0

    def concept_cover(self, concepts: Sequence[frozenset[str]],
                      within: frozenset[str]) -> tuple[float, float]:
        """How well one text covers the question's known concepts (a concept is a term with its
        aliases): the idf-weighted share it holds, and the weight of the most specific one it
        lacks relative to the rarest possible. Unknown terms are left to `concept_coverage`."""
        known = [(max(self.idf.get(t, 0.0) for t in c), bool(c & within)) for c in concepts
                 if any(t in self.postings for t in c)]
        total = sum(w for w, _ in known)
        cover = sum(w for w, held in known if held) / total if total else 0.0
        gone = max((w for w, held in known if not held), default=0.0)
        return cover, gone / self.max_idf if self.max_idf else 0.0

    def ceiling(self, query_terms: Sequence[str]) -> float:
        """An upper bound of `scores` for these terms: every known term, saturated."""
        return sum(self.idf.get(t, 0.0) * (self.k1 + 1) for t in set(query_terms))

    def scores(self, query_terms: Sequence[str]) -> np.ndarray:
        out = np.zeros(self.n, dtype=np.float32)
        for term in set(query_terms):
            idf = self.idf.get(term)
            if idf is None:
                continue
            for i, tf in self.postings[term]:
                norm = tf + self.k1 * (1 - self.b + self.b * self.lengths[i] / self.avgdl)
                out[i] += idf * tf * (self.k1 + 1) / norm
        return out
