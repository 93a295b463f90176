"""Read the corpus folder into `Document`s: every .txt, .md, .html, .pdf and .docx file,
recursively (each format read by `ingest`).

Unreadable files (binary, not UTF-8, empty, scanned PDFs) are skipped with a warning rather
than failing the build.
"""

from __future__ import annotations

import hashlib
import html
import logging
import re
from collections.abc import Iterable
from itertools import islice
from pathlib import Path

from internbot import ingest
from internbot.errors import CorpusError
from internbot.records import Document

log = logging.getLogger(__name__)

#: Files of the corpus folder that configure it rather than being guides.
SYNONYMS_FILE = "synonyms.txt"
#: The site owner's curated answers (`curated.py`); the first that exists is used.
QNA_FILES = ("qna.csv", "qna.yaml", "qna.yml")
RESERVED = frozenset({SYNONYMS_FILE, *QNA_FILES})
FORMATS = ingest.SUFFIXES


def corpus_files(corpus_dir: Path) -> list[Path]:
    """The candidate files under `corpus_dir`, in a stable order."""
    if not corpus_dir.is_dir():
        raise CorpusError(
            f"no corpus folder at {corpus_dir}: create it and add .txt, .md or .html guides "
            "(or set INTERNBOT_CORPUS)"
        )
    return sorted(
        p for p in corpus_dir.rglob("*")
        if p.is_file() and p.suffix.lower() in FORMATS and not p.name.startswith(".")
        and not (p.parent == corpus_dir and p.name.lower() in RESERVED)
    )


def doc_id_for(path: Path, corpus_dir: Path) -> str:
    """A stable, URL-safe id from the path relative to the corpus folder, without extension."""
    rel = path.relative_to(corpus_dir).with_suffix("").as_posix()
    return re.sub(r"[^a-z0-9/]+", "-", rel.lower()).strip("-")


#: "By Maple Ong" under a title: the author (group 1), not a section.
BYLINE = re.compile(r"^By\s+([A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3})$")
ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\ufeff]")


def clean(text: str) -> str:
    """Collapse whitespace and normalise non-breaking spaces."""
    return " ".join(ZERO_WIDTH.sub("", text.replace("\u00a0", " ")).split())


def byline_at(lines: list[str]) -> int | None:
    """Where a byline stands among a document's cleaned, non-empty lines: second or third,
    just under the title (and a subtitle), or nowhere. The parser drops that line; `byline`
    reads the author from it."""
    return next((i for i in (1, 2) if i < len(lines) and BYLINE.match(lines[i])), None)


def byline(text: str) -> str:
    """The author a byline just under the title names ("By Maple Ong" → "Maple Ong"), or "".
    Only the first three non-empty lines can hold one: the rest of the text is not cleaned."""
    lines = list(islice((line for raw in text.splitlines() if (line := clean(raw))), 3))
    at = byline_at(lines)
    m = BYLINE.match(lines[at]) if at is not None else None
    return m.group(1) if m else ""


def guess_title(text: str, fmt: str, fallback: str) -> str:
    """The document's own title: <title>/<h1> for HTML, the first heading or line otherwise."""
    if fmt == "html":
        m = re.search(r"<title[^>]*>(.*?)</title>|<h1[^>]*>(.*?)</h1>", text, re.I | re.S)
        if m:
            raw = re.sub(r"<[^>]+>", "", m.group(1) or m.group(2) or "")
            return html.unescape(" ".join(raw.split())) or fallback
        return fallback
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line[:200]
    return fallback


def load_documents(corpus_dir: Path) -> list[Document]:
    """Every readable document in the corpus; raises `CorpusError` when there is none."""
    from internbot.ingest.web import page_urls

    docs: list[Document] = []
    urls = page_urls(corpus_dir)
    for path in corpus_files(corpus_dir):
        extracted = ingest.read(path)
        if extracted is None:
            continue
        url, anchors = urls.get(path.relative_to(corpus_dir).as_posix(), ("", {}))
        docs.append(Document(
            id=doc_id_for(path, corpus_dir),
            title=guess_title(extracted.text, extracted.format, fallback=path.stem),
            author=byline(extracted.text) if extracted.format != "html" else "",
            path=str(path),
            text=extracted.text,
            format=extracted.format,
            url=url,
            anchors=anchors,
            pages=extracted.pages,
        ))
    if not docs:
        raise CorpusError(
            f"the corpus at {corpus_dir} has no readable .txt, .md, .html, .pdf or .docx document: "
            "add one"
        )
    return docs


def corpus_hash(docs: Iterable[Document], synonyms: str = "") -> str:
    """A hash of ids and texts (and the synonyms file), so an index knows its corpus."""
    h = hashlib.sha256(synonyms.encode())
    for doc in sorted(docs, key=lambda d: d.id):
        h.update(doc.id.encode())
        h.update(b"\x00")
        h.update(doc.text.encode())
        h.update(b"\x00")
    return h.hexdigest()


def corpus_fingerprint(corpus_dir: Path) -> str:
    """A cheap stand-in for `corpus_hash`, from what the file system says without reading a
    file: every corpus file's path, size and modification time, settings files included. An
    equal fingerprint means an unchanged corpus; a different one (an edit, but also a copy or
    a fresh checkout) sends the caller to the content hash, which decides."""
    corpus_dir = Path(corpus_dir)
    h = hashlib.sha256()
    settings = [p for n in (SYNONYMS_FILE, *QNA_FILES) if (p := corpus_dir / n).is_file()]
    for path in [*corpus_files(corpus_dir), *settings]:
        st = path.stat()
        h.update(f"{path.relative_to(corpus_dir).as_posix()}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    return h.hexdigest()


def synonyms_text(corpus_dir: Path) -> str:
    """The corpus's `synonyms.txt`, or '' (it changes the index, so it is part of the hash)."""
    path = Path(corpus_dir) / SYNONYMS_FILE
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def qna_file(corpus_dir: Path) -> Path | None:
    """The corpus's curated-answers file (`qna.csv`, `qna.yaml` or `qna.yml`), if any."""
    return next((p for n in QNA_FILES if (p := Path(corpus_dir) / n).is_file()), None)


def settings_text(corpus_dir: Path) -> str:
    """The corpus folder's own settings files, which change the index as the guides do:
    `synonyms.txt` and the curated answers. Part of the corpus hash."""
    qna = qna_file(corpus_dir)
    extra = f"\x00{qna.name}\x00{qna.read_text(encoding='utf-8')}" if qna else ""
    return synonyms_text(corpus_dir) + extra
