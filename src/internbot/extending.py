"""What a cut answer goes on with, or starts from, beyond the passage it was cut from: the
list or passage a lead-in announces, a passage that turns on it, the sentence it points back
to. Reads the index's chunks; decides neither what answers nor whether to answer."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import takewhile

from internbot.passages import Catalog, section_key
from internbot.records import Chunk, Hit, introduces_list
from internbot.retriever import Retriever
from internbot.shaping import Policy, leads_into_list, points_ahead, refers_back, turns_on, uncaptioned

#: An answer goes on into the passage it announces only when this much room is left.
GO_ON_MIN_CHARS = 120
#: A passage turning on the answer is shown after it when it is among this many best hits.
CARRY_ON_HITS = 3


def goes_on_with(chunk: Chunk, nxt: Chunk) -> bool:
    """`nxt` is a paragraph of `chunk`'s own section, which `go_on` may show after it."""
    return nxt.doc_id == chunk.doc_id and nxt.section == chunk.section and nxt.kind == "paragraph"


def followed(body: str, sentences: Sequence[str], room: int) -> str:
    """`body`, then on a line of its own as many of `sentences` as fit `room`, whole and in
    order (each counted with the space after it, so the last leaves one character spare)."""
    more: list[str] = []
    size = len(body) + 1
    for sentence in sentences:
        if size + len(sentence) + 1 > room:
            break
        more.append(sentence)
        size += len(sentence) + 1
    return "\n".join([body, " ".join(more)]) if more else body


class Extender:
    """Extends an answer cut from one passage with the neighbours it leans on."""

    def __init__(self, retriever: Retriever, policy: Policy) -> None:
        self.retriever = retriever
        self.policy = policy
        #: Corpus-wide facts computed at index time (each section's list summary).
        self.catalog: Catalog = retriever.index.catalog

    def go_on(self, chunk: Chunk, body: str, room: int) -> str:
        """An answer whose last sentence only leads in goes on with what it announces, as far
        as the bubble holds: "…which I learned from my mistakes:" with its section's list (a
        section's bullets are kept apart from its paragraphs), "Let's delve into their
        distinctions." with the section's next passages, whole sentences only."""
        if not self._goes_on(chunk, body):
            return body
        said = uncaptioned(chunk.sentences)
        for lost in chunk.sentences[len(said):][::-1]:
            body = body.removesuffix(lost).rstrip()
        last = said[-1]
        if not points_ahead(last) or room - len(body) < GO_ON_MIN_CHARS:
            return body
        if introduces_list(last):
            own = self.led_into(chunk)
            lines = [f"• {item}" for item in own.items] if own is not None else []
            while lines and len(body) + sum(len(x) + 1 for x in lines) > room:
                lines.pop()
            return "\n".join([body, *lines]) if lines else body
        chunks, at = self.retriever.chunks, self.retriever.position(chunk)
        after = takewhile(lambda nxt: goes_on_with(chunk, nxt), chunks[at + 1 : at + 6])
        return followed(body, [sentence for nxt in after for sentence in nxt.sentences], room)

    def carry_on(self, chunk: Chunk, body: str, room: int, hits: list[Hit]) -> str:
        """An answer whose section goes on with a passage that turns on it ("…they always get the
        answer 'build more projects'." then "This is great advice, but you can do more…"): what
        it set up is said after the turn, so that passage is shown too when it is among the
        best hits itself, whole sentences only."""
        if not self._goes_on(chunk, body):
            return body
        at, chunks = self.retriever.position(chunk), self.retriever.chunks
        nxt = chunks[at + 1] if at + 1 < len(chunks) else None
        best = {h.chunk.id for h in hits[:CARRY_ON_HITS]}
        if (nxt is None or not goes_on_with(chunk, nxt) or not nxt.sentences
                or not turns_on(nxt.sentences[0]) or nxt.id not in best):
            return body
        return followed(body, nxt.sentences, room)

    def _goes_on(self, chunk: Chunk, body: str) -> bool:
        """The policy lets answers go on, and this one still ends on its passage's last
        sentence (the trimmer kept it): only then may what follows the passage follow it."""
        return self.policy.go_on and bool(chunk.sentences) and body.endswith(chunk.sentences[-1])

    def look_back(self, chunk: Chunk, body: str, room: int) -> str:
        """An answer whose first sentence leans on the passage before it ("These techniques
        form the foundation…") starts with that passage's last sentence, when it is a
        paragraph of the same section and both fit the bubble."""
        if not self.policy.look_back or not chunk.sentences or not body.startswith(chunk.sentences[0]):
            return body
        if not refers_back(chunk.sentences[0]):
            return body
        at = self.retriever.position(chunk)
        if at == 0:
            return body
        before = self.retriever.chunks[at - 1]
        if (before.doc_id != chunk.doc_id or before.section != chunk.section
                or before.kind != "paragraph" or not before.sentences):
            return body
        last = before.sentences[-1]
        if points_ahead(last) or len(last) + 1 + len(body) > room:
            return body
        return f"{last} {body}"

    def section_list(self, doc_id: str, section: tuple[str, ...]) -> Chunk | None:
        """The list summary of exactly this section, if it has one."""
        row = self.catalog.lists.get(section_key(doc_id, section))
        return None if row is None else self.retriever.chunks[row]

    def led_into(self, chunk: Chunk) -> Chunk | None:
        """The list a passage ending on a colon introduces: its section's own."""
        if not leads_into_list(chunk.sentences):
            return None
        return self.section_list(chunk.doc_id, chunk.section)
