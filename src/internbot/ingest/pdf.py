"""PDF files (pypdf): text runs with their font size and position, turned into Markdown.

Lines set in a larger font than the body are headings (the largest size `#`, the next `##`,
…); body lines are joined into paragraphs, which end where the vertical gap grows; lines
starting with a bullet become list items. A PDF without a text layer (a scan) is skipped with
a warning: there is nothing to index without OCR.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from statistics import median
from typing import Any

from internbot.ingest import Extracted

log = logging.getLogger(__name__)
#: A line this much larger than the body text is a heading.
HEADING_RATIO = 1.15
#: A gap between lines this much larger than the usual one ends a paragraph.
PARAGRAPH_GAP = 1.4
_BULLET = re.compile(r"^\s*[•●▪◦‣∙·\-–*]\s+")


@dataclass
class _Line:
    page: int
    y: float
    size: float
    text: str


def read(path: Path) -> Extracted | None:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        lines = [line for n, page in enumerate(reader.pages, 1) for line in _lines(page, n)]
    except (PdfReadError, OSError, ValueError, KeyError) as exc:
        log.warning("skipping %s: not a readable PDF (%s)", path, exc)
        return None
    if not any(line.text.strip() for line in lines):
        log.warning("skipping %s: no text layer (a scanned PDF?); run OCR first to index it", path)
        return None
    pages: dict[int, list[str]] = {}
    for line in lines:
        pages.setdefault(line.page, []).append(line.text)
    texts = tuple(" ".join(pages.get(n, [])) for n in range(1, max(pages, default=0) + 1))
    return Extracted(_markdown(lines), "markdown", texts)


def _lines(page: Any, number: int) -> list[_Line]:
    """The page's text runs grouped into lines (same baseline), top to bottom."""
    runs: list[tuple[float, float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], _font: Any, size: float) -> None:
        if text.strip():
            scale = abs(tm[3] or 1.0) * abs(cm[3] or 1.0)
            runs.append((round(tm[5] * (cm[3] or 1.0) + cm[5], 1), size * scale, text))

    page.extract_text(visitor_text=visit)
    lines: list[_Line] = []
    for y, size, text in runs:
        if lines and abs(lines[-1].y - y) < 0.5 * max(size, 1.0):
            lines[-1].text += text
            lines[-1].size = max(lines[-1].size, size)
        else:
            lines.append(_Line(number, y, size, text))
    for line in lines:
        line.text = " ".join(line.text.split())
    return [line for line in lines if line.text]


def _markdown(lines: list[_Line]) -> str:
    chars = Counter[float]()
    for line in lines:
        chars[round(line.size, 1)] += len(line.text)
    body = chars.most_common(1)[0][0]
    sizes = sorted({round(ln.size, 1) for ln in lines if ln.size >= HEADING_RATIO * body}, reverse=True)
    level = {size: min(6, i + 1) for i, size in enumerate(sizes)}
    gaps = [a.y - b.y for a, b in itertools.pairwise(lines)
            if a.page == b.page and a.y > b.y and round(a.size, 1) == round(b.size, 1) == body]
    usual = median(gaps) if gaps else 0.0
    out: list[str] = []
    para: list[str] = []
    previous: _Line | None = None

    def flush() -> None:
        if para:
            out.append(" ".join(para))
            para.clear()

    for line in lines:
        size = round(line.size, 1)
        if size in level and len(line.text) <= 120:
            flush()
            if out and out[-1].startswith("#") and previous is not None and round(previous.size, 1) == size:
                out[-1] += " " + line.text  # a heading wrapped over two lines
            else:
                out.append("#" * level[size] + " " + line.text)
        elif _BULLET.match(line.text):
            flush()
            out.append("- " + _BULLET.sub("", line.text))
        else:
            new_paragraph = (previous is None or previous.page != line.page or not usual
                             or previous.y - line.y > PARAGRAPH_GAP * usual)
            if out and out[-1].startswith("- ") and not para and not new_paragraph:
                out[-1] += " " + line.text  # a list item wrapped over two lines
            else:
                if new_paragraph:
                    flush()
                para.append(line.text)
        previous = line
    flush()
    return "\n\n".join(out) + "\n"
