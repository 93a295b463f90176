"""From retrieved hits to the answer's text: which passage or list answers, and how it is cut
to a chat bubble (trimmed to the answering sentences, a list one line an item, a lead-in
continued). Everything here reads the index's chunks; nothing decides whether to answer."""

from __future__ import annotations

import re
from collections.abc import Callable

from internbot.amounts import listed
from internbot.extending import Extender, goes_on_with
from internbot.members import first_passage, member_of_best_list, members, named_sibling, nth, placed, sibling
from internbot.records import AnswerKind, Chunk, Hit, clip
from internbot.retriever import Retriever
from internbot.shaping import (
    ASKS_FACT,
    ASKS_PLACE,
    ASKS_WAY,
    ENUMERATE,
    Policy,
    about_the_text,
    asked_plural,
    counter_example,
    leads_into_list,
    names_place,
    next_to,
    only_points_ahead,
    ordinal,
    says_nothing,
    unlabelled,
)
from internbot.tokens import term_set, terms

#: A list answers when this many of the best passages (of the first LIST_SPREAD_WINDOW) are its items.
LIST_SPREAD_ITEMS = 3
LIST_SPREAD_WINDOW = 5
#: A question after a place takes the best passage naming one within this much of the best
#: passage, among the first three (`shaping.names_place`).
PLACE_MARGIN = 0.15
#: A list item of at most this many words and no label only names something (`_bare`).
BARE_WORDS = 3
#: The list item that matches the question is shown up to this long.
MARKED_ITEM_CHARS = 260


class Composer:
    """Chooses the passage or list that answers and shapes it to fit the bubble."""

    def __init__(self, retriever: Retriever, policy: Policy) -> None:
        self.retriever = retriever
        self.policy = policy
        #: What a cut answer goes on with, or starts from.
        self.extender = Extender(retriever, policy)

    def _list_of(self, chunk: Chunk) -> Chunk | None:
        """The list summary of the chunk's section, or of the nearest section above it."""
        for depth in range(len(chunk.section), 0, -1):
            if (found := self.extender.section_list(chunk.doc_id, chunk.section[:depth])) is not None:
                return found
        return None

    def _list_after(self, chunk: Chunk) -> Chunk | None:
        """The list of the first subsection of this passage's section, when it is a list
        ("And by fundamentals, I mean:" under "Learn the Fundamentals"): the section's text
        introduces it. Looks only a few passages ahead."""
        chunks, row, depth = self.retriever.chunks, self.retriever.position(chunk), len(chunk.section)
        if chunk.kind != "paragraph":
            return None
        for nxt in (chunks[r] for r in range(row + 1, min(row + 12, len(chunks)))):
            if nxt.doc_id != chunk.doc_id or nxt.section[:depth] != chunk.section:
                return None
            if len(nxt.section) > depth:
                return self.extender.section_list(chunk.doc_id, nxt.section[: depth + 1])
        return None

    def _said_after(self, chunk: Chunk) -> Chunk | None:
        """The first passage of the chunk's own section after it that says something."""
        chunks, at = self.retriever.chunks, self.retriever.position(chunk)
        for nxt in chunks[at + 1 : at + 4]:
            if nxt.doc_id != chunk.doc_id or nxt.section != chunk.section:
                return None
            if nxt.kind != "list" and not says_nothing(nxt) and not only_points_ahead(unlabelled(nxt)):
                return nxt
        return None

    @staticmethod
    def _signpost(chunk: Chunk) -> bool:
        """Only announces what follows, and not a list it ends on ("…these tips:"), which
        `go_on` already shows."""
        return only_points_ahead(unlabelled(chunk)) and not leads_into_list(chunk.sentences)

    def _next_to(self, question: str, hits: list[Hit]) -> Chunk | None:
        """For "what comes after the action?", the list item after (or before) the one among
        the best hits whose label says the item named: steps are asked about in order."""
        if (asked := next_to(question)) is None:
            return None
        side, named = asked
        words = term_set(named)
        for hit in hits:
            item = hit.chunk
            # The question says the item's whole name: "after the action (in STAR)" names the
            # item "Action: …", but "after the internship" does not name "OpenAI Internship".
            name = term_set(item.label or (item.text if len(item.text.split()) <= 8 else ""))
            if item.kind not in ("bullet", "item") or not name or not name <= words:
                continue
            if (beside := sibling(self.retriever.chunks, item, side)) is not None:
                return beside
        return None

    @staticmethod
    def _asks(chunk: Chunk) -> bool:
        """A list item that is only a question, without a label of its own."""
        return chunk.kind == "bullet" and not chunk.label and bool(chunk.sentences) and all(
            sentence.rstrip().endswith("?") for sentence in chunk.sentences)

    @staticmethod
    def _bare(chunk: Chunk) -> bool:
        """A list item that only names something ("Professors", among the people to reach out
        to): alone it says nothing, so its list answers, the item marked."""
        return chunk.kind == "bullet" and not chunk.label and len(chunk.text.split()) <= BARE_WORDS

    def _wants_many(self, question: str, top: Chunk) -> bool:
        """The question asks for a plural ("What pages should go on my website?") that the best
        passage is not a list member about: "Machine Learning Algorithms: …" answers "what
        algorithms should I know?" itself, and "Data Visualization: …" the question naming it."""
        if not (plural := asked_plural(question)):
            return False
        if top.kind not in ("bullet", "item"):
            return True
        about = term_set(plural) <= term_set(top.text)
        return not (about or (top.label and self._names(question, top.label)))

    def _continued(self, chunk: Chunk) -> bool:
        """A paragraph of its section follows it, for `go_on` to show."""
        at = self.retriever.position(chunk)
        return any(goes_on_with(chunk, nxt) for nxt in self.retriever.chunks[at + 1 : at + 2])

    @staticmethod
    def _names(question: str, heading: str) -> bool:
        """The question says most of a heading's words ("What is the STAR method?")."""
        wanted = term_set(heading)
        shared = wanted & set(terms(question))
        return bool(shared) and len(shared) >= min(2, len(wanted)) and len(shared) >= 0.6 * len(wanted)

    @staticmethod
    def _beyond(question: str, chunk: Chunk, own: Chunk) -> bool:
        """Besides its section's heading, the question says a word the passage says and its
        list does not ("what if I get stuck contributing to open source?" over "How to get
        involved with open source: … If you ever get stuck, …"): it asks about the passage."""
        said = term_set(question) - term_set(" ".join(chunk.section[-2:]))
        return bool(said & term_set(chunk.text) - term_set(own.text))

    def _spread_over(self, own: Chunk, top: Hit, passages: list[Hit], question: str) -> bool:
        """The best evidence is several items of one list and the question names none of them
        ("What do interns do day to day?" over "My day-to-day responsibilities were:"): it asks
        about the list, not one item."""
        if top.chunk.kind not in ("bullet", "item") or own.section != top.chunk.section:
            return False
        if top.chunk.label and self._names(question, top.chunk.label):
            return False
        same = sum(h.chunk.kind in ("bullet", "item") and h.chunk.section == own.section
                   and h.chunk.doc_id == own.doc_id for h in passages)
        return same >= LIST_SPREAD_ITEMS

    def _outlines(self, own: Chunk, chunk: Chunk, question: str) -> bool:
        """`own` is an enclosing section's outline, one item a subsection, and `chunk` lies in
        the subsection the question asks about rather than in the outline's own section
        ("What should I do once I've applied?" over "Follow-Up", an item of "How to Find
        Internships"): the passage answers, not the list of its sibling sections."""
        depth = len(own.section)
        if own.doc_id != chunk.doc_id or len(chunk.section) <= depth:
            return False
        if own.section and self._names(question, own.section[-1]):
            return False
        return any(_same_start(item.strip(), chunk.section[depth]) for item in own.items)

    def choose(self, question: str, hits: list[Hit]) -> tuple[Chunk, AnswerKind]:
        """The chunk to answer from, and whether to present it as its section's whole list.

        A list answers an enumerating question ("what are the best jobs?"), or one naming the
        list itself, and only when its section is where the best evidence is, or it ranks close
        to the best passage. A question asking for a place in that list ("the last step")
        gets that member.
        """
        chunk, kind = self._choose(question, hits)
        if (n := ordinal(question)) is not None and (placed := self._placed(chunk, kind, n)):
            return placed, "passage"
        return chunk, kind

    def _placed(self, chunk: Chunk, kind: AnswerKind, n: int) -> Chunk | None:
        """The `n`-th member of the list answering, or of the list the answering member is in."""
        chunks = self.retriever.chunks
        if kind == "list":
            return nth(chunks, chunk, n)
        if chunk.kind == "paragraph" and (led := self.extender.led_into(chunk)) is not None:
            # "…possess these characteristics:" goes on with its list (`go_on`): that list.
            return nth(chunks, led, n)
        if chunk.kind not in ("bullet", "item") or (summary := self._list_of(chunk)) is None:
            return None
        found = members(chunks, summary)
        if first_passage(chunks, chunk).id not in {m.id for m in found}:
            return None
        return placed(found, summary, n)

    def _choose(self, question: str, hits: list[Hit]) -> tuple[Chunk, AnswerKind]:
        passages = [h for h in hits
                    if h.chunk.kind != "list" and not counter_example(h.chunk, question)] or hits
        window = passages[:LIST_SPREAD_WINDOW]
        top = (named_sibling(question, window)
               or member_of_best_list(self.retriever.chunks, hits, window) or passages[0])
        if ASKS_PLACE.search(question) and not names_place(top.chunk):
            # "Where can I do free mock interviews?": "Pramp: …" a little behind "Practice
            # with friends…", which names no place to go.
            top = next((h for h in window[:3] if names_place(h.chunk)
                        and h.score >= top.score - PLACE_MARGIN), top)
        if (beside := self._next_to(question, passages[:3])) is not None:
            return beside, "passage"
        if not self.policy.lists:
            return top.chunk, "passage"
        if self._signpost(top.chunk) and not about_the_text(question):
            # "In this section, we will cover…" answers with the list it announces, or goes on
            # with the passage after it (`go_on`); else the best passage that says something.
            promised = (self.extender.section_list(top.chunk.doc_id, top.chunk.section)
                        or self._list_after(top.chunk))
            if promised is not None:
                return promised, "list"
            if not self._continued(top.chunk):
                top = next((h for h in passages if not only_points_ahead(unlabelled(h.chunk))), top)
        if says_nothing(top.chunk) and (said := self._said_after(top.chunk)) is not None:
            # "Contact Page: \\Snippet from Contact Me page…\\" is only a heading and a lost picture's
            # caption: the section's next passage says what it is about.
            top = Hit(said, top.score, top.dense, top.lexical)
        own = self._list_of(top.chunk)
        if own is not None and (self._asks(top.chunk) or self._bare(top.chunk)):
            # A bullet that is itself a question ("What is the culture like at X company?") is
            # a question the guide suggests asking, and one that only names something
            # ("Professors") a member to pick from: neither answers alone, their list does.
            return own, "list"
        section = top.chunk.section
        # A question after one fact ("How hard is open source?") wants a passage even when it
        # says the heading of a list's section ("How to get involved with open source").
        # "How many mistakes…?" over "My mistakes were:" is answered by counting its list, and
        # "What pages should go on my website?" asks for the pages (`_wants_many`).
        enumerates = bool(ENUMERATE.search(question)) or (
            own is not None and listed(question, own.listing)) or self._wants_many(question, top.chunk)
        fact = not enumerates and bool(ASKS_FACT.search(question))
        if top.chunk.kind != "list" and section and not fact:
            # The question names the list this passage is in, or the section just above it
            # ("What fundamentals should I learn?" over "Learn the Fundamentals › I mean:").
            way = top.chunk.kind == "item" and bool(ASKS_WAY.search(question))
            if own is not None and own.section == section and not way and any(
                    self._names(question, h) for h in section[-2:]) and not self._beyond(
                    question, top.chunk, own):
                return own, "list"
            if self._names(question, section[-1]) and (after := self._list_after(top.chunk)):
                return after, "list"
            if own is not None and self._spread_over(own, top, passages[:LIST_SPREAD_WINDOW], question):
                return own, "list"
        if enumerates:
            if own is not None and self._outlines(own, top.chunk, question):
                return top.chunk, "passage"
            if own is not None:
                return own, "list"
            if (after := self._list_after(top.chunk)) is not None:
                # "Which basics should I study?" over "Hence, focus on the fundamentals.", whose
                # section goes on with "And by fundamentals, I mean:" and its list.
                return after, "list"
            close = [h for h in hits[:5] if h.chunk.kind == "list" and h.score >= top.score - 0.08]
            if close:
                return close[0].chunk, "list"
        return top.chunk, "passage"

    def list_text(self, chunk: Chunk, hits: list[Hit], limit: int,
                  cut: Callable[[Chunk, int], str] | None = None) -> str:
        """A list that fits a chat bubble: the lead, then one line an item (its label where it
        has one), the item best matching the question first and marked; never cut mid-item.
        `cut` shortens the marked item to its answering sentences (`Trimmer.trim`)."""
        lead, items = chunk.lead, chunk.items
        best = next((h.chunk for h in hits if h.chunk.kind in ("bullet", "item")
                     and h.chunk.section[: len(chunk.section)] == chunk.section), None)
        first = -1
        if best is not None:
            head = (best.label or best.text)[:40].lower()
            first = next((i for i, item in enumerate(items) if _same_start(item.lower(), head)), -1)
        # The marked item in its own words: the summary's line may be cut to fit the chunk.
        lines = ([f"▸ {self._item_text(first_passage(self.retriever.chunks, best), cut)}"]
                 if best is not None and first >= 0 else [])
        for i, item in enumerate(items):
            if i != first:
                lines.append(f"• {_item_label(item)}")
        text = clip(" ".join(lead), 300) if lead else ""
        shown = 0
        for line in lines:
            if len(text) + len(line) + 1 > limit - 20:
                break
            text = f"{text}\n{line}" if text else line
            shown += 1
        if shown < len(lines):
            text += f"\n… and {len(lines) - shown} more"
        return text

    @staticmethod
    def _item_text(item: Chunk, cut: Callable[[Chunk, int], str] | None = None) -> str:
        """A list item for the marked line: whole when short, else its answering sentences
        (`cut`), or its first ones."""
        if len(item.text) <= MARKED_ITEM_CHARS:
            return item.text
        if cut is not None and len(answering := cut(item, MARKED_ITEM_CHARS)) <= MARKED_ITEM_CHARS:
            return answering
        text = ""
        for sentence in item.sentences:
            if text and len(text) + len(sentence) + 1 > MARKED_ITEM_CHARS:
                break
            text = f"{text} {sentence}" if text else sentence
        return clip(text, MARKED_ITEM_CHARS)


#: A label that only numbers its item ("Step 1", "Tip #2"): the heading after it names it.
_NUMBERING = re.compile(r"\W*[A-Za-z]+\s*#?\d{1,2}\W*")


def _item_label(item: str) -> str:
    """A list item's line: its label ("Curiosity"), with the words after a numbering label
    ("Step 1: Craft a Stellar Résumé"), or the item cut short when it has no label."""
    if ":" not in item[:62]:
        return clip(item, 90)
    label, _, rest = item.partition(":")
    if _NUMBERING.fullmatch(label) and ":" in rest[:80]:
        label = f"{label}:{rest.split(':', 1)[0]}"
    return label


def _same_start(item: str, head: str) -> bool:
    """A summary line and an item's head agree as far as both go: the line may be only the
    item's short first sentence ("Coding challenges are a thing."), or cut with "…"."""
    item = item.rstrip("…")
    n = min(len(item), len(head))
    return n > 0 and item[:n] == head[:n]
