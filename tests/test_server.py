"""The HTTP server at its edge: TestClient against a fresh app per test (fake embedder)."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from internbot.answerer import Answerer
from internbot.batching import MicroBatcher
from internbot.config import Settings
from internbot.server import create_app


@pytest.fixture
def settings(fake_index: Settings, tmp_path) -> Settings:  # type: ignore[no-untyped-def]
    return replace(fake_index, data_dir=tmp_path / "data", rate_limit=0,
                   allow_origins=("https://careers.example.com",))


def client_for(settings: Settings, **kwargs) -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(create_app(settings, **kwargs), base_url="http://127.0.0.1:7860")


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with client_for(settings, background=False) as c:
        yield c


def test_health_and_ready(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    assert client.get("/readyz").status_code == 200


def test_not_ready_without_an_index(settings: Settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    broken = replace(settings, index_dir=tmp_path / "nothing")
    with client_for(broken, background=False) as c:
        assert c.get("/healthz").status_code == 200
        r = c.get("/readyz")
        assert r.status_code == 503 and "no index" in r.json()["error"]
        r = c.post("/api/ask", json={"question": "coffee?"})
        assert r.status_code == 503 and "no index" in r.json()["error"]


def test_ask_returns_the_contract(client: TestClient) -> None:
    r = client.post("/api/ask", json={"question": "How hot should the water be?", "history": []})
    assert r.status_code == 200
    data = r.json()
    assert {"question", "answered", "answer", "confidence", "sources", "suggestions"} <= set(data)
    assert data["answered"] and "96 degrees" in data["answer"] and len(data["sources"]) >= 3


@pytest.mark.parametrize("body, fragment", [
    ({"question": ""}, "question"),
    ({"question": "   \n "}, "empty"),
    # str.split's separators, which JSON Schema's \s lacks: refused by the schema itself
    ({"question": "\x1e"}, "control characters"),
    ({"question": "\x01 \x7f\t"}, "control characters"),
    ({"question": "\x85\u3000\ufeff"}, "control characters"),  # white space in some dialect
    ({"question": "x" * 1001}, "1000"),
    ({"question": "ok?", "history": ["q"] * 21}, "history"),
    ({"question": "ok?", "history": ["y" * 1001]}, "history"),
    ({"history": []}, "question"),
    ({"question": 5}, "question"),
])
def test_ask_rejects_bad_questions_with_422(client: TestClient, body: dict, fragment: str) -> None:  # type: ignore[type-arg]
    r = client.post("/api/ask", json=body)
    assert r.status_code == 422
    assert fragment in r.json()["error"]


@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe\xfa", b"[]", b""])
def test_malformed_bodies_get_4xx(client: TestClient, content: bytes) -> None:
    r = client.post("/api/ask", content=content, headers={"content-type": "application/json"})
    assert 400 <= r.status_code < 500


def test_oversized_body_gets_413(client: TestClient) -> None:
    r = client.post("/api/ask", content=b'{"question": "' + b"a" * 70_000 + b'"}',
                    headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_feedback_is_stored_redacted(client: TestClient, settings: Settings) -> None:
    r = client.post("/api/feedback", json={"question": "mail me at a.b@x.org about pay",
                                           "answer": "…", "helpful": True})
    assert r.status_code == 200 and r.json()["stored"] is True
    db = sqlite3.connect(settings.data_dir / "internbot.sqlite3")
    assert db.execute("SELECT question, helpful FROM feedback").fetchall() == [
        ("mail me at [email] about pay", 1)]


def test_questions_are_logged_redacted_unless_disabled(settings: Settings) -> None:
    with client_for(settings, background=False) as c:
        c.post("/api/ask", json={"question": "call me on +44 20 7946 0958 about espresso"})
    db = sqlite3.connect(settings.data_dir / "internbot.sqlite3")
    assert db.execute("SELECT question FROM asks").fetchall() == [("call me on [phone] about espresso",)]
    quiet = replace(settings, log_questions=False, data_dir=settings.data_dir / "quiet")
    with client_for(quiet, background=False) as c:
        c.post("/api/ask", json={"question": "espresso?"})
    db = sqlite3.connect(quiet.data_dir / "internbot.sqlite3")
    assert db.execute("SELECT count(*) FROM asks").fetchone() == (0,)


def test_openapi_documents_the_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    ask = spec["paths"]["/api/ask"]["post"]
    assert "AskRequest" in str(ask["requestBody"]) and "AskResponse" in str(ask["responses"]["200"])
    assert "/api/feedback" in spec["paths"]


def test_widget_script(client: TestClient) -> None:
    r = client.get("/widget.js")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/javascript")
    js = r.text
    assert "<svg" in js and "attachShadow" in js and "aria-label" in js and "Escape" in js
    assert len(js.encode()) < 12_000
    assert all(ord(ch) < 0x2000 for ch in js), "no emoji: headless Chromium has no emoji font"


def test_cors_echoes_only_allowed_origins(client: TestClient) -> None:
    ok = client.post("/api/ask", json={"question": "espresso?"},
                     headers={"Origin": "https://careers.example.com"})
    assert ok.headers["access-control-allow-origin"] == "https://careers.example.com"
    for origin in ("https://evil.example", "null"):
        bad = client.post("/api/ask", json={"question": "espresso?"},
                          headers={"Origin": origin, "Host": "evil.example"})
        assert "access-control-allow-origin" not in bad.headers
    pre = client.options("/api/ask", headers={"Origin": "https://careers.example.com",
                                              "Access-Control-Request-Method": "POST"})
    assert pre.status_code == 204
    assert client.options("/api/ask", headers={"Origin": "https://evil.example"}).status_code == 403


def test_chat_page_allows_framing_only_by_allowed_origins(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200
    assert r.headers["content-security-policy"] == "frame-ancestors 'self' https://careers.example.com"
    assert "x-frame-options" not in r.headers


def test_rate_limit_returns_429_with_retry_after(settings: Settings) -> None:
    with client_for(replace(settings, rate_limit=2), background=False) as c:
        codes = [c.post("/api/ask", json={"question": "espresso?"}).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        r = c.post("/api/feedback", json={"question": "q", "answer": "a", "helpful": True})
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1


def test_page_context_matches_a_document(fake_index: Settings) -> None:
    answerer = Answerer.from_settings(fake_index)
    assert answerer.match_document("https://x.org/guides/tea-basics.html", "") == "tea-basics"
    assert answerer.match_document("", "Tea Basics | Example") == "tea-basics"
    assert answerer.match_document("https://x.org/about", "About us") is None


def test_micro_batcher_batches_concurrent_questions(fake_index: Settings) -> None:
    batcher = MicroBatcher(Answerer.from_settings(fake_index), max_batch=32, window_ms=50)
    questions = [f"How hot should the water be, case {i}?" for i in range(24)]
    results: list[str] = []
    threads = [threading.Thread(target=lambda q=q: results.append(batcher.ask(q).question))
               for q in questions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    batcher.close()
    assert sorted(results) == sorted(questions)
    assert batcher.answered == 24 and batcher.batches < 24


def test_background_load_turns_ready(settings: Settings) -> None:
    with client_for(settings) as c:
        deadline = time.time() + 20
        while c.get("/readyz").status_code != 200 and time.time() < deadline:
            time.sleep(0.05)
        assert c.get("/readyz").status_code == 200


def test_retention_is_enforced_while_running(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    import internbot.server as server

    monkeypatch.setattr(server, "PURGE_EVERY_S", 0.05)
    with client_for(replace(settings, retention_days=0), background=False) as c:
        c.post("/api/feedback", json={"question": "old?", "answer": "a", "helpful": True})
        time.sleep(0.3)  # a few purge cycles
    db = sqlite3.connect(settings.data_dir / "internbot.sqlite3")
    assert db.execute("SELECT count(*) FROM feedback").fetchone() == (0,)


def test_chat_routes_take_a_long_history_but_stay_bounded(client: TestClient) -> None:
    history = b"x" * 200_000  # ~80 turns with sources: more than the API's 64 KB
    r = client.post("/gradio_api/queue/join", content=b'{"data": "' + history + b'"}',
                    headers={"content-type": "application/json"})
    assert r.status_code != 413
    r = client.post("/gradio_api/queue/join", content=b"x" * 1_100_000,
                    headers={"content-type": "application/json"})
    assert r.status_code == 413
