"""Questions, answers and feedback in SQLite (WAL), with personal data redacted before storage.

Feedback is committed before the request is acknowledged. Question logs are cheap, best-effort
analytics, also committed per write; `purge` enforces the retention period.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?<![\w$])\+?\d[\d\s().-]{7,}\d(?![\w%])")

SCHEMA = """
CREATE TABLE IF NOT EXISTS asks (
    id INTEGER PRIMARY KEY, ts REAL NOT NULL, question TEXT NOT NULL, answered INTEGER NOT NULL,
    confidence REAL NOT NULL, answer TEXT NOT NULL, section TEXT NOT NULL DEFAULT '',
    channel TEXT NOT NULL DEFAULT 'api'
);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY, ts REAL NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL,
    helpful INTEGER NOT NULL, reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS asks_ts ON asks (ts);
CREATE INDEX IF NOT EXISTS feedback_ts ON feedback (ts);
"""


def redact(text: str) -> str:
    """Replace e-mail addresses and phone numbers, so stored questions hold no contact details."""
    text = EMAIL.sub("[email]", text)
    return PHONE.sub(lambda m: "[phone]" if sum(c.isdigit() for c in m.group()) >= 8 else m.group(),
                     text)


@dataclass(frozen=True)
class Feedback:
    ts: float
    question: str
    answer: str
    helpful: bool
    reason: str


class Store:
    """A small SQLite store shared by all request threads (one connection, one lock)."""

    def __init__(self, path: Path, retention_days: float = 90.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.retention_days = retention_days
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.executescript(SCHEMA)

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def log_asks(self, rows: list[tuple[str, bool, float, str, str, str]]) -> None:
        """Log (question, answered, confidence, answer, section, channel) rows in one transaction."""
        now = time.time()
        with self._tx() as db:
            db.executemany(
                "INSERT INTO asks (ts, question, answered, confidence, answer, section, channel) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(now, redact(q), int(a), c, ans, sec, ch) for q, a, c, ans, sec, ch in rows])

    def add_feedback(self, question: str, answer: str, helpful: bool, reason: str = "") -> int:
        """Store feedback durably; returns its id once committed."""
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO feedback (ts, question, answer, helpful, reason) VALUES (?, ?, ?, ?, ?)",
                (time.time(), redact(question), answer, int(helpful), redact(reason)))
            return int(cur.lastrowid or 0)

    def feedback(self, since: float = 0.0) -> list[Feedback]:
        with self._lock:
            rows = self._db.execute(
                "SELECT ts, question, answer, helpful, reason FROM feedback WHERE ts >= ? ORDER BY ts",
                (since,)).fetchall()
        return [Feedback(r[0], r[1], r[2], bool(r[3]), r[4]) for r in rows]

    def asks(self, since: float = 0.0) -> list[tuple[float, str, bool, float, str]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT ts, question, answered, confidence, section FROM asks WHERE ts >= ? ORDER BY ts",
                (since,)).fetchall()
        return [(r[0], r[1], bool(r[2]), r[3], r[4]) for r in rows]

    def purge(self, now: float | None = None) -> int:
        """Delete everything older than the retention period; returns the rows removed."""
        cutoff = (now if now is not None else time.time()) - self.retention_days * 86400
        with self._tx() as db:
            n = db.execute("DELETE FROM asks WHERE ts < ?", (cutoff,)).rowcount
            n += db.execute("DELETE FROM feedback WHERE ts < ?", (cutoff,)).rowcount
        return n

    def close(self) -> None:
        with self._lock:
            self._db.close()
