"""Where visitors' questions and feedback are kept: SQLite by default, PostgreSQL when shared.

`open_store(settings)` picks the backend from `INTERNBOT_DATABASE_URL` (empty: the SQLite file
in the data folder); both keep the same schema, redaction and retention.
"""

from __future__ import annotations

from pathlib import Path

from internbot.config import Settings
from internbot.store.base import Ask, AskLog, Feedback, Store, redact
from internbot.store.sqlite import SQLiteStore

__all__ = ["Ask", "AskLog", "Feedback", "SQLiteStore", "Store", "open_store", "redact", "sqlite_path"]


def sqlite_path(settings: Settings) -> Path | None:
    """The SQLite file the settings name, or None when the store is PostgreSQL."""
    url = settings.database_url
    if not url:
        return settings.data_dir / "internbot.sqlite3"
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///"))
    return None


def open_store(settings: Settings) -> Store:
    """The store the settings name; PostgreSQL connects in the background."""
    path = sqlite_path(settings)
    if path is not None:
        return SQLiteStore(path, settings.retention_days)
    from internbot.store.postgres import PostgresStore

    return PostgresStore(settings.database_url, settings.retention_days)
