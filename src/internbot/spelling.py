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
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Any

import numpy as np

from internbot.tokens import specificity

#: A candidate must be at least this similar (difflib's ratio) to replace the word.
CUTOFF = 0.85
#: An everyday English word (`specificity` under this) read as the start of a longer corpus
#: word must mean nearly the same: "meet" → "meetups" (cosine 0.78), not "free" → "freelancers"
#: (0.26) or "soft" → "software" (0.28). Both set before measuring: docs/quality.md, item 50.
EVERYDAY = 0.5
SAME_MEANING = 0.5
#: A word at least this common in everyday English (`specificity` under it: "rust" 0.59,
#: "bread" 0.33) is the word the visitor meant, not a slip for a corpus word an edit or two
#: away ("trust", "read"); the commonest misspellings score above it ("definately" 0.88).
TYPED_AS_MEANT = 0.85


class Speller:
    """Maps a misspelt or partial word to a corpus term (the stem of a corpus word)."""

    def __init__(self, surface: dict[str, str], false_starts: Iterable[str] = ()) -> None:
        #: Each corpus word (longer than three letters) with its stem.
        self.surface = surface
        #: Everyday words that only look like the start of a corpus word (`false_starts`).
        self.false_starts = frozenset(false_starts)
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
        if word not in self.false_starts and (longer := self._longer(word)):
            return self.surface[longer]
        # A longer form of a corpus word: "afterwards" → "after".
        shorter = [word[:k] for k in range(len(word), 3, -1) if word[:k] in self.surface]
        return self.surface[shorter[0]] if shorter else None

    def _longer(self, word: str) -> str | None:
        """The shortest corpus word that starts with `word` (and is longer), if any."""
        start = bisect.bisect_left(self._sorted, word)
        longer = [w for w in itertools.takewhile(lambda w: w.startswith(word),
                                                 itertools.islice(self._sorted, start, None))
                  if w != word]
        return min(longer, key=len) if longer else None

    def prefix_readings(self, known: Callable[[str], bool]) -> dict[str, str]:
        """Everyday words the corpus lacks (`known` is false) that `correct` would read as the
        start of a longer corpus word: each with that word ("free" → "freelancers")."""
        out: dict[str, str] = {}
        seen: set[str] = set()
        for word in self._sorted:
            for k in range(4, len(word)):
                start = word[:k]
                if start in seen:
                    continue
                seen.add(start)
                if start.isalpha() and start not in self.surface \
                        and specificity(start) < EVERYDAY and not known(start):
                    longer = self._longer(start)
                    if longer is not None:
                        out[start] = longer
        return out

    def _closest(self, word: str) -> str | None:
        """The most similar corpus word within two edits, if similar enough; none for an
        everyday English word (`TYPED_AS_MEANT`): the corpus lacks it, which is evidence."""
        if specificity(word) < TYPED_AS_MEANT:
            return None
        from symspellpy import Verbosity

        found = self._symspell().lookup(word, Verbosity.ALL, max_edit_distance=2,
                                        transfer_casing=False)
        scored = [(difflib.SequenceMatcher(None, s.term, word).ratio(), s.term) for s in found]
        best = max(scored, default=None)
        if best is not None and best[0] >= CUTOFF:
            return best[1]
        # Two neighbouring letters swapped ("itnern", "oepnai") is the commonest slip of all,
        # but in a short word difflib rates it under the cutoff (0.83 for six letters).
        # A real word ("casual" for "causal") is taken as typed.
        swapped = [s.term for s in found if is_transposition(word, s.term)]
        return swapped[0] if len(swapped) == 1 and specificity(word) >= 1.0 else None

    @lru_cache(maxsize=4096)  # noqa: B019 - one instance per loaded index
    def respelt(self, word: str) -> str | None:
        """The corpus word a misspelt `word` meant, found by edit distance only (no stems or
        abbreviations): what may replace it in the text that is embedded."""
        return self._closest(word) if len(word) >= 4 and not word.isdigit() else None


def false_starts(readings: Mapping[str, str], encode: Callable[[list[str]], np.ndarray],
                 same: float = SAME_MEANING) -> list[str]:
    """The words of `prefix_readings` whose reading means something else: the model's cosine
    between the word and the corpus word it would become is under `same`. Sorted."""
    if not readings:
        return []
    starts = sorted(readings)
    vectors = encode([*starts, *(readings[s] for s in starts)])
    cosines = np.einsum("ij,ij->i", vectors[: len(starts)], vectors[len(starts):])
    return [s for s, c in zip(starts, cosines, strict=True) if c < same]


def is_transposition(typed: str, word: str) -> bool:
    """True if `typed` is `word` with one pair of neighbouring letters swapped."""
    if len(typed) != len(word) or typed == word:
        return False
    diff = [i for i, (a, b) in enumerate(zip(typed, word, strict=True)) if a != b]
    return (len(diff) == 2 and diff[1] == diff[0] + 1
            and typed[diff[0]] == word[diff[1]] and typed[diff[1]] == word[diff[0]])


#: How many of the commonest English words `english` corrects to (down to Zipf ~3).
ENGLISH_WORDS = 30_000


@lru_cache(maxsize=8192)  # asked for each unknown word by coverage, rarity and respelling
def english(word: str) -> str | None:
    """The common English word a word no dictionary knows is one slip away from ("backgrond",
    "dfeine"), the commonest if several: a question's typo the corpus cannot correct, since
    the corpus lacks the word too. A rare or unseen word nothing is close to stays itself."""
    if len(word) < 5 or not word.isalpha() or specificity(word) < 1.0:  # "smth" is no "smith"
        return None
    from symspellpy import Verbosity

    found = _english().lookup(word, Verbosity.TOP, max_edit_distance=1, transfer_casing=False)
    return found[0].term if found else None


def rarity(word: str) -> float:
    """`specificity` of the word a typed word meant: a misspelt everyday word is no rare one."""
    return specificity(english(word) or word)


@lru_cache(maxsize=1)
def _english() -> Any:
    from symspellpy import SymSpell
    from wordfreq import top_n_list, zipf_frequency

    index = SymSpell(max_dictionary_edit_distance=1, prefix_length=7)
    for w in top_n_list("en", ENGLISH_WORDS):
        if len(w) >= 4 and w.isalpha():
            index.create_dictionary_entry(w, int(zipf_frequency(w, "en") * 100))
    return index
