"""Turn a document's raw text into a flat stream of structural blocks.

Plain text, Markdown and HTML all become the same `Block`s (headings with a level,
paragraphs, bullets), so the chunker needs to know nothing about formats.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Literal

from internbot.corpus import byline_at, clean
from internbot.outline import outline
from internbot.records import Document

BlockKind = Literal["heading", "paragraph", "bullet"]


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    text: str
    #: Heading depth: 1 for sections, 2 for numbered entries ("1. Google AI Residency:").
    level: int = 0
    #: A heading that titles only the bullet list right under it ("My mistakes were:").
    list_title: bool = False


BULLET = re.compile(r"^\s*(?:[•●▪◦‣∙·]|[-*+](?=\s))\s*(.*)$")
#: "3. Title": its number (group 1) and its text (group 2).
NUMBERED = re.compile(r"^\s*(\d{1,3})[.)]\s+(.*)$")
CREDIT = re.compile(
    r"^(?:(?:image|photo|picture)\s*(?:(?:credit|source)?s?\s*:|(?:by|via|from)\s+\S)|credits?\s*:)", re.I)
MAX_HEADING_CHARS = 120
MAX_HEADING_WORDS = 16
#: A numbered line ("3. Keep testing the market - always apply even if …") is marked as an
#: entry by its number, so it may run longer than a plain heading.
MAX_NUMBERED_WORDS = 20
#: "Difficulty: 3/5", "Duration: 12 weeks": a value line, not a heading.
METADATA = re.compile(r"^[A-Z][\w ]{0,24}:\s+\S*\d.{0,20}$")
#: Navigation sections of scraped web pages: links to other articles, not content.
BOILERPLATE = re.compile(
    r"^(?:(?:additional|related|more|recent|popular|similar|other)\s+(?:posts|articles|reads|stories)"
    r"|see also|read more|share this(?: post| article)?|you may also like)\W*$",
    re.I,
)


def is_headingish(line: str, max_words: int = MAX_HEADING_WORDS) -> bool:
    """Short, without sentence-final punctuation: the shape of a plain-text heading.

    A line ending in a colon is a heading only when label-short ("FAQs:"); a longer one
    ("Here are some notable programs:") introduces what follows. Dashes are not words.
    """
    words = sum(1 for w in line.split() if re.search(r"\w", w))
    if METADATA.match(line):
        return False
    return (
        0 < len(line) <= MAX_HEADING_CHARS
        and not re.search(r"[.,;!]$", line)
        and words <= max_words
        and (not line.endswith(":") or words <= 4)
    )


def is_list_title(line: str) -> bool:
    """A short label line ending in a colon ("Tips for Successful Referral Requests:")."""
    return line.endswith(":") and len(line.split()) <= 8 and not re.search(r"[.!?;]", line[:-1])


def is_body(line: str, heading: str) -> bool:
    """Text that can follow a heading: a bullet, or a paragraph longer than the heading."""
    return bool(BULLET.match(line) or NUMBERED.match(line)) or not is_headingish(line)


def parse_text(text: str) -> list[Block]:
    """Plain text: headings are short unpunctuated lines followed by body text; bullets start with •."""
    lines = [clean(line) for line in text.split("\n")]
    # A bullet marker alone on its line is no content (and no body for the line above it).
    lines = [line for line in lines if line and not ((b := BULLET.match(line)) and not b.group(1))]
    # Drop the byline, image captions ("Image Credit: …", "Photo by …") and the alt-text line
    # just before one.
    at = byline_at(lines)
    drop = set() if at is None else {at}
    for i, line in enumerate(lines):
        if CREDIT.match(line):
            drop.add(i)
            if i > 0 and len(lines[i - 1].split()) <= 3 and is_headingish(lines[i - 1]):
                drop.add(i - 1)
    lines = [line for i, line in enumerate(lines) if i not in drop]

    blocks: list[Block] = []
    numbers: dict[int, int] = {}  # block index → the number of a numbered heading

    def titles_list(at: int) -> bool:
        """Line `at` titles the bullets after it ("Conduct Mock Interviews:" over "• …")."""
        return at + 1 < len(lines) and is_list_title(lines[at]) and bool(BULLET.match(lines[at + 1]))

    for i, line in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        bullet = BULLET.match(line)
        numbered = NUMBERED.match(line)
        if bullet:
            blocks.append(Block("bullet", bullet.group(1)))
        elif i == 0 and is_headingish(line):
            blocks.append(Block("heading", line, 0))
        elif numbered and is_headingish(entry := numbered.group(2).rstrip(":").strip(), MAX_NUMBERED_WORDS):
            # "1. Google AI Residency:" followed by text is an entry; followed by "2. …" a list item.
            # "12. How to Navigate…" may open on a sub-heading ("Setting Your Sights") that has
            # body of its own, unless the line ends a numbered list ("3. Cherry" after "2. …").
            after = lines[i + 2] if i + 2 < len(lines) else ""
            opens_on_heading = (is_headingish(nxt) and bool(after) and is_body(after, nxt)
                                and not (i and NUMBERED.match(lines[i - 1])))
            if nxt and not NUMBERED.match(nxt) and (is_body(nxt, line) or opens_on_heading):
                numbers[len(blocks)] = int(numbered.group(1))
                blocks.append(Block("heading", entry, 2))
            else:
                blocks.append(Block("bullet", numbered.group(2)))
        elif titles_list(i):
            # "Prepare with the STAR Method:" over bullets titles that list within its section.
            blocks.append(Block("heading", line.rstrip(":").strip(), 2, list_title=True))
        elif is_headingish(line) and nxt and (is_body(nxt, line) or titles_list(i + 1)):
            # A heading's body may open with a titled list: "Practice and Rehearse" over
            # "Conduct Mock Interviews:" and its bullets.
            blocks.append(Block("heading", line.rstrip(":").strip(), 1))
        else:
            blocks.append(Block("paragraph", line))
    return outline(blocks, numbers)



MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def strip_markdown(text: str) -> str:
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", "", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"(\*\*|__|`)(.+?)\1", r"\2", text)
    return clean(text)


def parse_markdown(text: str) -> list[Block]:
    """Markdown: `#` headings (the first H1 is the title), list items, and paragraphs."""
    blocks: list[Block] = []
    para: list[str] = []
    in_code = False

    def flush() -> None:
        if para:
            blocks.append(Block("paragraph", strip_markdown(" ".join(para))))
            para.clear()

    for raw in text.split("\n"):
        if raw.strip().startswith("```"):
            in_code = not in_code
            continue
        if in_code:
            continue
        heading = MD_HEADING.match(raw)
        item = BULLET.match(raw) or NUMBERED.match(raw)
        if heading:
            flush()
            level = len(heading.group(1))
            level = 0 if level == 1 and not blocks else level
            blocks.append(Block("heading", strip_markdown(heading.group(2)).rstrip(":"), level))
        elif item and raw.strip():
            flush()
            blocks.append(Block("bullet", strip_markdown(item.group(item.lastindex or 1))))
        elif raw.strip():
            if blocks and blocks[-1].kind == "bullet" and not para and raw.startswith((" ", "\t")):
                blocks[-1] = Block("bullet", blocks[-1].text + " " + strip_markdown(raw))
            else:
                para.append(raw.strip())
        else:
            flush()
    flush()
    return [b for b in blocks if b.text]


class _HTMLBlocks(HTMLParser):
    """Collects h1-h6, li, and paragraph-like text; ignores script, style and navigation."""

    SKIP = frozenset({"script", "style", "nav", "footer", "header", "noscript", "svg", "template", "head"})
    BREAK = frozenset({"p", "div", "section", "article", "br", "tr", "dd", "dt", "blockquote", "table"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.buf: list[str] = []
        self.kind: BlockKind = "paragraph"
        self.level = 0
        self.skip = 0

    def flush(self) -> None:
        text = clean("".join(self.buf))
        if text:
            self.blocks.append(Block(self.kind, text, self.level))
        self.buf, self.kind, self.level = [], "paragraph", 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skip += 1
        elif re.fullmatch(r"h[1-6]", tag):
            self.flush()
            self.kind, self.level = "heading", int(tag[1])
        elif tag == "li":
            self.flush()
            self.kind = "bullet"
        elif tag in self.BREAK:
            self.flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skip = max(0, self.skip - 1)
        elif re.fullmatch(r"h[1-6]", tag) or tag == "li" or tag in self.BREAK:
            self.flush()

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.buf.append(data)


def parse_html(text: str) -> list[Block]:
    parser = _HTMLBlocks()
    parser.feed(text)
    parser.close()
    parser.flush()
    blocks = [Block(b.kind, html.unescape(b.text).rstrip(":") if b.kind == "heading" else b.text,
                    b.level) for b in parser.blocks]
    if blocks and blocks[0].kind == "heading" and blocks[0].level == 1:
        blocks[0] = Block("heading", blocks[0].text, 0)
    return blocks


def drop_boilerplate(blocks: list[Block]) -> list[Block]:
    """Remove navigation sections ("Additional Posts", "See also") up to the next heading."""
    kept: list[Block] = []
    skipping_level: int | None = None
    for block in blocks:
        if block.kind == "heading":
            if skipping_level is not None and block.level <= skipping_level:
                skipping_level = None
            if BOILERPLATE.match(block.text):
                skipping_level = block.level
        if skipping_level is None:
            kept.append(block)
    return kept


def _key(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", NUMBERED.sub(r"\2", text).lower()).split())


def drop_contents(blocks: list[Block]) -> list[Block]:
    """Remove a table of contents: a run of bullets most of which repeat the document's headings.

    Its entries would otherwise match questions as well as the sections they point to, while
    saying nothing.
    """
    headings = {_key(b.text) for b in blocks if b.kind == "heading"}
    drop: set[int] = set()
    i = 0
    while i < len(blocks):
        j = i
        while j < len(blocks) and blocks[j].kind == "bullet":
            j += 1
        run = range(i, j)
        if len(run) >= 3 and sum(_key(blocks[k].text) in headings for k in run) >= 0.6 * len(run):
            drop.update(run)
            # Its own heading ("Table of Contents") goes too when nothing else is under it.
            title = blocks[i - 1] if i else None
            after = blocks[j] if j < len(blocks) else None
            if (title is not None and title.kind == "heading" and title.level
                    and (after is None or (after.kind == "heading" and after.level <= title.level))):
                drop.add(i - 1)
        i = j + 1 if j == i else j
    return [b for k, b in enumerate(blocks) if k not in drop]


def parse(doc: Document) -> list[Block]:
    """The block stream of a document, whatever its format. Level-0 headings are the title."""
    if doc.format == "markdown":
        blocks = parse_markdown(doc.text)
    elif doc.format == "html":
        blocks = parse_html(doc.text)
    else:
        blocks = parse_text(doc.text)
    return drop_contents(drop_boilerplate(blocks))
