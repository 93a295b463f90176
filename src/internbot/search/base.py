"""The search backend interface: candidate rows for a batch of query vectors and for a query's
BM25 terms."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np


class SearchBackend(ABC):
    """Proposes candidate passages (rows of the index); the retriever scores them."""

    #: Shown in `/readyz` and the logs.
    name: str = "search"

    @abstractmethod
    def dense(self, vectors: np.ndarray, k: int) -> np.ndarray:
        """For each query vector, the rows of its `k` nearest passages by inner product, best
        first, padded with -1: shape (len(vectors), k)."""

    @abstractmethod
    def lexical(self, term_ids: Sequence[int], k: int) -> np.ndarray:
        """Up to `k` rows with the highest BM25 score for these vocabulary ids (each counted
        once), best first; only rows that hold at least one of them."""

    def healthy(self) -> bool:
        """Whether searches can run now (in process they always can)."""
        return True

    def close(self) -> None:  # noqa: B027 - an optional hook: in process there is nothing to do
        """Release connections."""
