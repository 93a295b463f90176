"""Reading one corpus file into text the parser understands, by format.

One module per format, each with `read(path) -> Extracted | None` (None: skipped, with a
warning saying why): `text` for .txt, .md and .html as they are; `pdf` (pypdf) and `docx`
(python-docx) turn a document's headings and lists into Markdown, so the same parser and
chunker handle every format.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from internbot.records import DocumentFormat as Format


@dataclass(frozen=True)
class Extracted:
    """A file's text, and the format the parser should read it as."""

    text: str
    format: Format
    #: For paged documents (PDF), each page's text, so passages can name their page.
    pages: tuple[str, ...] = ()


#: Each suffix the corpus reads, with the module that reads it.
SUFFIXES = {".txt": "text", ".md": "text", ".markdown": "text", ".html": "text", ".htm": "text",
            ".pdf": "pdf", ".docx": "docx"}


def read(path: Path) -> Extracted | None:
    """The file's text for parsing, or None when it has none to offer (warned)."""
    kind = SUFFIXES[path.suffix.lower()]
    if kind == "pdf":
        from internbot.ingest import pdf

        return pdf.read(path)
    if kind == "docx":
        from internbot.ingest import docx

        return docx.read(path)
    from internbot.ingest import text

    return text.read(path)
