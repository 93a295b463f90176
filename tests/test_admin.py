"""`/admin`: the owner's loop from an unanswered question to a live curated answer, and its
locks (token, cookie, cross-site requests); hot reload without a failed request."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from internbot.config import Settings
from internbot.server import create_app

TOKEN = "s3cret-admin-token-0123456789"
HOST = "http://127.0.0.1:7860"
UNANSWERED = "Do you sell gift vouchers?"


@pytest.fixture
def settings(fake_index: Settings, tmp_path: Path) -> Settings:
    return replace(fake_index, data_dir=tmp_path / "data", rate_limit=0, admin_token=TOKEN)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, background=False), base_url=HOST) as c:
        yield c


def test_admin_is_off_without_a_token(fake_index: Settings, tmp_path: Path) -> None:
    off = replace(fake_index, data_dir=tmp_path / "data", rate_limit=0)
    with TestClient(create_app(off, background=False), base_url=HOST) as c:
        assert c.get("/admin").status_code == 404
        assert c.post("/admin/reload").status_code == 404


def test_admin_refuses_missing_and_wrong_tokens(client: TestClient) -> None:
    page = client.get("/admin")
    assert page.status_code == 401 and "Admin token" in page.text and UNANSWERED not in page.text
    assert client.get("/admin", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.post("/admin/reload").status_code == 401
    assert client.post("/admin/login", data={"token": "wrong"}).status_code == 401
    client.cookies.set("internbot_admin", TOKEN)  # the token itself is not a session
    assert client.get("/admin").status_code == 401
    client.cookies.clear()
    assert client.get("/admin", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_login_sets_a_strict_httponly_cookie_and_cross_site_posts_are_refused(
        client: TestClient) -> None:
    r = client.post("/admin/login", data={"token": TOKEN}, follow_redirects=False)
    assert r.status_code == 303
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and TOKEN not in cookie
    assert client.get("/admin").status_code == 200  # the cookie signs in
    evil = {"Origin": "https://evil.example"}
    assert client.post("/admin/reload", headers=evil).status_code == 403
    assert client.post("/admin/answers", headers=evil,
                       data={"question": "q", "answer": "a"}).status_code == 403
    assert client.post("/admin/login", headers=evil, data={"token": TOKEN}).status_code == 403
    assert client.post("/admin/reload", headers={"Origin": HOST}).status_code == 200


def test_the_owners_loop_without_a_restart(client: TestClient, settings: Settings) -> None:
    """Ask what the guides do not answer, see it on /admin, answer it, ask again."""
    first = client.post("/api/ask", json={"question": UNANSWERED}).json()
    assert not first["answered"]
    auth = {"Authorization": f"Bearer {TOKEN}"}
    deadline = time.time() + 10  # questions are logged by the batcher, just after answering
    while UNANSWERED not in (page := client.get("/admin", headers=auth).text) and time.time() < deadline:
        time.sleep(0.05)
    assert UNANSWERED in page and "1 this week (0 the week before)" in page
    r = client.post("/admin/answers", headers={**auth, "Accept": "application/json"}, data={
        "question": UNANSWERED, "alternates": "Can I buy a gift card?",
        "answer": "Yes: gift cards from $10 at the counter.", "source": "https://shop.example.com"})
    assert r.status_code == 200 and r.json()["saved"] and "reloaded" in r.json()["reload"]
    qna = (settings.corpus_dir / "qna.csv").read_text()
    assert qna.startswith("question,alternates,answer,source") and "gift cards from $10" in qna
    again = client.post("/api/ask", json={"question": UNANSWERED}).json()
    assert again["answered"] and again["kind"] == "curated" and "$10" in again["answer"]


def test_an_answer_given_unsure_is_listed_for_the_owner(settings: Settings) -> None:
    """An answered question under the server's unsure band is a gap on /admin as well."""
    question = "How much coffee should I use per cup?"
    unsure = replace(settings, abstain_threshold=0.0, unsure_below=1.0)
    with TestClient(create_app(unsure, background=False), base_url=HOST) as c:
        answer = c.post("/api/ask", json={"question": question}).json()
        assert answer["answered"] and answer["unsure"] and "16 grams" in answer["answer"]
        auth = {"Authorization": f"Bearer {TOKEN}"}
        deadline = time.time() + 10
        while question not in (page := c.get("/admin", headers=auth).text) and time.time() < deadline:
            time.sleep(0.05)
        assert question in page and "answered only unsure" in page


def test_a_reload_under_load_drops_nothing(client: TestClient, settings: Settings) -> None:
    (settings.corpus_dir / "extra.md").write_text("# Milk Foam\n\nSteam milk to 60 degrees for a "
                                                   "silky microfoam that holds latte art.\n")
    codes: list[int] = []
    stop = threading.Event()

    def ask() -> None:
        while not stop.is_set():
            codes.append(client.post("/api/ask", json={"question": "How hot should the water be?"})
                         .status_code)

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        result = client.post("/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"}).json()
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
    assert "re-indexed" in result["reload"]
    assert len(codes) > 20 and set(codes) == {200}
    answer = client.post("/api/ask", json={"question": "How hot should milk be steamed for foam?"})
    assert "60 degrees" in answer.json()["answer"]


def test_sighup_and_index_reload_swap_a_changed_corpus_in(settings: Settings,
                                                         tmp_path: Path) -> None:
    import os
    import signal
    import time

    import httpx
    from click.testing import CliRunner
    from servers import Replica

    from internbot.cli import main

    env = {"INTERNBOT_CORPUS": str(settings.corpus_dir), "INTERNBOT_INDEX": str(settings.index_dir),
           "INTERNBOT_MODEL": "hashing", "INTERNBOT_MODEL_SHA256": "", "INTERNBOT_RATE_LIMIT": "0",
           "INTERNBOT_DATA": str(tmp_path / "data"), "INTERNBOT_ADMIN_TOKEN": TOKEN}
    replica = Replica(env)
    question = {"question": "How hot should milk be steamed for foam?"}
    try:
        replica.wait_ready()
        assert "60 degrees" not in httpx.post(f"{replica.base}/api/ask", json=question).text
        (settings.corpus_dir / "milk.md").write_text("# Milk Foam\n\nSteam milk to 60 degrees for "
                                                      "a silky microfoam that holds latte art.\n")
        os.kill(replica.proc.pid, signal.SIGHUP)
        deadline = time.time() + 60
        while time.time() < deadline and "60 degrees" not in httpx.post(
                f"{replica.base}/api/ask", json=question).text:
            time.sleep(0.2)
        assert "60 degrees" in httpx.post(f"{replica.base}/api/ask", json=question).text
        (settings.corpus_dir / "milk.md").write_text("# Milk Foam\n\nSteam milk to 65 degrees for "
                                                      "a silky microfoam that holds latte art.\n")
        result = CliRunner().invoke(main, ["index", "--reload", replica.base], env=env)
        assert result.exit_code == 0 and "reloaded" in result.output, result.output
        assert "65 degrees" in httpx.post(f"{replica.base}/api/ask", json=question).text
    finally:
        replica.stop()
    result = CliRunner().invoke(main, ["index", "--reload", replica.base], env=env)
    assert result.exit_code == 1 and "no internbot server answers" in result.output


def test_trend_counts_this_week_against_the_one_before() -> None:
    from internbot.admin import trend

    day = 86400.0
    when = {"visa?": [0.0, 1 * day, 2 * day], "visas?": [9 * day]}
    assert trend(["visa?"], when, now=3 * day) == "↑ 3 this week (0 the week before)"
    assert trend(["visa?", "visas?"], when, now=10 * day) == "↓ 1 this week (3 the week before)"


def test_a_reload_never_embeds_passages_with_the_int8_question_model(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """With INTERNBOT_QUANTIZE the running model is int8 and serves questions only: a rebuild
    loads the float model for passages instead of reusing it (indexes are always float)."""
    from internbot import indexing

    seen: list[object] = []
    build = indexing.build

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(kwargs.get("embedder"))
        return build(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(indexing, "build", spy)
    answerer = client.app.app.state.engine.answerer  # type: ignore[attr-defined]
    running = answerer.retriever.embedder
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert client.post("/admin/reload", headers=auth).status_code == 200
    monkeypatch.setattr(running, "quantized", True, raising=False)
    assert client.post("/admin/reload", headers=auth).status_code == 200
    assert seen[0] is running and seen[1] is None
