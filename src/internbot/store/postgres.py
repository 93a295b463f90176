"""The shared store: PostgreSQL through psycopg 3 and a connection pool, for several replicas.

Connections are checked as they leave the pool, so a database restart costs the requests made
while it is down (they get `StoreUnavailable`) and nothing after: the pool reconnects by itself.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from internbot.errors import StoreUnavailable
from internbot.store.base import Ask, AskLog, Feedback, Store, migrate, redact

log = logging.getLogger(__name__)

#: Serialises migrations across replicas starting together (any constant; ours spells "ibot").
LOCK_ID = 0x69626F74
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE asks (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, ts DOUBLE PRECISION NOT NULL,
        question TEXT NOT NULL, answered BOOLEAN NOT NULL, confidence REAL NOT NULL,
        answer TEXT NOT NULL, section TEXT NOT NULL DEFAULT '', channel TEXT NOT NULL DEFAULT 'api'
    );
    CREATE TABLE feedback (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, ts DOUBLE PRECISION NOT NULL,
        question TEXT NOT NULL, answer TEXT NOT NULL, helpful BOOLEAN NOT NULL,
        reason TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX asks_ts ON asks (ts);
    CREATE INDEX feedback_ts ON feedback (ts);
    """,
)


def safe_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


class PostgresStore(Store):
    """A pool of connections to one PostgreSQL database; the schema is migrated on first use."""

    def __init__(self, url: str, retention_days: float = 90.0, *, pool_size: int = 8,
                 timeout: float = 3.0, migrations: Sequence[str] = MIGRATIONS) -> None:
        from psycopg_pool import ConnectionPool

        self.url = safe_url(url)
        self.retention_days = retention_days
        self._migrations = migrations
        self._version = 0
        self._migrated = threading.Lock()
        # open(wait=False): the server starts even while the database is down, and connects when
        # it comes up; a request waits at most `timeout` for a connection, then gets a 503.
        self.pool = ConnectionPool(url, min_size=1, max_size=pool_size, open=False, timeout=timeout,
                                   check=ConnectionPool.check_connection, name="internbot",
                                   kwargs={"connect_timeout": max(1, int(timeout))})
        self.pool.open(wait=False)

    @contextmanager
    def _conn(self) -> Iterator[Any]:
        """A checked connection inside one transaction, committed when the block ends."""
        import psycopg
        import psycopg_pool

        try:
            with self.pool.connection() as conn:
                if not self._version:
                    self._migrate(conn)
                yield conn
        except (psycopg.OperationalError, psycopg_pool.PoolTimeout) as exc:
            raise StoreUnavailable(
                f"cannot reach the database at {self.url}: {str(exc).strip() or type(exc).__name__}"
                " (check that PostgreSQL runs and INTERNBOT_DATABASE_URL is right)") from exc

    def _migrate(self, conn: Any) -> None:
        with self._migrated:
            if self._version:
                return
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_ID,))
                conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
                (current,) = conn.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
                def run(sql: str, *params: object) -> None:
                    conn.execute(sql, params or None)

                self._version = migrate(
                    current, self._migrations, run,
                    lambda v: run("INSERT INTO schema_version VALUES (%s)", v), self.url)

    def log_asks(self, rows: Sequence[AskLog]) -> None:
        now = time.time()
        with self._conn() as conn, conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO asks (ts, question, answered, confidence, answer, section, channel) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                [(now, redact(r.question), r.answered, r.confidence, r.answer, r.section, r.channel)
                 for r in rows])

    def add_feedback(self, question: str, answer: str, helpful: bool, reason: str = "") -> int:
        with self._conn() as conn:
            (row_id,) = conn.execute(
                "INSERT INTO feedback (ts, question, answer, helpful, reason) "
                "VALUES (%s, %s, %s, %s, %s) RETURNING id",
                (time.time(), redact(question), answer, helpful, redact(reason))).fetchone()
        return int(row_id)  # the block above has committed

    def feedback(self, since: float = 0.0) -> list[Feedback]:
        with self._conn() as conn:
            rows = conn.execute("SELECT ts, question, answer, helpful, reason FROM feedback "
                                "WHERE ts >= %s ORDER BY ts, id", (since,)).fetchall()
        return [Feedback(*r) for r in rows]

    def asks(self, since: float = 0.0) -> list[Ask]:
        with self._conn() as conn:
            rows = conn.execute("SELECT ts, question, answered, confidence, section FROM asks "
                                "WHERE ts >= %s ORDER BY ts, id", (since,)).fetchall()
        return [Ask(*r) for r in rows]

    def purge(self, now: float | None = None) -> int:
        cutoff = (now if now is not None else time.time()) - self.retention_days * 86400
        with self._conn() as conn:
            n = conn.execute("DELETE FROM asks WHERE ts < %s", (cutoff,)).rowcount
            n += conn.execute("DELETE FROM feedback WHERE ts < %s", (cutoff,)).rowcount
        return int(n)

    def healthy(self) -> bool:
        try:
            with self._conn() as conn:
                conn.execute("SELECT 1")
            return True
        except StoreUnavailable:
            return False

    def schema_version(self) -> int:
        if not self._version:
            with self._conn():
                pass
        return self._version

    def close(self) -> None:
        self.pool.close()
