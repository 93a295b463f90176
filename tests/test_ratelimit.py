"""Rate limits on the `limits` library, and whose address counts behind a proxy."""

from __future__ import annotations

import asyncio
import ipaddress
from pathlib import Path

import pytest

from internbot.config import Settings
from internbot.errors import InternbotError
from internbot.guard import client_address
from internbot.ratelimit import RateLimit

NGINX = [ipaddress.ip_network("10.0.0.0/24")]


def scope(peer: str, *forwarded: str) -> dict[str, object]:
    return {"client": (peer, 5000), "headers": [(b"x-forwarded-for", f.encode()) for f in forwarded]}


def test_forwarded_for_counts_only_from_a_trusted_proxy() -> None:
    assert client_address(scope("10.0.0.5", "203.0.113.7"), NGINX) == "203.0.113.7"
    # The client's own forged entry sits left of what the proxy appended: the nearest wins.
    assert client_address(scope("10.0.0.5", "1.2.3.4, 203.0.113.7"), NGINX) == "203.0.113.7"
    assert client_address(scope("10.0.0.5", "203.0.113.7, 10.0.0.9"), NGINX) == "203.0.113.7"
    # From anyone else the header is ignored, so nobody picks their own rate-limit key.
    assert client_address(scope("198.51.100.2", "1.2.3.4"), NGINX) == "198.51.100.2"
    assert client_address(scope("10.0.0.5", "1.2.3.4"), []) == "10.0.0.5"
    assert client_address(scope("10.0.0.5", "not-an-ip"), NGINX) == "10.0.0.5"
    assert client_address(scope("10.0.0.5"), NGINX) == "10.0.0.5"


def test_trusted_proxies_and_storage_settings_are_checked() -> None:
    s = Settings.from_env({"INTERNBOT_TRUSTED_PROXIES": "10.0.0.0/8, ::1",
                           "INTERNBOT_RATE_LIMIT_STORAGE": "redis://cache:6379/0"})
    assert s.trusted_proxies == ("10.0.0.0/8", "::1/128")
    with pytest.raises(InternbotError, match="INTERNBOT_TRUSTED_PROXIES"):
        Settings.from_env({"INTERNBOT_TRUSTED_PROXIES": "nginx.internal"})
    with pytest.raises(InternbotError, match="use memory:// or redis://"):
        Settings.from_env({"INTERNBOT_RATE_LIMIT_STORAGE": "memcached://x"})
    with pytest.raises(InternbotError, match="postgresql://"):
        Settings.from_env({"INTERNBOT_DATABASE_URL": "mysql://x"})


def test_limits_per_client_in_memory() -> None:
    async def run() -> list[int]:
        limit = RateLimit(2)
        return [await limit.retry_after(k) for k in ("a", "a", "b", "a")]

    waits = asyncio.run(run())
    assert waits[:3] == [0, 0, 0] and 0 < waits[3] <= 60


def test_worker_processes_share_one_sqlite_file(tmp_path: Path) -> None:
    async def run() -> list[int]:
        one = RateLimit(3, shared_file=tmp_path / "rl.sqlite3")
        two = RateLimit(3, shared_file=tmp_path / "rl.sqlite3")  # another worker, same file
        return [await w.retry_after("k") for w in (one, two, one, two)]

    waits = asyncio.run(run())
    assert waits[:3] == [0, 0, 0] and waits[3] > 0


def test_an_unreachable_redis_lets_requests_through() -> None:
    async def run() -> tuple[list[int], bool, str]:
        limit = RateLimit(1, "redis://127.0.0.1:9/0")  # the discard port: nothing listens
        waits = [await limit.retry_after("k") for _ in range(3)]
        return waits, await limit.healthy(), limit.error

    waits, healthy, error = asyncio.run(run())
    assert waits == [0, 0, 0] and not healthy and "unreachable" in error
