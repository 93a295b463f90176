"""Per-client rate limits on the `limits` library: in memory, in Redis across replicas, or in a
SQLite file shared by the worker processes of one machine.

A limit store that is down lets requests through (answers matter more than limits), says so in
`/readyz`, and is retried every second until it is back.
"""

from __future__ import annotations

import logging
import math
import sqlite3
import time
from pathlib import Path
from typing import cast

from limits import RateLimitItemPerMinute
from limits.aio.storage import MovingWindowSupport, Storage
from limits.aio.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter, RateLimiter
from limits.storage import storage_from_string

log = logging.getLogger(__name__)
#: While the limit store is unreachable, requests pass and it is retried this often.
RETRY_S = 1.0


class RateLimit:
    """`per_minute` requests per client key over a sliding minute (a fixed one on SQLite)."""

    def __init__(self, per_minute: int, storage: str = "memory://",
                 shared_file: Path | None = None) -> None:
        self.per_minute = per_minute
        self.item = RateLimitItemPerMinute(max(per_minute, 1))
        self.where = storage.split("@")[-1]  # no password in messages
        if storage.startswith("memory") and shared_file is not None:
            self.storage: Storage = SQLiteStorage(shared_file)
            self.where = str(shared_file)
        elif storage.startswith("memory"):
            self.storage = cast(Storage, storage_from_string("async+memory://"))
        else:  # redis: short timeouts, so an outage costs a request milliseconds, not seconds
            self.storage = cast(Storage, storage_from_string(
                f"async+{storage}", implementation="redispy", wrap_exceptions=True,
                socket_timeout=0.5, socket_connect_timeout=0.5))
        self.limiter: RateLimiter = (MovingWindowRateLimiter(self.storage)
                                     if isinstance(self.storage, MovingWindowSupport)
                                     else FixedWindowRateLimiter(self.storage))
        self._down_until = 0.0
        self.error = ""

    async def retry_after(self, key: str) -> int:
        """0 when the request may go ahead (and counts it), else seconds to wait."""
        if self.per_minute <= 0 or time.monotonic() < self._down_until:
            return 0
        try:
            if await self.limiter.hit(self.item, key):
                self._up()
                return 0
            stats = await self.limiter.get_window_stats(self.item, key)
        except Exception as exc:  # any storage failure: let the request through
            self._down(exc)
            return 0
        self._up()
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def healthy(self) -> bool:
        if self.per_minute <= 0:
            return True
        try:
            if await self.storage.check():
                return True
            raise ConnectionError("no answer to a ping")
        except Exception as exc:
            self._down(exc)
            return False

    def _down(self, exc: Exception) -> None:
        if not self.error:
            log.warning("rate limits off: storage at %s failed (%s); retrying every %.0f s",
                        self.where, exc, RETRY_S)
        self.error = f"rate-limit storage at {self.where} is unreachable: requests are not limited"
        self._down_until = time.monotonic() + RETRY_S

    def _up(self) -> None:
        if self.error:
            log.warning("rate limits back on: storage at %s answers again", self.where)
            self.error = ""


class SQLiteStorage(Storage):
    """Fixed-window counters in one SQLite file, for the worker processes of `serve --workers`."""

    STORAGE_SCHEME = ["internbot+sqlite"]  # noqa: RUF012 - as limits declares it

    def __init__(self, path: Path) -> None:
        super().__init__()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=5)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=OFF")  # counters, not records: speed over durability
        self._db.execute("CREATE TABLE IF NOT EXISTS hits "
                         "(key TEXT PRIMARY KEY, n INTEGER NOT NULL, expires REAL NOT NULL)")

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    async def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        (n,) = self._db.execute(
            "INSERT INTO hits VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
            "n = CASE WHEN expires <= ? THEN excluded.n ELSE n + excluded.n END, "
            "expires = CASE WHEN expires <= ? THEN excluded.expires ELSE expires END RETURNING n",
            (key, amount, now + expiry, now, now)).fetchone()
        if n == amount and int(now) % 60 == 0:  # now and then, forget idle clients
            self._db.execute("DELETE FROM hits WHERE expires < ?", (now,))
        return int(n)

    async def get(self, key: str) -> int:
        row = self._db.execute("SELECT n FROM hits WHERE key = ? AND expires > ?",
                               (key, time.time())).fetchone()
        return int(row[0]) if row else 0

    async def get_expiry(self, key: str) -> float:
        row = self._db.execute("SELECT expires FROM hits WHERE key = ?", (key,)).fetchone()
        return float(row[0]) if row else time.time()

    async def check(self) -> bool:
        return True

    async def reset(self) -> int | None:
        return self._db.execute("DELETE FROM hits").rowcount

    async def clear(self, key: str) -> None:
        self._db.execute("DELETE FROM hits WHERE key = ?", (key,))
