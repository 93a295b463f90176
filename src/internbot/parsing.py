"""Turn a document's raw text into a flat stream of structural blocks.

Plain text, Markdown and HTML all become the same `Block`s (headings with a level,
paragraphs, bullets), so the chunker needs to know nothing about formats.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from typing import Literal

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
#: "By Maple Ong" under a title: the author, not a section.
BYLINE = re.compile(r"^By\s+[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3}$")
MAX_HEADING_CHARS = 120
MAX_HEADING_WORDS = 16
#: A numbered line ("3. Keep testing the market - always apply even if …") is marked as an
#: entry by its number, so it may run longer than a plain heading.
MAX_NUMBERED_WORDS = 20
#: "Difficulty: 3/5", "Duration: 12 weeks": a value line, not a heading.
METADATA = re.compile(r"^[A-Z][\w ]{0,24}:\s+\S*\d.{0,20}$")
ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\ufeff]")
#: Navigation sections of scraped web pages: links to other articles, not content.
BOILERPLATE = re.compile(
    r"^(?:(?:additional|related|more|recent|popular|similar|other)\s+(?:posts|articles|reads|stories)"
    r"|see also|read more|share this(?: post| article)?|you may also like)\W*$",
    re.I,
)


def clean(text: str) -> str:
    """Collapse whitespace and normalise non-breaking spaces."""
    return " ".join(ZERO_WIDTH.sub("", text.replace("\u00a0", " ")).split())


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
    drop = set()
    for i, line in enumerate(lines):
        if 0 < i <= 2 and BYLINE.match(line):
            drop.add(i)
        if CREDIT.match(line):
            drop.add(i)
            if i > 0 and len(lines[i - 1].split()) <= 3 and is_headingish(lines[i - 1]):
                drop.add(i - 1)
    lines = [line for i, line in enumerate(lines) if i not in drop]

    blocks: list[Block] = []
    numbers: dict[int, int] = {}  # block index → the number of a numbered heading
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
            if nxt and not NUMBERED.match(nxt) and is_body(nxt, line):
                numbers[len(blocks)] = int(numbered.group(1))
                blocks.append(Block("heading", entry, 2))
            else:
                blocks.append(Block("bullet", numbered.group(2)))
        elif is_list_title(line) and BULLET.match(nxt):
            # "Prepare with the STAR Method:" over bullets titles that list within its section.
            blocks.append(Block("heading", line.rstrip(":").strip(), 2, list_title=True))
        elif is_headingish(line) and nxt and is_body(nxt, line):
            blocks.append(Block("heading", line.rstrip(":").strip(), 1))
        else:
            blocks.append(Block("paragraph", line))
    return nest_announced(case_outline(numbered_spine(blocks, numbers)))


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
        chain = next((c for step in (1, 2) for c in chains if numbers[c[-1]] == n - step), None)
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
