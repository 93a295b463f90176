"""Which PDF reading keeps a guide's structure: the same guide, two layouts, three readers.

Usage: .venv/bin/python bench/pdf_structure.py
The fixtures are `tests/data/formats/cold-brew.pdf` (full-width) and `cold-brew-narrow.pdf`
(a 70 mm column, so body lines wrap short), made by `tests/data/make_formats.py`: a title, three
sections, a three-item list, two paragraphs. Each reader's text goes through the same parser and
chunker; the figures are the sections, list items and passages recovered against that truth,
and whether the wrapped paragraph stays one passage.
"""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader

from internbot import ingest
from internbot.chunking import chunk_document
from internbot.records import Document

FORMATS = Path(__file__).resolve().parents[1] / "tests" / "data" / "formats"
SECTIONS = {("Why Cold Brew",), ("What You Need",), ("How Long to Steep",)}
WRAPPED = "keeps in the fridge for up to two weeks without losing its taste"


def readers(path: Path) -> dict[str, tuple[str, str]]:
    pages = PdfReader(str(path)).pages
    return {
        "pypdf extract_text → text heuristics": ("\n".join(p.extract_text() for p in pages), "text"),
        "pypdf layout mode → text heuristics": (
            "\n".join(p.extract_text(extraction_mode="layout") for p in pages), "text"),
        "ingest.pdf (font sizes → Markdown)": (ingest.read(path).text, "markdown"),  # type: ignore[union-attr]
    }


def main() -> None:
    print("| layout | reader | sections (of 3) | list items (of 3) | spurious sections | "
          "wrapped paragraph whole |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name in ("cold-brew.pdf", "cold-brew-narrow.pdf"):
        for reader, (text, fmt) in readers(FORMATS / name).items():
            chunks = chunk_document(Document("d", "Cold Brew at Home", name, text, fmt))  # type: ignore[arg-type]
            found = {c.section for c in chunks if c.section}
            items = sum(c.kind == "bullet" for c in chunks)
            whole = any(WRAPPED in " ".join(c.text.split()) for c in chunks)
            print(f"| {name} | {reader} | {len(found & SECTIONS)} | {items} | "
                  f"{len(found - SECTIONS)} | {'yes' if whole else 'no'} |")


if __name__ == "__main__":
    main()
