"""Several replicas on real servers: PostgreSQL, Redis and nginx from Debian, started here.

Each test starts throwaway instances (temporary directory, free loopback port) and stops them;
without the binaries the tests skip with a reason, except in CI, where they must run.
"""

from __future__ import annotations

import csv
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from click.testing import CliRunner
from servers import CHROMIUM_FLAGS, Postgres, Redis, Replica, need, nginx

from internbot.config import HASHING_MODEL, Settings

pytestmark = pytest.mark.servers
QUESTION = "How hot should the water be for green tea?"


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The tiny corpus indexed with the hashing embedder: replicas load in a second."""
    from internbot.indexing import build

    base = tmp_path_factory.mktemp("deploy")
    shutil.copytree(Path(__file__).parent / "data" / "tiny", base / "corpus")
    settings = Settings(corpus_dir=base / "corpus", index_dir=base / "index", model=HASHING_MODEL,
                        model_sha256="")
    build(settings)
    return settings


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    server = Postgres()
    yield server
    server.close()


@pytest.fixture(scope="module")
def redis() -> Iterator[Redis]:
    server = Redis()
    yield server
    server.close()


def replica_env(index: Settings, tmp: Path, **extra: str) -> dict[str, str]:
    return {"INTERNBOT_CORPUS": str(index.corpus_dir), "INTERNBOT_INDEX": str(index.index_dir),
            "INTERNBOT_MODEL": HASHING_MODEL, "INTERNBOT_MODEL_SHA256": "",
            "INTERNBOT_DATA": str(tmp), "INTERNBOT_THREADS": "1", **extra}


def client(address: str) -> httpx.Client:
    """A client whose requests come from `address` (any 127.x.y.z is loopback on Linux), so
    each test has its own rate-limit key."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=15)


def test_postgres_store_matches_sqlite(postgres: Postgres, tmp_path: Path) -> None:
    from internbot.store import AskLog, SQLiteStore
    from internbot.store.postgres import PostgresStore

    stores = [SQLiteStore(tmp_path / "db.sqlite3", 30), PostgresStore(postgres.url, 30)]
    try:
        for store in stores:
            assert store.schema_version() == 1 and store.healthy()
            store.log_asks([AskLog("mail me at a.b@example.com", False, 0.1, "fallback")])
            store.add_feedback("call +1 (555) 123-4567", "a", False, "rude")
            assert [a.question for a in store.asks()] == ["mail me at [email]"]
            assert [(f.question, f.helpful) for f in store.feedback()] == [("call [phone]", False)]
            assert store.purge(now=time.time() + 31 * 86400) == 2
            assert store.asks() == [] and store.feedback() == []
    finally:
        for store in stores:
            store.close()


def test_report_reads_postgres_and_a_newer_schema_is_refused(
        postgres: Postgres, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from internbot.cli import main
    from internbot.store.postgres import PostgresStore

    store = PostgresStore(postgres.url)
    store.add_feedback("Do you sponsor visas for interns?", "fallback", False)
    monkeypatch.setenv("INTERNBOT_DATABASE_URL", postgres.url)
    result = CliRunner().invoke(main, ["report", "--out", str(tmp_path / "r.csv")])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader((tmp_path / "r.csv").open()))
    assert any(r[0] == "unanswered_group" and "visas" in r[1] for r in rows)
    store.close()
    with psycopg.connect(postgres.url, autocommit=True) as conn:
        conn.execute("INSERT INTO schema_version VALUES (99)")
        try:
            result = CliRunner().invoke(main, ["report", "--out", str(tmp_path / "r2.csv")])
        finally:
            conn.execute("DELETE FROM schema_version WHERE version = 99")
    assert result.exit_code == 1 and "schema version 99" in result.output
    assert "upgrade internbot" in result.output and "Traceback" not in result.output


def test_database_outage_loses_no_acknowledged_feedback(
        index: Settings, postgres: Postgres, tmp_path: Path) -> None:
    """Feedback under traffic while PostgreSQL crashes and comes back: every 2xx is stored,
    the rest got 503 (never 500), questions were answered throughout, /readyz told."""
    from internbot.store.postgres import PostgresStore

    replica = Replica(replica_env(index, tmp_path, INTERNBOT_DATABASE_URL=postgres.url,
                                  INTERNBOT_RATE_LIMIT="0"))
    acked: list[str] = []
    codes: list[int] = []
    asked: list[int] = []
    stop = threading.Event()

    def send_feedback(worker: int) -> None:
        with httpx.Client(timeout=15) as c:
            n = 0
            while not stop.is_set():
                tag = f"w{worker}-{n}"
                n += 1
                r = c.post(f"{replica.base}/api/feedback",
                           json={"question": QUESTION, "answer": "a", "helpful": True, "reason": tag})
                codes.append(r.status_code)
                if r.is_success:
                    acked.append(tag)
                asked.append(c.post(f"{replica.base}/api/ask", json={"question": QUESTION}).status_code)
                time.sleep(0.01)

    try:
        replica.wait_ready()
        threads = [threading.Thread(target=send_feedback, args=(i,)) for i in range(3)]
        for t in threads:
            t.start()
        time.sleep(1.5)
        before = len(acked)
        postgres.stop("immediate")  # a crash: recovery from the WAL on restart
        time.sleep(1.0)
        ready = httpx.get(f"{replica.base}/readyz", timeout=10).json()
        time.sleep(2.0)
        during = len(acked)
        postgres.start()
        deadline = time.time() + 30  # the pool reconnects by itself
        while time.time() < deadline and len(acked) < during + 30:
            time.sleep(0.2)
        stop.set()
        for t in threads:
            t.join(timeout=30)
    finally:
        stop.set()
        replica.stop()
    assert ready["status"] == "degraded" and ready["store"].startswith("unavailable")
    assert before > 10 and len(acked) >= during + 30, "feedback flowed before and after"
    assert 503 in codes and set(codes) <= {200, 503}, "never a 500, never a silent drop"
    assert set(asked) == {200}, "questions were answered throughout"
    store = PostgresStore(postgres.url)
    stored = {f.reason for f in store.feedback()}
    store.close()
    missing = [tag for tag in acked if tag not in stored]
    assert not missing, f"{len(missing)} acknowledged feedback rows lost: {missing[:5]}"


def test_redis_outage_answers_unlimited_and_recovers(
        index: Settings, redis: Redis, tmp_path: Path) -> None:
    replica = Replica(replica_env(index, tmp_path, INTERNBOT_RATE_LIMIT="3/minute",
                                  INTERNBOT_RATE_LIMIT_STORAGE=redis.url))
    try:
        replica.wait_ready()
        with client("127.0.3.1") as c:
            codes = [c.post(f"{replica.base}/api/ask", json={"question": QUESTION}).status_code
                     for _ in range(5)]
            assert codes == [200, 200, 200, 429, 429]
            redis.stop()
            ready = c.get(f"{replica.base}/readyz").json()
            assert ready["status"] == "degraded" and "unreachable" in ready["rate_limit"]
            down = [c.post(f"{replica.base}/api/ask", json={"question": QUESTION}).status_code
                    for _ in range(5)]
            assert down == [200] * 5  # the limit is off while its storage is down, answers flow
            redis.start()  # empty: a restarted Redis without persistence forgets the counts
            time.sleep(1.2)  # the storage is retried every second
            codes = [c.post(f"{replica.base}/api/ask", json={"question": QUESTION}).status_code
                     for _ in range(5)]
            assert codes == [200, 200, 200, 429, 429]
            assert c.get(f"{replica.base}/readyz").json()["status"] == "ready"
    finally:
        replica.stop()


class Deployment:
    """nginx (deploy/nginx.conf) in front of two replicas sharing PostgreSQL and a limit store."""

    def __init__(self, index: Settings, tmp: Path, db_url: str, limit_storage: str) -> None:
        env = replica_env(index, tmp, INTERNBOT_DATABASE_URL=db_url, INTERNBOT_ROOT_PATH="/chat",
                          INTERNBOT_RATE_LIMIT="10/minute", INTERNBOT_TRUSTED_PROXIES="127.0.0.1",
                          INTERNBOT_RATE_LIMIT_STORAGE=limit_storage)
        self.replicas = [Replica(env), Replica(env)]
        try:
            for r in self.replicas:
                r.wait_ready()
            self._nginx = nginx([f"127.0.0.1:{r.port}" for r in self.replicas])
            self.base = self._nginx.__enter__() + "/chat"
        except BaseException:  # a skip for a missing nginx too: no replica outlives the test
            for r in self.replicas:
                r.stop()
            raise

    def ask_from(self, address: str, n: int) -> list[int]:
        with client(address) as c:
            return [c.post(f"{self.base}/api/ask", json={"question": f"{QUESTION} {i}"}).status_code
                    for i in range(n)]

    def close(self) -> None:
        self._nginx.__exit__(None, None, None)
        for r in self.replicas:
            r.stop()


@pytest.fixture(scope="module")
def deployment(index: Settings, postgres: Postgres, redis: Redis,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    d = Deployment(index, tmp_path_factory.mktemp("replicas"), postgres.url, redis.url)
    yield d
    d.close()


def test_through_nginx_the_api_answers_on_the_sub_path(deployment: Deployment) -> None:
    with client("127.0.4.1") as c:
        r = c.post(f"{deployment.base}/api/ask", json={"question": QUESTION})
        assert r.status_code == 200 and "degrees" in r.json()["answer"]
        assert c.get(f"{deployment.base}/readyz").json()["status"] == "ready"
        page = c.get(f"{deployment.base}/")
        assert page.status_code == 200 and "/chat" in page.text


def test_the_rate_limit_holds_across_both_replicas(deployment: Deployment) -> None:
    codes = deployment.ask_from("127.0.5.1", 24)
    assert codes.count(200) == 10 and codes.count(429) == 14  # the sum, not twice the limit


def test_without_shared_storage_each_replica_counts_alone(
        index: Settings, postgres: Postgres, tmp_path: Path) -> None:
    """The control for the test above: with per-process memory storage, nginx spreads the
    requests over both replicas and the client gets about twice the limit."""
    d = Deployment(index, tmp_path, postgres.url, "memory://")
    try:
        codes = d.ask_from("127.0.5.2", 24)
    finally:
        d.close()
    assert codes.count(200) > 10


def test_feedback_through_either_replica_is_in_one_report(
        deployment: Deployment, postgres: Postgres, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from internbot.cli import main

    questions = []
    with client("127.0.6.1") as c:
        for i, r in enumerate(deployment.replicas):
            questions.append(f"Is there a dress code for replica {i} interviews?")
            assert c.post(f"{r.base}/api/feedback", json={
                "question": questions[-1], "answer": "a", "helpful": False}).status_code == 200
        questions.append("Is there a dress code through nginx?")
        assert c.post(f"{deployment.base}/api/feedback", json={
            "question": questions[-1], "answer": "a", "helpful": False}).status_code == 200
    monkeypatch.setenv("INTERNBOT_DATABASE_URL", postgres.url)
    result = CliRunner().invoke(main, ["report", "--out", str(tmp_path / "r.csv")])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "r.csv").read_text()
    assert all(q in text for q in questions)


def test_the_chat_page_answers_through_nginx_in_a_browser(deployment: Deployment) -> None:
    chromium = need("chromium", "chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            page.goto(f"{deployment.base}/")
            page.wait_for_selector("textarea", timeout=30_000)
            page.fill("textarea", QUESTION)
            page.press("textarea", "Enter")
            page.wait_for_selector("text=degrees", timeout=30_000)
        finally:
            browser.close()


def test_stopping_a_replica_loses_no_request(deployment: Deployment) -> None:
    """Last in this module: it stops replica 2. A refused connection is retried on the other
    replica, so no request fails, from the first one after the stop."""
    before = deployment.ask_from("127.0.7.1", 8)
    deployment.replicas[1].stop()
    after = [code for n in range(4) for code in deployment.ask_from(f"127.0.7.{n + 2}", 8)]
    assert before == [200] * 8 and after == [200] * 32
