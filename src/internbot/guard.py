"""One pure-ASGI middleware in front of everything: body size, rate limit, origins, framing.

- Bodies over 64 KB (1 MB for the chat's own routes, which carry its history) get 413 before
  anything parses them.
- Per-client-IP rate limit on the API and the Gradio queue: 429 with Retry-After.
- CORS: only allowlisted origins are ever echoed, whatever Gradio's own middleware did.
- Pages carry `Content-Security-Policy: frame-ancestors 'self' <allowed origins>`.
- Only allowlisted paths are served at all (see `ALLOWED`).
"""

from __future__ import annotations

import json
import math
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BODY = 64 * 1024
#: The chat page sends its whole history (answers and sources included) with every message,
#: so Gradio's routes get more room: 64 KB ran out after about 25 turns and stalled the chat.
MAX_CHAT_BODY = 1024 * 1024
#: Deny by default: the only paths served, ours and what the Gradio chat page itself uses.
#: Uploads, Gradio's file and proxy routes, direct event calls (/call, /run, /api), monitoring,
#: login and editing endpoints all answer 404.
ALLOWED = re.compile(
    r"^/(?:"
    r"|api/ask|api/feedback|api/docs|openapi\.json|healthz|readyz|widget\.js|demo"
    r"|config/?|theme\.css|favicon\.ico|robots\.txt"
    r"|(?:assets|static|svelte)/[^?]*"
    r"|gradio_api/(?:queue/join|queue/data|heartbeat/[\w-]+|cancel|startup-events|info/?"
    r"|theme\.css|reset/?|run/predict)"
    r")$"
)
LIMITED = ("/api/ask", "/api/feedback", "/gradio_api/queue/join")
CORS_HEADERS = {b"access-control-allow-origin", b"access-control-allow-credentials",
                b"access-control-allow-methods", b"access-control-allow-headers",
                b"access-control-expose-headers", b"access-control-max-age"}


class RateLimiter:
    """Sliding one-minute window per key."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._hits: dict[str, deque[float]] = {}

    def retry_after(self, key: str, now: float | None = None) -> int:
        """0 when the request may go ahead (and counts it), else seconds to wait."""
        if self.per_minute <= 0:
            return 0
        now = time.monotonic() if now is None else now
        hits = self._hits.setdefault(key, deque())
        while hits and now - hits[0] >= 60:
            hits.popleft()
        if len(hits) >= self.per_minute:
            return max(1, math.ceil(60 - (now - hits[0])))
        hits.append(now)
        if len(self._hits) > 50_000:  # forget idle clients
            for k in [k for k, v in self._hits.items() if not v or now - v[-1] >= 60]:
                del self._hits[k]
        return 0


class SharedRateLimiter:
    """Fixed one-minute windows counted in SQLite, so several worker processes share one limit."""

    def __init__(self, per_minute: int, path: Path) -> None:
        import sqlite3

        self.per_minute = per_minute
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=5)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=OFF")  # counters, not records: speed over durability
        self._db.execute("CREATE TABLE IF NOT EXISTS hits (key TEXT, window INTEGER, n INTEGER, "
                         "PRIMARY KEY (key, window))")

    def retry_after(self, key: str, now: float | None = None) -> int:
        if self.per_minute <= 0:
            return 0
        now = time.time() if now is None else now
        window = int(now // 60)
        (n,) = self._db.execute(
            "INSERT INTO hits VALUES (?, ?, 1) ON CONFLICT (key, window) DO UPDATE SET n = n + 1 "
            "RETURNING n", (key, window)).fetchone()
        if window % 5 == 0 and n == 1:
            self._db.execute("DELETE FROM hits WHERE window < ?", (window - 1,))
        return 0 if n <= self.per_minute else max(1, math.ceil((window + 1) * 60 - now))


async def _json(send: Send, status: int, body: dict[str, Any],
                headers: Iterable[tuple[bytes, bytes]] = ()) -> None:
    data = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(data)).encode()), *headers]})
    await send({"type": "http.response.body", "body": data})


class Guard:
    def __init__(self, app: ASGIApp, *, allow_origins: Iterable[str] = (), rate_limit: int = 60,
                 max_body: int = MAX_BODY, shared_limit_db: Path | None = None) -> None:
        self.app = app
        self.origins = {o.rstrip("/") for o in allow_origins}
        self.limiter: RateLimiter | SharedRateLimiter = (
            SharedRateLimiter(rate_limit, shared_limit_db) if shared_limit_db and rate_limit
            else RateLimiter(rate_limit))
        self.max_body = max_body
        ancestors = " ".join(["'self'", *sorted(self.origins)])
        self.csp = f"frame-ancestors {ancestors}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        method: str = scope.get("method", "GET")
        headers = dict(scope.get("headers") or [])
        origin = headers.get(b"origin", b"").decode("latin-1")
        allowed = origin in self.origins
        is_api = path.startswith("/api/")

        if not ALLOWED.match(path):
            await _json(send, 404, {"error": "not found"})
            return
        if is_api and method == "OPTIONS":  # CORS preflight: answered here, for allowed origins only
            extra = [(b"access-control-allow-origin", origin.encode()),
                     (b"access-control-allow-methods", b"POST, OPTIONS"),
                     (b"access-control-allow-headers", b"content-type"),
                     (b"access-control-max-age", b"600"), (b"vary", b"Origin")] if allowed else []
            await send({"type": "http.response.start", "status": 204 if allowed else 403,
                        "headers": extra})
            await send({"type": "http.response.body", "body": b""})
            return
        limit = MAX_CHAT_BODY if path.startswith("/gradio_api/") else self.max_body
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await _json(send, 413, {"error": f"request body over {limit // 1024} KB"})
            return
        if method == "POST" and path.startswith(LIMITED):
            client = (scope.get("client") or ("unknown", 0))[0]
            wait = self.limiter.retry_after(client)
            if wait:
                await _json(send, 429, {"error": "too many requests: slow down and retry later"},
                            [(b"retry-after", str(wait).encode())])
                return

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = [(k, v) for k, v in message.get("headers", [])
                       if k.lower() not in CORS_HEADERS and k.lower() != b"x-frame-options"]
                if allowed and is_api:
                    out += [(b"access-control-allow-origin", origin.encode()), (b"vary", b"Origin")]
                if not is_api:
                    out.append((b"content-security-policy", self.csp))
                out.append((b"x-content-type-options", b"nosniff"))
                message = {**message, "headers": out}
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except BodyTooLarge:
            await _json(send, 413, {"error": f"request body over {limit // 1024} KB"})


class BodyTooLarge(Exception):
    """Raised inside the app's receive when a streamed body passes the limit."""
