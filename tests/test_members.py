"""A list's members in the index: next, previous, n-th, and a member's first passage."""

from __future__ import annotations

from dataclasses import replace

import pytest

from internbot.chunking import chunk_document
from internbot.members import first_passage, member_of_best_list, members, nth, sibling
from internbot.records import Chunk, Document, Hit
from internbot.shaping import ordinal

GUIDE = (
    "# Landing an Internship\n\n## How to Land One\n\nHere is a step-by-step guide.\n\n"
    "### Step 1: Craft a Resume\n\nKeep it to one page.\n\n- Skills: list the ones you used.\n"
    "- Projects: link each one.\n\n### Step 2: Network with Intent\n\nTalk to engineers at meetups.\n\n"
    "### Step 3: Research Companies\n\nRead their engineering blogs.\n\n## Traits\n\n"
    "Good interns share these traits.\n\n- Curiosity: they ask why.\n- Grit: they keep going.\n"
    "- Humility: they take feedback.\n")


@pytest.fixture
def chunks() -> list[Chunk]:
    raw = chunk_document(Document("g", "Landing an Internship", "g.md", GUIDE, format="markdown"))
    return [replace(c, row=i) for i, c in enumerate(raw)]


def _find(chunks: list[Chunk], kind: str, start: str) -> Chunk:
    return next(c for c in chunks if c.kind == kind and c.text.startswith(start))


def test_entries_and_bullets_have_neighbours_in_order(chunks: list[Chunk]) -> None:
    step1 = _find(chunks, "item", "Step 1")
    step2 = sibling(chunks, step1, 1)  # past step 1's own bullets
    assert step2 is not None and step2.text.startswith("Step 2")
    assert sibling(chunks, step2, -1) == step1
    third = sibling(chunks, step2, 1)
    assert third is not None and sibling(chunks, third, 1) is None  # the last entry
    grit = _find(chunks, "bullet", "Grit")
    assert sibling(chunks, grit, 1) == _find(chunks, "bullet", "Humility")
    assert sibling(chunks, grit, -1) == _find(chunks, "bullet", "Curiosity")
    assert first_passage(chunks, grit) == grit


def test_the_nth_member_of_a_list(chunks: list[Chunk]) -> None:
    steps = next(c for c in chunks if c.kind == "list" and c.section == ("How to Land One",))
    assert [m.label for m in members(chunks, steps)] == [
        "Step 1: Craft a Resume", "Step 2: Network with Intent", "Step 3: Research Companies"]
    last = nth(chunks, steps, -1)
    assert last is not None and last.label == "Step 3: Research Companies"
    assert nth(chunks, steps, 4) is None
    traits = next(c for c in chunks if c.kind == "list" and c.section == ("Traits",))
    second = nth(chunks, traits, 2)
    assert second is not None and second.text.startswith("Grit")


@pytest.mark.parametrize("question, place", [
    ("What is the third step?", 3), ("What's the last step in the STAR method?", -1),
    ("what is the second best job?", 2), ("What is step 2 of applying?", 2),
    ("tip #4 please", 4), ("What was my first internship like?", None),
    ("When is the first deadline?", None), ("How do I start?", None),
])
def test_a_place_in_a_list_is_read_from_the_question(question: str, place: int | None) -> None:
    assert ordinal(question) == place


def test_a_member_of_the_best_list_answers_before_a_passage_from_elsewhere(chunks: list[Chunk]) -> None:
    traits = next(c for c in chunks if c.kind == "list" and c.section == ("Traits",))
    grit, other = _find(chunks, "bullet", "Grit"), _find(chunks, "paragraph", "Here is a step-by-step")
    passages = [Hit(other, 1.30), Hit(grit, 1.27)]
    assert member_of_best_list(chunks, [Hit(traits, 1.35), *passages], passages) == passages[1]
    # 0.07 behind is close ("AngelList…" under *Online Job Boards and Platforms*, item 81).
    behind = [Hit(other, 1.30), Hit(grit, 1.23)]
    assert member_of_best_list(chunks, [Hit(traits, 1.35), *behind], behind) == behind[1]
    # Only close behind, and only under a list that ranks first.
    assert member_of_best_list(chunks, [Hit(traits, 1.35), Hit(other, 1.40), Hit(grit, 1.2)],
                               [Hit(other, 1.40), Hit(grit, 1.2)]) is None
    assert member_of_best_list(chunks, passages, passages) is None
