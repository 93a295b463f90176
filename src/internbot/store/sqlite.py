"""The embedded store: one SQLite file (WAL) in the data folder, the default.

Feedback is committed before the request is acknowledged. Question logs are cheap, best-effort
analytics, also committed per write; `purge` enforces the retention period.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from internbot.store.base import Ask, AskLog, Feedback, Store, migrate, redact

#: Schema version N is MIGRATIONS[N-1]. Version 1 is the schema from before versioning, written
#: with IF NOT EXISTS so that databases created then are adopted as they are.
MIGRATIONS: tuple[str, ...] = (
    """
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
    """,
)


class SQLiteStore(Store):
    """A small SQLite store shared by all request threads (one connection, one lock)."""

    def __init__(self, path: Path, retention_days: float = 90.0,
                 migrations: Sequence[str] = MIGRATIONS) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.retention_days = retention_days
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=5000")
        with self._tx() as db:  # BEGIN IMMEDIATE: one worker process migrates, the others wait
            db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = db.execute("SELECT max(version) FROM schema_version").fetchone()
            self._version = migrate(
                row[0] or 0, migrations, db.executescript_in_tx,
                lambda v: db.execute("INSERT INTO schema_version VALUES (?)", (v,)), str(self.path))

    @contextmanager
    def _tx(self) -> Iterator[_Tx]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield _Tx(self._db)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def log_asks(self, rows: Sequence[AskLog]) -> None:
        now = time.time()
        with self._tx() as db:
            db.executemany(
                "INSERT INTO asks (ts, question, answered, confidence, answer, section, channel) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(now, redact(r.question), int(r.answered), r.confidence, r.answer, r.section,
                  r.channel) for r in rows])

    def add_feedback(self, question: str, answer: str, helpful: bool, reason: str = "") -> int:
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

    def asks(self, since: float = 0.0) -> list[Ask]:
        with self._lock:
            rows = self._db.execute(
                "SELECT ts, question, answered, confidence, section FROM asks WHERE ts >= ? ORDER BY ts",
                (since,)).fetchall()
        return [Ask(r[0], r[1], bool(r[2]), r[3], r[4]) for r in rows]

    def purge(self, now: float | None = None) -> int:
        cutoff = (now if now is not None else time.time()) - self.retention_days * 86400
        with self._tx() as db:
            n = db.execute("DELETE FROM asks WHERE ts < ?", (cutoff,)).rowcount
            n += db.execute("DELETE FROM feedback WHERE ts < ?", (cutoff,)).rowcount
        return n

    def healthy(self) -> bool:
        return True  # a local file: if it fails, the disk is gone and so is the server

    def schema_version(self) -> int:
        return self._version

    def close(self) -> None:
        with self._lock:
            self._db.close()


class _Tx:
    """The connection inside one transaction (`executescript` would commit it, so statements
    of a migration script run one by one)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.execute = db.execute
        self.executemany = db.executemany

    def executescript_in_tx(self, script: str) -> None:
        for statement in (s.strip() for s in script.split(";")):
            if statement:
                self.execute(statement)
