"""Late interaction: the question's word vectors against each candidate passage's (MaxSim).

The sentence model pools a text's word vectors into one; before pooling, each word of the
question can be matched to its closest word of a passage, as ColBERT does. Each passage's
word vectors come from the same forward pass as its pooled vector, so the signal costs no
new model: `Retriever` adds it to the fused score of the best few candidates (docs/quality.md,
item 68). Stored compactly: projected on the corpus's own first principal axes (fitted at
index time), normalised, and rounded to int8 with one scale a word.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

#: Word vectors are kept in this many dimensions (the corpus's principal axes)…
PROJECTED_DIM = 128
#: …fitted on up to this many word vectors of the first passages, and only when there are at
#: least FIT_MIN of them: a tiny corpus keeps the model's own dimensions.
FIT_SAMPLE = 20_000
FIT_MIN = 2_000


def normalised(tokens: np.ndarray) -> np.ndarray:
    tokens = np.asarray(tokens, dtype=np.float32)
    return tokens / np.clip(np.linalg.norm(tokens, axis=1, keepdims=True), 1e-12, None)


@dataclass(frozen=True)
class Projection:
    """Centre, then project on `axes` (columns); identity when `axes` is None."""

    mean: np.ndarray | None = None
    axes: np.ndarray | None = None

    @classmethod
    def fit(cls, tokens: np.ndarray, dim: int = PROJECTED_DIM) -> Projection:
        """The principal axes of a sample of `tokens`, or identity for too few of them."""
        if len(tokens) < max(FIT_MIN, dim) or tokens.shape[1] <= dim:
            return cls()
        step = max(1, len(tokens) // FIT_SAMPLE)
        sample = normalised(tokens[::step]).astype(np.float64)
        mean = sample.mean(axis=0)
        _, _, vt = np.linalg.svd(sample - mean, full_matrices=False)
        return cls(mean.astype(np.float32), np.ascontiguousarray(vt[:dim].T, dtype=np.float32))

    def apply(self, tokens: np.ndarray) -> np.ndarray:
        """Word vectors as compared: normalised, projected, normalised again."""
        tokens = normalised(tokens)
        if self.axes is None or self.mean is None:
            return tokens
        return normalised((tokens - self.mean) @ self.axes)

    def to_array(self) -> np.ndarray | None:
        """One array to save: the mean as the first row, the axes after it."""
        if self.axes is None or self.mean is None:
            return None
        return np.vstack([self.mean[None, :], self.axes.T]).astype(np.float32)

    @classmethod
    def from_array(cls, data: np.ndarray | None) -> Projection:
        if data is None:
            return cls()
        return cls(np.asarray(data[0], dtype=np.float32), np.ascontiguousarray(data[1:].T, dtype=np.float32))


def quantise(tokens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 codes and one float32 scale a row (its largest magnitude over 127)."""
    scales = np.abs(tokens).max(axis=1) / 127.0 if len(tokens) else np.zeros(0, np.float32)
    scales = np.where(scales > 0, scales, 1.0).astype(np.float32)
    return np.round(tokens / scales[:, None]).astype(np.int8), scales


@dataclass(frozen=True)
class Tokens:
    """Every passage's word vectors, as the index stores them (memory-mapped)."""

    codes: np.ndarray
    scales: np.ndarray
    #: Row in `codes` where each passage's words start (length chunk_count + 1).
    offsets: np.ndarray
    projection: Projection

    def maxsim(self, q: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """For each passage row, the mean over the question's words `q` (projected: see
        `projection`) of their best cosine with one of the passage's words (0 for a passage
        or question without words)."""
        out = np.zeros(len(rows), dtype=np.float32)
        if not len(q):
            return out
        for i, row in enumerate(rows):
            lo, hi = int(self.offsets[row]), int(self.offsets[row + 1])
            if hi > lo:
                words = self.codes[lo:hi].astype(np.float32) * self.scales[lo:hi, None]
                out[i] = float((q @ words.T).max(axis=1).mean())
        return out


class TokenMemo:
    """The word vectors of recently encoded questions, by text, for the fusion that follows
    the encode (thread-safe, bounded)."""

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._items: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, texts: list[str], tokens: list[np.ndarray]) -> None:
        with self._lock:
            for text, words in zip(texts, tokens, strict=True):
                self._items[text] = words
                self._items.move_to_end(text)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def get(self, text: str) -> np.ndarray | None:
        with self._lock:
            return self._items.get(text)
