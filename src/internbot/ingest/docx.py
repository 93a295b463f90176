"""Word documents (python-docx): heading styles become Markdown headings, list styles items,
table rows paragraphs; everything else a paragraph."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from internbot.ingest import Extracted

log = logging.getLogger(__name__)
_HEADING = re.compile(r"^heading\s*(\d)$", re.I)


def read(path: Path) -> Extracted | None:
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, ValueError, KeyError, OSError) as exc:
        log.warning("skipping %s: not a readable .docx (%s)", path, exc)
        return None
    lines: list[str] = []
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(_paragraph(Paragraph(block, document)))
        elif tag == "tbl":
            table = Table(block, document)
            lines += [" | ".join(c.text.strip() for c in row.cells) for row in table.rows]
    text = "\n\n".join(line for line in lines if line.strip())
    if not text.strip():
        log.warning("skipping %s: no text", path)
        return None
    return Extracted(text + "\n", "markdown")


def _paragraph(p: object) -> str:
    text = " ".join(getattr(p, "text", "").split())
    style = (getattr(getattr(p, "style", None), "name", "") or "").strip()
    if not text:
        return ""
    if style.lower() == "title":
        return f"# {text}"
    if m := _HEADING.match(style):
        return "#" * min(6, int(m.group(1)) + 1) + f" {text}"
    numbered = getattr(p, "_p", None) is not None and p._p.pPr is not None and p._p.pPr.numPr is not None  # type: ignore[attr-defined]
    if "list" in style.lower() or numbered:
        return f"- {text}"
    return text
