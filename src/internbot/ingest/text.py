"""Plain text, Markdown and HTML files: decoded as they are."""

from __future__ import annotations

import logging
from pathlib import Path

from internbot.ingest import Extracted, Format

log = logging.getLogger(__name__)
FORMATS: dict[str, Format] = {".txt": "text", ".md": "markdown", ".markdown": "markdown",
                              ".html": "html", ".htm": "html"}


def decode(data: bytes, name: str) -> str | None:
    """UTF-8 text, or None (with a warning) for binary, non-UTF-8 or blank content."""
    if b"\x00" in data[:8192]:
        log.warning("skipping %s: looks binary", name)
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        log.warning("skipping %s: not UTF-8 (%s)", name, exc.reason)
        return None
    if not text.strip():
        log.warning("skipping %s: empty", name)
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read(path: Path) -> Extracted | None:
    text = decode(path.read_bytes(), str(path))
    return Extracted(text, FORMATS[path.suffix.lower()]) if text is not None else None
