"""Heading levels for plain text, which loses them: each pass reads one cue a guide's layout
leaves (numbered sections, Title Case against sentence case, steps a paragraph announces, a
sub-heading repeated under every topic) and moves headings up or down by it."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from internbot.parsing import Block


def outline(blocks: list[Block], numbers: dict[int, int]) -> list[Block]:
    """Every pass, in order; `numbers` maps a numbered heading's block index to its number."""
    return nest_repeated(nest_announced(case_outline(numbered_spine(blocks, numbers))))


#: Short words a Title Case heading leaves lower case ("Contribute to Open Source Projects").
_SMALL = frozenset({"a", "an", "and", "as", "at", "but", "by", "for", "from", "in", "into", "nor", "of",
                    "on", "or", "over", "per", "the", "to", "up", "via", "vs", "with"})


def heading_case(text: str) -> str:
    """"title" (every word of four letters or more capitalised after the first), "sentence"
    (one of them lower case), or "" (too few such words to tell)."""
    rest = [w for w in re.findall(r"[A-Za-z][\w'’]*", text)[1:] if len(w) >= 4 and w.lower() not in _SMALL]
    if not rest:
        return ""
    if all(w[0].isupper() for w in rest):
        return "title"
    return "sentence" if any(w[0].islower() for w in rest) else ""


def case_outline(blocks: list[Block]) -> list[Block]:
    """Nest sentence-case headings under the Title Case ones of a plain-text guide.

    Plain text loses heading levels, but many guides keep their house style: sections in Title
    Case ("Contribute to Open Source Projects"), subsections in sentence case ("How to get
    involved with open source"). When a document's plain headings are both, at least
    CASE_OUTLINE_MIN of each, and the first is Title Case, a sentence-case heading after a Title
    Case one moves one level down, and with it the entries and list titles under it.
    """
    case = {i: heading_case(b.text) for i, b in enumerate(blocks) if b.kind == "heading" and b.level == 1}
    known = [c for c in case.values() if c]
    if (not known or known[0] != "title" or known.count("title") < CASE_OUTLINE_MIN
            or known.count("sentence") < CASE_OUTLINE_MIN):
        return blocks
    out, nested = list(blocks), False
    for i, b in enumerate(blocks):
        if i in case:  # a plain heading: a sentence-case one nests, and an undecided one after it
            nested = case[i] == "sentence" or (nested and not case[i])
            if nested:
                out[i] = replace(b, level=2)
        elif nested and b.kind == "heading" and b.level:
            out[i] = replace(b, level=b.level + 1)
    return out


def nest_announced(blocks: list[Block]) -> list[Block]:
    """Nest the steps a section announces under it.

    Plain text loses the level of "Use a Professional Headshot" under "How to Craft an
    Impressive LinkedIn Portfolio", whose text ends "…to building a stellar LinkedIn portfolio:".
    When a section's last paragraph (captions aside) ends with a colon and at least
    ANNOUNCED_MIN headings of its level follow, each over one or two paragraphs only, those
    headings move one level down: the run ends at the first over more, or over a list."""
    out = list(blocks)
    heads = [i for i, b in enumerate(blocks) if b.kind == "heading" and b.level]
    ends = [*heads[1:], len(blocks)] if heads else []
    for n, (head, end) in enumerate(zip(heads, ends, strict=True)):
        said = [b for b in blocks[head + 1 : end] if b.kind == "paragraph" and not _caption(b.text)]
        if not said or not said[-1].text.endswith(":") or blocks[end - 1].kind == "bullet":
            continue
        run = []
        for step, step_end in zip(heads[n + 1 :], ends[n + 1 :], strict=True):
            body = blocks[step + 1 : step_end]
            if (blocks[step].level != blocks[head].level or blocks[step].list_title
                    or not 1 <= len(body) <= 2 or any(b.kind != "paragraph" for b in body)):
                break
            run.append(step)
        if len(run) >= ANNOUNCED_MIN:
            for step in run:
                out[step] = replace(blocks[step], level=blocks[step].level + 1)
    return out


def _caption(line: str) -> bool:
    """A short line without a full stop: an image's caption or alt text, not prose."""
    return len(line.split()) <= 6 and not line.rstrip().endswith((".", ":", "!", "?"))


#: Steps a section must announce before they are read as nested under it.
ANNOUNCED_MIN = 3


def numbered_spine(blocks: list[Block], numbers: dict[int, int]) -> list[Block]:
    """Promote numbered headings that are the document's own sections.

    "1. Google AI Residency:" is usually an entry within a section (level 2). But when the
    longest run of consecutively numbered headings has plain headings between its members
    ("2. Internship vs a Job", "Benefits of Internships", "3. Why Pursue…"), the numbers are the
    outline: they become level 1 and every heading from the first of them on moves one level down.
    """
    chains: list[list[int]] = []
    for at, n in numbers.items():
        # The latest chain first: "14. Web Development" goes on the skills list at 13 that it
        # follows, not the document's sections, also at 13; the next "14." then goes on those.
        latest = sorted(chains, key=lambda c: -c[-1])
        chain = next((c for step in (1, 2) for c in latest if numbers[c[-1]] == n - step), None)
        if chain is None:
            chains.append([at])
        else:
            chain.append(at)
    spine = max(chains, key=len, default=[])
    if len(spine) < 3 or not any(b.kind == "heading" and b.level == 1 and i not in numbers
                                 for i, b in enumerate(blocks[spine[0] : spine[-1]], spine[0])):
        return blocks
    members = set(spine)
    return [replace(b, level=1) if i in members
            else replace(b, level=b.level + 1) if b.kind == "heading" and i > spine[0] and b.level
            else b for i, b in enumerate(blocks)]


#: Headings of each case a plain-text guide needs before its case is read as its outline.
CASE_OUTLINE_MIN = 3


#: A heading title this many times in one document is a sub-heading of each topic it follows.
REPEATED_MIN = 3


def _title_key(text: str) -> str:
    """A heading's title for comparison: its words, a plural "s" dropped ("Example Project Idea"
    is "Example Project Ideas"), case kept: "Prepare for interviews", a step of a career plan,
    is not the section "Prepare for Interviews"."""
    return re.sub(r"s\b", "", " ".join(re.findall(r"\w+", text)))


def nest_repeated(blocks: list[Block]) -> list[Block]:
    """Nest a sub-heading repeated under every topic ("Example Project Ideas" after "Java",
    "Python", "Linux"…) under the topic before each occurrence.

    Plain text gives both the same level, so each topic closed at the next "Example Project
    Ideas", and every list of ideas sat under the section with no word of its topic. The topics
    take the level most of them have, and each occurrence one level below.
    """
    heads = [i for i, b in enumerate(blocks) if b.kind == "heading" and b.level and not b.list_title]
    keys = {i: _title_key(blocks[i].text) for i in heads}
    counts = Counter(keys.values())
    # In document order, so a topic two repeated titles share ends the same on every run.
    repeated = [key for key in dict.fromkeys(keys.values()) if counts[key] >= REPEATED_MIN]

    def topic(at: int) -> int | None:
        """The nearest heading before `at` that is not itself a repeated one."""
        return next((j for j in reversed(heads) if j < at and keys[j] not in repeated), None)

    out = list(blocks)
    for key in repeated:
        at = [i for i in heads if keys[i] == key]
        topics = {t for i in at if (t := topic(i)) is not None}
        if len(topics) < REPEATED_MIN:
            continue
        level = Counter(blocks[t].level for t in topics).most_common(1)[0][0]
        for t in topics:
            out[t] = replace(out[t], level=level)
        for i in at:
            out[i] = replace(out[i], level=level + 1)
    return out
