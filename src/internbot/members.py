"""A list's members in the index, in the guide's order: the one after or before another, the
n-th, a member's first passage. A bullet is a member of its section, a numbered entry of its
parent section; one member may span several passages (a long bullet, an entry with paragraphs
and bullets of its own), and a list summary follows its section's passages (`chunking.py`)."""

from __future__ import annotations

from collections.abc import Sequence

from internbot.records import Chunk, Hit
from internbot.tokens import term_set, terms

#: How many passages one member, or one list's section, may span when walking the index.
MAX_MEMBER_CHUNKS = 40
MAX_LIST_CHUNKS = 400
#: A member of the best-ranked list answers in place of a passage from elsewhere that ranks
#: at most this much above it (`member_of_best_list`). 0.05 until item 81; 0.08 and 0.10 gave
#: the same answers on every set (docs/quality.md).
LIST_MEMBER_MARGIN = 0.08


def same_member(a: Chunk, b: Chunk) -> bool:
    """Two passages of one labelled bullet or entry (an unlabelled bullet is one passage)."""
    return bool(a.label) and (a.doc_id, a.kind, a.section, a.label) == (
        b.doc_id, b.kind, b.section, b.label)


def first_passage(chunks: Sequence[Chunk], chunk: Chunk) -> Chunk:
    """The member's passage that opens it ("Step 5: …", not its "In summary, …")."""
    row = chunk.row
    while row > 0 and same_member(chunks[row - 1], chunk):
        row -= 1
    return chunks[row]


def sibling(chunks: Sequence[Chunk], member: Chunk, side: int) -> Chunk | None:
    """The member after (side 1) or before (−1) `member`, from its first passage: the next
    bullet of its section, or the next entry under its parent; what belongs to `member` itself
    (more of its passages, an entry's own bullets) is passed over."""
    row, depth = member.row, len(member.section)
    for _ in range(MAX_MEMBER_CHUNKS):
        row += side
        if not 0 <= row < len(chunks) or chunks[row].doc_id != member.doc_id:
            return None
        other = chunks[row]
        if member.kind == "bullet":
            if same_member(other, member):
                continue
            return (first_passage(chunks, other)
                    if (other.kind, other.section) == ("bullet", member.section) else None)
        if other.section[:depth] == member.section:
            continue
        path = other.section[:depth]
        if len(path) < depth or path[:-1] != member.section[:-1]:
            return None
        while row > 0 and chunks[row - 1].section[:depth] == path:
            row -= 1  # back to the entry's start, then on to its own passage
        return next((c for c in chunks[row : row + MAX_MEMBER_CHUNKS]
                     if c.section == path and c.kind == "item"), None)
    return None


def members(chunks: Sequence[Chunk], summary: Chunk) -> list[Chunk]:
    """The first passage of each member a list summary sums up, in order: its section's
    bullets (before the summary), or else the entries right under it (after it)."""
    depth, start, end = len(summary.section), summary.row, summary.row + 1

    def within(row: int) -> bool:
        return (abs(row - summary.row) < MAX_LIST_CHUNKS and chunks[row].doc_id == summary.doc_id
                and chunks[row].section[:depth] == summary.section)

    while start > 0 and within(start - 1):
        start -= 1
    while end < len(chunks) and within(end):
        end += 1
    span = chunks[start:end]
    bullets = [c for c in span if c.kind == "bullet" and c.section == summary.section]
    entries = [c for c in span if c.kind == "item" and len(c.section) == depth + 1]
    out: list[Chunk] = []
    for c in bullets if len(bullets) >= len(summary.items) else entries:
        if not (out and same_member(out[-1], c)):
            out.append(c)
    return out


def nth(chunks: Sequence[Chunk], summary: Chunk, n: int) -> Chunk | None:
    """The `n`-th member of a list (1 the first, −1 the last), if it has that many."""
    return placed(members(chunks, summary), summary, n)


def placed(found: list[Chunk], summary: Chunk, n: int) -> Chunk | None:
    """The `n`-th of `found`, the `members` of `summary` already walked."""
    if len(found) < len(summary.items):  # not the members the summary lists: leave it
        return None
    at = n - 1 if n > 0 else len(found) + n
    return found[at] if 0 <= at < len(found) else None


def named_sibling(question: str, passages: Sequence[Hit]) -> Hit | None:
    """The member of the best passage's list whose whole label the question says, when the
    best passage's own label it does not ("What does a machine learning engineer do?" over
    *Computer Vision Engineer* and, just below it, *Machine Learning Engineer*)."""
    top = passages[0].chunk
    if top.kind not in ("bullet", "item"):
        return None
    asked = set(terms(question))

    def named(chunk: Chunk) -> bool:
        label = term_set(chunk.label)
        return len(label) >= 2 and label <= asked

    if named(top):
        return None
    return next((h for h in passages[1:] if h.chunk.kind == top.kind and named(h.chunk)
                 and h.chunk.doc_id == top.doc_id and h.chunk.section == top.section), None)


def member_of_best_list(chunks: Sequence[Chunk], hits: Sequence[Hit],
                        passages: Sequence[Hit]) -> Hit | None:
    """When a list summary ranks first and the best passage is not one of its members, the
    member of it that ranks close behind ("which site is best for startup internships?" over
    *Online Job Boards and Platforms*: its "AngelList: The go-to for startup internship
    opportunities", not the FAQ on the best company a point above): the list is where the
    evidence is."""
    if not hits or not passages or hits[0].chunk.kind != "list":
        return None
    ids = {m.id for m in members(chunks, hits[0].chunk)}
    if first_passage(chunks, passages[0].chunk).id in ids:
        return None
    return next((h for h in passages if first_passage(chunks, h.chunk).id in ids
                 and h.score >= passages[0].score - LIST_MEMBER_MARGIN), None)
