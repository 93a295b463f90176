"""Typo correction against a corpus's own words, without scanning its vocabulary.

Candidates within two edits come from a symmetric-delete index (symspellpy), built on the first
word that needs it; they are then ranked by difflib's similarity ratio, as before this index
existed, so corrections stay the same while their cost no longer grows with the vocabulary.
"""

from __future__ import annotations

import bisect
import difflib
import itertools
import threading
from functools import lru_cache
from typing import Any

#: A candidate must be at least this similar (difflib's ratio) to replace the word.
CUTOFF = 0.85


class Speller:
    """Maps a misspelt or partial word to a corpus term (the stem of a corpus word)."""

    def __init__(self, surface: dict[str, str]) -> None:
        #: Each corpus word (longer than three letters) with its stem.
        self.surface = surface
        self._sorted = sorted(surface)
        self._index: Any = None
        self._lock = threading.Lock()

    def _symspell(self) -> Any:
        if self._index is None:
            with self._lock:
                if self._index is None:
                    from symspellpy import SymSpell

                    index = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
                    for word in self._sorted:
                        index.create_dictionary_entry(word, 1)
                    self._index = index
        return self._index

    @lru_cache(maxsize=4096)  # noqa: B019 - one instance per loaded index
    def correct(self, word: str) -> str | None:
        if len(word) < 4 or word.isdigit():
            return None
        close = self._closest(word)
        if close is not None:
            return self.surface[close]
        # An abbreviation or word stem: "math" → "mathematics", "meet" → "meetups".
        start = bisect.bisect_left(self._sorted, word)
        longer = list(itertools.takewhile(lambda w: w.startswith(word),
                                          itertools.islice(self._sorted, start, None)))
        if longer:
            return self.surface[min(longer, key=len)]
        # A longer form of a corpus word: "afterwards" → "after".
        shorter = [word[:k] for k in range(len(word), 3, -1) if word[:k] in self.surface]
        return self.surface[shorter[0]] if shorter else None

    def _closest(self, word: str) -> str | None:
        """The most similar corpus word within two edits, if similar enough."""
        from symspellpy import Verbosity

        found = self._symspell().lookup(word, Verbosity.ALL, max_edit_distance=2,
                                        transfer_casing=False)
        scored = [(difflib.SequenceMatcher(None, s.term, word).ratio(), s.term) for s in found]
        best = max(scored, default=None)
        return best[1] if best is not None and best[0] >= CUTOFF else None
