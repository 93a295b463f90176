"""A passage cut to the sentences that answer: the best sentence by cosine, or by the
question's words where the cosine lags, with the sentences leaning on it, then its most
similar neighbours while the answer stays short."""

from __future__ import annotations

import numpy as np

from internbot.records import Chunk
from internbot.retriever import Concepts, Retriever
from internbot.shaping import Policy, refers_back
from internbot.tokens import term_set

#: A sentence referring back to a kept one is kept with it up to this long.
FOLLOWER_CHARS = 250


class Trimmer:
    """Cuts a passage to its answering sentences, as `Policy` allows."""

    def __init__(self, retriever: Retriever, policy: Policy) -> None:
        self.retriever = retriever
        self.policy = policy

    def trim(self, chunk: Chunk, vector: np.ndarray, concepts: Concepts, room: int | None = None) -> str:
        """The sentences that answer: drop those clearly less relevant than the best one.

        Sentence scores within one passage are close and noisy, so only sentences well below
        the best are dropped; a labelled passage keeps its first sentence, which names it. When
        what is kept overflows `room` (the bubble), the least similar go first, never the best
        sentences, so cutting the text to fit never cuts what answers. The answer then grows by
        its most similar neighbours while it fits `Policy.trim_budget`, and a sentence lying
        between two kept ones goes back in while it fits `room`. A passage is trimmed when it
        is longer than `Policy.trim_above` or than `room`.
        """
        sentences = list(chunk.sentences)
        fits = len(chunk.text) <= self.policy.trim_above and (room is None or len(chunk.text) <= room)
        if not self.policy.trim or fits or len(sentences) <= 1:
            return chunk.text
        sims = self.sentence_sims(chunk, vector)
        best = int(np.argmax(sims))
        keep = {j for j, s in enumerate(sims) if s >= sims[best] - self.policy.trim_margin}
        # The sentence that also holds the question's words is kept even if its cosine lags.
        named = int(np.argmax(self.sentence_scores(chunk, sims, concepts)))
        keep.add(named)
        protected = {best, named}
        if chunk.kind in ("bullet", "item") and chunk.label:
            keep.add(0)
            protected.add(0)
        # A kept sentence that leans on the one before ("It was commissioned by…") keeps it.
        keep |= {j - 1 for j in keep if j > 0 and refers_back(sentences[j])}
        # And one that goes on about a kept sentence ("This is called immune surveillance.")
        # comes before other neighbours: it is that sentence's own continuation.
        keep |= {j + 1 for j in sorted(keep) if j + 1 < len(sentences) and refers_back(sentences[j + 1])
                 and len(sentences[j + 1]) <= FOLLOWER_CHARS}
        # Over the bubble's room, the least similar kept sentences go, never a protected one.
        size = sum(len(sentences[j]) + 1 for j in keep)
        while room is not None and size > room and (spare := keep - protected):
            worst = min(spare, key=lambda j: sims[j])
            keep.discard(worst)
            size -= len(sentences[worst]) + 1
        # Then the answer grows by neighbours, best first, while it stays short: the fact asked
        # for is often the sentence beside the one most similar to the question.
        budget = self.policy.trim_budget if room is None else min(self.policy.trim_budget, room)
        while True:
            around = {j + d for j in keep for d in (-1, 1)} - keep
            around = {j for j in around if 0 <= j < len(sentences) and size + len(sentences[j]) <= budget}
            if not around:
                break
            pick = max(around, key=lambda j: sims[j])
            keep.add(pick)
            size += len(sentences[pick]) + 1
        # A sentence between two kept ones goes back in while the bubble has room (beyond the
        # budget: within it, growing has already taken every neighbour that fits): the passage
        # then reads as written, and the skipped one is often the fact ("Google … is often
        # considered a leader." between "Several companies…" and "Additionally, …").
        if room is not None:
            for j in sorted(set(range(min(keep), max(keep))) - keep, key=lambda j: -sims[j]):
                if size + len(sentences[j]) + 1 <= room:
                    keep.add(j)
                    size += len(sentences[j]) + 1
        return " ".join(sentences[j] for j in sorted(keep))

    def sentence_sims(self, chunk: Chunk, vector: np.ndarray) -> np.ndarray:
        position = self.retriever.position(chunk)
        return self.retriever.index.chunk_sentence_vectors(position) @ vector

    def sentence_scores(self, chunk: Chunk, sims: np.ndarray, concepts: Concepts) -> np.ndarray:
        """Each sentence's cosine with the question (`sims`) plus a weighted share of the
        question's concepts it holds, each weighing as its corpus idf times how few of the
        passage's sentences hold it: the sentence naming what was asked wins a near tie
        (docs/quality.md, item 49)."""
        bm25, weight = self.retriever.bm25, self.retriever.weights.lexical
        if not weight or not concepts:
            return sims
        held = [term_set(s) for s in chunk.sentences]
        # A concept weighs as its rarest term in the corpus, times how few of the passage's
        # sentences say it: the passage's subject ("Iqbal") is in many, what was asked of it
        # ("critic") in one.
        weights = [(c, w * np.log1p(len(held) / max(sum(bool(c & h) for h in held), 1)))
                   for c, w in bm25.concept_weights(concepts)]
        total = sum(w for _, w in weights)
        if not total:
            return sims
        cover = [sum(w for c, w in weights if c & h) / total for h in held]
        return sims + weight * np.asarray(cover, dtype=sims.dtype)
