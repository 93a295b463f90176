"""One pure-ASGI middleware in front of everything: body size, rate limit, origins, framing.

- Bodies over 64 KB (1 MB for the chat's own routes, which carry its history) get 413 before
  anything parses them.
- Per-client-IP rate limit on the API and the Gradio queue: 429 with Retry-After. Behind a
  trusted proxy the client is the one `X-Forwarded-For` names (see `client_address`).
- CORS: only allowlisted origins are ever echoed, whatever Gradio's own middleware did.
- Pages carry `Content-Security-Policy: frame-ancestors 'self' <allowed origins>`.
- Only allowlisted paths are served at all (see `ALLOWED`).
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from internbot.ratelimit import RateLimit

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

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
    r"|admin|admin/login|admin/answers|admin/reload"
    r"|config/?|theme\.css|favicon\.ico|robots\.txt"
    r"|(?:assets|static|svelte)/[^?]*"
    r"|gradio_api/(?:queue/join|queue/data|heartbeat/[\w-]+|cancel|startup-events|info/?"
    r"|theme\.css|reset/?|run/predict)"
    r")$"
)
LIMITED = ("/api/ask", "/api/feedback", "/gradio_api/queue/join", "/admin/login")
CORS_HEADERS = {b"access-control-allow-origin", b"access-control-allow-credentials",
                b"access-control-allow-methods", b"access-control-allow-headers",
                b"access-control-expose-headers", b"access-control-max-age"}


def client_address(scope: Scope, trusted: Sequence[IPNetwork]) -> str:
    """The client's address: the peer's, or, when the peer is a trusted proxy, the nearest
    address in `X-Forwarded-For` that is not itself a trusted proxy. Anyone else's header is
    ignored, so a client cannot pick its own rate-limit key."""
    peer = (scope.get("client") or ("unknown", 0))[0]
    if not trusted or not _within(peer, trusted):
        return str(peer)
    forwarded = [v.decode("latin-1") for k, v in scope.get("headers") or []
                 if k.lower() == b"x-forwarded-for"]
    hops = [h.strip() for h in ",".join(forwarded).split(",") if h.strip()]
    for hop in reversed(hops):
        if not _within(hop, trusted):
            return hop if _parse(hop) is not None else str(peer)
    return hops[0] if hops else str(peer)


def _parse(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(address)
    except ValueError:
        return None


def _within(address: str, networks: Sequence[IPNetwork]) -> bool:
    ip = _parse(address)
    return ip is not None and any(ip in n for n in networks)


async def _json(send: Send, status: int, body: dict[str, Any],
                headers: Iterable[tuple[bytes, bytes]] = ()) -> None:
    data = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(data)).encode()), *headers]})
    await send({"type": "http.response.body", "body": data})


class Guard:
    def __init__(self, app: ASGIApp, *, allow_origins: Iterable[str] = (),
                 limit: RateLimit | None = None, max_body: int = MAX_BODY,
                 trusted_proxies: Iterable[str] = ()) -> None:
        self.app = app
        self.origins = {o.rstrip("/") for o in allow_origins}
        self.limit = limit or RateLimit(0)
        self.trusted = [ipaddress.ip_network(n, strict=False) for n in trusted_proxies]
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
            wait = await self.limit.retry_after(client_address(scope, self.trusted))
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
