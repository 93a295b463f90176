"""Aliases: words and phrases that name the same thing ("ML" and "machine learning").

A small built-in table of career-site vocabulary, extended by the site owner's
`synonyms.txt` in the corpus folder (one group a line, members separated by commas, `#` starts
a comment), like the alterations of FAQ services. A question mentioning one member is also
searched with the others, lexically and in the query's embedding.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from internbot.corpus import SYNONYMS_FILE, synonyms_text

log = logging.getLogger(__name__)

#: Bump with any change to BUILT_IN: an index holds its groups as BM25 terms, so one built with
#: another table is rebuilt (`indexing.is_current`); `tests/test_aliases.py` pins the table.
BUILT_IN_VERSION = 1
#: General vocabulary of career guides; a corpus's own file adds to it.
BUILT_IN: tuple[tuple[str, ...], ...] = (
    ("ml", "machine learning"),
    ("ai", "artificial intelligence"),
    ("nlp", "natural language processing"),
    ("cs", "computer science"),
    ("phd", "ph.d", "doctorate", "doctoral"),
    ("masters", "master's degree", "graduate school", "grad school"),
    ("meta", "facebook"),
    ("cv", "resume", "résumé"),
    ("gpa", "grades"),
    ("swe", "software engineer"),
    ("startup", "own company", "entrepreneurship"),
    ("salary", "pay", "paid", "compensation", "stipend"),
)

_TOKEN = re.compile(r"[a-z0-9]+(?:[.'’][a-z0-9]+)*")


def tokens(text: str) -> tuple[str, ...]:
    return tuple(t.replace("’", "'").removesuffix("'s") for t in _TOKEN.findall(text.lower()))


def read_synonyms(corpus_dir: Path) -> list[tuple[str, ...]]:
    """The groups of `corpus_dir/synonyms.txt`, or none when the file is absent."""
    return parse_synonyms(synonyms_text(corpus_dir), Path(corpus_dir) / SYNONYMS_FILE)


def parse_synonyms(text: str, path: Path | str = SYNONYMS_FILE) -> list[tuple[str, ...]]:
    """Groups from the text of a synonyms file (`path` only names it in warnings)."""
    groups = []
    for n, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        members = tuple(dict.fromkeys(m.strip().lower() for m in line.split(",") if m.strip()))
        if len(members) < 2:
            log.warning("%s line %d: a group needs two or more members, skipped", path, n)
            continue
        groups.append(members)
    return groups


class Aliases:
    """Finds alias phrases in a question and returns the other members of their groups."""

    def __init__(self, groups: Iterable[Sequence[str]] = BUILT_IN) -> None:
        self.groups = [tuple(g) for g in groups]
        self._phrases: dict[tuple[str, ...], set[int]] = {}
        for i, group in enumerate(self.groups):
            for member in group:
                key = tokens(member)
                if key:
                    self._phrases.setdefault(key, set()).add(i)
        self._longest = max((len(k) for k in self._phrases), default=0)

    def _spans(self, text: str) -> Iterator[tuple[tuple[str, ...], int]]:
        """Each alias phrase in the text (as tokens) with its group, in reading order."""
        words = tokens(text)
        for start in range(len(words)):
            for size in range(1, min(self._longest, len(words) - start) + 1):
                key = words[start : start + size]
                for i in sorted(self._phrases.get(key, ())):
                    yield key, i

    def groups_in(self, text: str) -> list[str]:
        """A term for each alias group the text mentions (`alias:3`), however it says it: an
        abbreviation and its long form then share one term, weighted as the group is common."""
        return [f"alias:{i}" for _, i in self._spans(text)]

    def matches(self, text: str) -> list[tuple[str, list[str]]]:
        """Each alias phrase the text says, with the other members of its groups."""
        return [(" ".join(key), [m for m in self.groups[i] if tokens(m) != key])
                for key, i in self._spans(text)]

    def expansions(self, text: str) -> list[str]:
        """Members of every group the text mentions, other than those it already says."""
        found = self.matches(text)
        said = {phrase for phrase, _ in found}
        out: list[str] = []
        for _, others in found:
            out.extend(m for m in others if " ".join(tokens(m)) not in said and m not in out)
        return out
