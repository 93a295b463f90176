"""PDF and Word guides: read with their headings and lists (`internbot.ingest`)."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from internbot.answerer import Answerer
from internbot.chunking import chunk_documents
from internbot.config import Settings
from internbot.corpus import load_documents
from internbot.indexing import build

FORMATS = Path(__file__).parent / "data" / "formats"


@pytest.mark.parametrize("name", ["cold-brew.pdf", "cold-brew-narrow.pdf", "cold-brew.docx"])
def test_pdf_and_docx_keep_their_sections_and_lists(tmp_path: Path, name: str) -> None:
    shutil.copy(FORMATS / name, tmp_path / name)
    (doc,) = load_documents(tmp_path)
    assert doc.title == "Cold Brew at Home" and doc.id == name.rsplit(".", 1)[0]
    chunks = list(chunk_documents([doc]))
    sections = {c.section for c in chunks}
    assert {("Why Cold Brew",), ("What You Need",), ("How Long to Steep",)} <= sections
    items = [c for c in chunks if c.section == ("What You Need",) and c.kind == "bullet"]
    assert [c.text for c in items] == ["A large jar with a lid", "Coarsely ground coffee",
                                       "A fine filter or cheesecloth"]
    # A paragraph wrapped over several lines of the page stays one passage.
    assert any("keeps in the fridge for up to two weeks without losing its taste" in c.text
               for c in chunks)


def test_scanned_and_broken_files_are_skipped_with_a_warning(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    shutil.copy(FORMATS / "scanned.pdf", tmp_path / "scanned.pdf")
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 truncated")
    (tmp_path / "ok.md").write_text("# Ok\n\nSome text here.\n")
    with caplog.at_level(logging.WARNING):
        docs = load_documents(tmp_path)
    assert [d.id for d in docs] == ["ok"]
    assert "no text layer (a scanned PDF?)" in caplog.text
    assert "broken.docx: not a readable .docx" in caplog.text and "broken.pdf" in caplog.text


def test_a_pdf_guide_answers_questions(fake_settings: Settings) -> None:
    shutil.copy(FORMATS / "cold-brew.pdf", fake_settings.corpus_dir / "cold-brew.pdf")
    build(fake_settings)
    answer = Answerer.from_settings(fake_settings).ask("How many hours do I steep the grounds and filter?")
    assert answer.answered and "12 to 18 hours" in answer.answer
    assert answer.sources[0].doc == "cold-brew" and answer.sources[0].page == 1
    assert "How Long to Steep, p. 1)" in answer.answer  # the source names its PDF page


def test_passages_know_their_pdf_page(tmp_path: Path) -> None:
    """A two-page PDF: each passage names the page it starts on."""
    shutil.copy(FORMATS / "two-pages.pdf", tmp_path / "two-pages.pdf")
    chunks = list(chunk_documents(load_documents(tmp_path)))
    assert {c.text.split()[0]: c.page for c in chunks} == {"Grind": 1, "Keep": 2}
