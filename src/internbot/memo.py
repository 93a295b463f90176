"""Answers to questions asked before: a FAQ's visitors ask the same few questions in the same
words, and the engine answers a question the same way each time (docs/quality.md, item 45), so
a repeat skips the model and the search (docs/benchmarks.md, nineteenth session)."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from cachetools import LRUCache

from internbot.records import Answer, Query

#: What an answer depends on besides the index: the question, the chat's earlier questions
#: and the page the widget sits on.
Key = tuple[str, tuple[str, ...], str | None]


def key(query: Query, doc_id: str | None) -> Key:
    return (query.question, query.history, doc_id)


class AnswerMemo:
    """The `size` most recently used answers, safe to share between threads; size 0 keeps none."""

    def __init__(self, size: int) -> None:
        self._answers: LRUCache[Key, Answer] | None = LRUCache(size) if size > 0 else None
        self._lock = threading.Lock()
        self.hits = 0

    def recall(self, keys: Sequence[Key]) -> list[Answer | None]:
        """The kept answer of each key, or None."""
        if self._answers is None:
            return [None] * len(keys)
        with self._lock:
            found = [self._answers.get(k) for k in keys]
            self.hits += sum(a is not None for a in found)
        return found

    def keep(self, keys: Sequence[Key], answers: Sequence[Answer]) -> None:
        if self._answers is None:
            return
        with self._lock:
            for k, answer in zip(keys, answers, strict=True):
                self._answers[k] = answer

    def __len__(self) -> int:
        return len(self._answers) if self._answers is not None else 0
