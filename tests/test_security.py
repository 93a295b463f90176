"""Hostile input against the server: each test fails if its protection is switched off."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from internbot.chat import make_respond
from internbot.config import Settings
from internbot.guard import ALLOWED
from internbot.server import create_app


@pytest.fixture
def settings(fake_index: Settings, tmp_path: Path) -> Settings:
    return replace(fake_index, data_dir=tmp_path / "data", rate_limit=0)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, background=False), base_url="http://127.0.0.1:7860") as c:
        yield c


def test_chat_checks_question_length_on_the_server() -> None:
    calls: list[str] = []

    def ask(question, history, url, title):  # type: ignore[no-untyped-def]
        calls.append(question)
        raise AssertionError("must not be reached")

    respond = make_respond(ask, max_chars=1000)
    reply = respond("x" * 5000, [], None)  # type: ignore[arg-type]
    assert "5000 characters" in reply["content"] and calls == []
    assert "type a question" in respond("   ", [], None)["content"]  # type: ignore[arg-type]


def test_chat_caps_history_sent_to_the_engine() -> None:
    seen: list[tuple[str, ...]] = []

    def ask(question, history, url, title):  # type: ignore[no-untyped-def]
        seen.append(history)
        raise __import__("internbot.errors").errors.QuestionError("stop")

    history = [{"role": "user", "content": "q" * 3000}] * 50
    make_respond(ask, max_chars=1000, max_history=20)("hello?", history, None)  # type: ignore[arg-type]
    assert len(seen[0]) == 20 and all(len(h) <= 1000 for h in seen[0])


def test_gradio_queue_is_rate_limited(settings: Settings) -> None:
    app = create_app(replace(settings, rate_limit=3), background=False)
    with TestClient(app) as c:
        codes = [c.post("/gradio_api/queue/join", json={}).status_code for _ in range(4)]
    assert codes[-1] == 429 and 429 not in codes[:3]


FILE_PROBES = [
    "/gradio_api/file=/etc/passwd",
    "/file=/etc/passwd",
    "/gradio_api/file=../../../../etc/passwd",
    "/gradio_api/file=..%2F..%2F..%2F..%2Fetc%2Fpasswd",
    "/gradio_api/file=%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/Gradio_Api/File=/etc/passwd",
    "/GRADIO_API/FILE=/etc/passwd",
    "/gradio_api/file=http://169.254.169.254/latest/meta-data/",
    "/gradio_api/proxy=http://169.254.169.254/latest/meta-data/",
    "/gradio_api/file/etc/passwd",
    "/static/../../../../etc/passwd",
    "/assets/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
]


@pytest.mark.parametrize("path", FILE_PROBES)
def test_no_file_disclosure(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code in (400, 403, 404)
    assert "root:" not in r.text


def test_index_and_data_files_are_not_served(client: TestClient, settings: Settings) -> None:
    for target in (settings.index_dir / "manifest.json", settings.index_dir / "chunks.jsonl",
                   settings.data_dir / "internbot.sqlite3"):
        for prefix in ("/gradio_api/file=", "/file=", "/gradio_api/file/"):
            r = client.get(prefix + str(target.resolve()))
            assert r.status_code in (403, 404) and "model" not in r.text


def test_uploads_are_refused(client: TestClient) -> None:
    r = client.post("/gradio_api/upload", files={"files": ("a.txt", b"hello")})
    assert r.status_code == 404


def _flatten(routes, prefix: str = "") -> Iterator[tuple[str, set[str]]]:  # type: ignore[no-untyped-def]
    for r in routes:
        inner = getattr(r, "routes", None)
        if inner is None and hasattr(r, "original_router"):
            inner = r.original_router.routes
        if inner is not None and not hasattr(r, "endpoint"):
            yield from _flatten(inner, prefix + getattr(r, "path", ""))
        else:
            yield prefix + getattr(r, "path", ""), set(getattr(r, "methods", None) or [])


INTENDED = {
    "/", "/api/ask", "/api/feedback", "/healthz", "/readyz", "/widget.js", "/demo", "/openapi.json",
    "/api/docs", "/config", "/config/", "/theme.css", "/favicon.ico", "/robots.txt",
    "/gradio_api/queue/join", "/gradio_api/queue/data", "/gradio_api/cancel",
    "/gradio_api/startup-events", "/gradio_api/info", "/gradio_api/info/", "/gradio_api/theme.css",
    "/gradio_api/reset", "/gradio_api/reset/", "/gradio_api/run/predict",
}


def test_only_intended_endpoints_are_reachable(client: TestClient) -> None:
    app = client.app.app  # type: ignore[attr-defined]  # inside the guard
    paths = {p for p, _ in _flatten(app.routes)}
    assert len(paths) > 50  # Gradio really mounts its many routes; the guard must hide them
    for path in sorted(paths):
        concrete = re.sub(r"\{[^}]+\}", "x", path) or "/"
        reachable = bool(ALLOWED.match(concrete))
        if path.startswith(("/assets/", "/static/", "/svelte/", "/gradio_api/heartbeat/")):
            continue  # static front-end files and the chat's heartbeat
        assert reachable == (path in INTENDED), path
        if not reachable:
            assert client.request("POST" if "call" in path else "GET", concrete).status_code == 404


def test_gradio_api_lists_no_public_endpoints(client: TestClient) -> None:
    info = client.get("/gradio_api/info").json()
    assert info == {"named_endpoints": {}, "unnamed_endpoints": {}}
    for path in ("/gradio_api/call/chat", "/gradio_api/api/chat", "/gradio_api/run/chat",
                 "/gradio_api/call/v2/respond", "/gradio_api/run/_submit_fn"):
        assert client.post(path, json={"data": ["hi", []]}).status_code == 404


def test_corrupt_index_means_not_ready(settings: Settings) -> None:
    (settings.index_dir / "vectors.npy").write_bytes(b"\x93NUMPY truncated")
    with TestClient(create_app(settings, background=False)) as c:
        assert c.get("/readyz").status_code == 503
        r = c.post("/api/ask", json={"question": "How hot should the water be?"})
        assert r.status_code == 503 and "truncated or corrupt" in r.json()["error"]
