"""64 concurrent clients for 30 s on loopback: API questions, feedback and real chat sessions.

Zero 5xx, the same question always gets the same answer, and the server's memory stays flat.
Bounded in time and count; the server is a separate process so its RSS can be read.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from conftest import free_port, wait_ready

from internbot.config import Settings

pytestmark = pytest.mark.slow
SECONDS = 30
WARMUP = 12
CLIENTS = 64
CHAT_SESSIONS = 3  # real browsers; the other clients speak HTTP
#: Each chat session goes on past the load until it has this many answers: the history then
#: outgrows the API's 64 KB body limit (a bug once stalled chats after ~25 turns).
CHAT_TURNS = 30
#: The HTTP clients likewise go on past the load until they have made this many requests
#: (bounded at +60 s): a volume, not a speed (829 in 30 s on a slow day, 1,500+ on others).
MIN_REQUESTS = 1000
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
QUESTIONS = ["How much do ML interns make?", "What comes after the internship?",
             "Which company is best for a machine learning internship?", "hw much do intrns get payed",
             "What skills do I need?", "How long is the FAIR internship?", "zxcvbnm",
             "x" * 1500, "   ", "What is the capital of France?"]


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def chat_sessions(base: str, stop: float, errors: list[str], answered: list[int]) -> None:
    """Real chat sessions in Chromium, each waiting for its answer before the next question.

    Long sessions matter: each message carries the whole history, which once outgrew the body
    limit after ~25 turns and left the chat waiting forever. So a session stops at `stop` only
    once it has `CHAT_TURNS` answers (however fast this machine is), and at `stop` + 120 s
    in any case.
    """
    chromium = shutil.which("chromium")
    if not chromium:
        if os.environ.get("CI"):
            errors.append("CI must run the chat sessions: chromium is missing")
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=FLAGS)
        pages = [browser.new_page() for _ in range(CHAT_SESSIONS)]
        for page in pages:
            page.goto(f"{base}/")
        live = list(range(CHAT_SESSIONS))
        rounds = 0
        while live and (time.time() < stop or min(answered) < CHAT_TURNS) and time.time() < stop + 120:
            rounds += 1
            for i in list(live):
                try:
                    pages[i].fill("textarea", f"{random.choice(QUESTIONS[:6])} ({rounds})",
                                  timeout=30_000)
                    pages[i].press("textarea", "Enter")
                    pages[i].wait_for_function(
                        f"document.querySelectorAll('.bot.message').length >= {rounds}",
                        timeout=30_000)
                    answered[i] += 1
                except Exception as exc:
                    live.remove(i)
                    errors.append(f"chat {i} stalled after {answered[i]} answers: {exc!r}"[:400])
        browser.close()


async def http_clients(base: str, stop: float, at_least: int = 0) -> dict[str, object]:
    statuses: dict[int, int] = {}
    answers: dict[str, set[str]] = {}

    async def client(http: httpx.AsyncClient, i: int) -> None:
        rnd = random.Random(i)
        while time.time() < stop or (sum(statuses.values()) < at_least
                                      and time.time() < stop + 60):
            if rnd.random() < 0.2:
                r = await http.post("/api/feedback", json={"question": rnd.choice(QUESTIONS[:6]),
                                                           "answer": "a", "helpful": rnd.random() < 0.5})
            else:
                q = rnd.choice(QUESTIONS)
                r = await http.post("/api/ask", json={"question": q})
                if r.status_code == 200:
                    answers.setdefault(q, set()).add(r.json()["answer"])
            statuses[r.status_code] = statuses.get(r.status_code, 0) + 1

    limits = httpx.Limits(max_connections=CLIENTS, keepalive_expiry=2)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as http:
        await asyncio.gather(*(client(http, i) for i in range(CLIENTS - CHAT_SESSIONS)))
    return {"statuses": statuses, "answers": answers}


def test_soak(real_settings: Settings, tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "INTERNBOT_INDEX": str(real_settings.index_dir),
           "INTERNBOT_CORPUS": str(real_settings.corpus_dir), "INTERNBOT_DATA": str(tmp_path),
           "INTERNBOT_RATE_LIMIT": "0",
           # Every question reaches the engine: the same answer each time is then the engine's
           # doing under batching, not the answer memo's, and the load is the engine's.
           "INTERNBOT_ANSWER_CACHE": "0"}
    log = (tmp_path / "server.log").open("w+")
    proc = subprocess.Popen([sys.executable, "-m", "internbot.cli", "serve", "--port", str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base)
        # Warm up under the same mix first (chat sessions included): allocator arenas and
        # Gradio's per-session machinery grow once. The baseline is taken after that, so
        # growth past it over the 30 s would be a leak.
        stop = time.time() + WARMUP + SECONDS
        errors: list[str] = []
        answered = [0] * CHAT_SESSIONS
        chats = threading.Thread(target=chat_sessions, args=(base, stop, errors, answered))
        chats.start()
        phase = "warm-up"
        try:
            asyncio.run(http_clients(base, time.time() + WARMUP))
            baseline = rss_kb(proc.pid)
            phase = "soak"
            result = asyncio.run(http_clients(base, stop, MIN_REQUESTS))
        except httpx.HTTPError as exc:  # a dropped connection: say when, and what the server saw
            log.seek(0)
            raise AssertionError(f"{exc!r} during the {phase}, {time.time() - stop:+.1f} s from its "
                                 f"end; server alive: {proc.poll() is None}; server log:\n"
                                 f"{log.read()[-3000:]}") from exc
        chats.join(timeout=150)
        final = rss_kb(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        log.close()
    statuses = result["statuses"]
    assert isinstance(statuses, dict) and isinstance(result["answers"], dict)
    assert not errors, errors
    if shutil.which("chromium"):
        assert min(answered) >= CHAT_TURNS, f"every chat session keeps being answered: {answered}"
    assert sum(statuses.values()) >= MIN_REQUESTS
    assert not {code for code in statuses if code >= 500}, statuses
    assert set(statuses) <= {200, 422}, statuses  # 422: the over-long and blank questions
    unstable = {q: a for q, a in result["answers"].items() if len(a) != 1}
    assert not unstable, unstable
    assert final <= baseline * 1.10, f"RSS grew from {baseline} kB to {final} kB"
