"""`internbot serve --workers N`: several processes start, answer, and share one rate limit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
from conftest import free_port

from internbot.config import Settings
from internbot.server import threads_per_worker


def test_threads_never_oversubscribe_the_cores() -> None:
    assert threads_per_worker(1, cores=2) == 2
    assert threads_per_worker(1, cores=1) == 1
    assert threads_per_worker(2, cores=2) == 1
    assert threads_per_worker(2, cores=8) == 4
    assert threads_per_worker(4, cores=8) * 4 <= 8


def test_two_workers_answer_and_share_the_rate_limit(fake_index: Settings) -> None:
    port = free_port()
    env = {**os.environ, "INTERNBOT_CORPUS": str(fake_index.corpus_dir),
           "INTERNBOT_INDEX": str(fake_index.index_dir), "INTERNBOT_MODEL": "hashing",
           "INTERNBOT_MODEL_SHA256": "", "INTERNBOT_DATA": str(fake_index.index_dir.parent / "data")}
    proc = subprocess.Popen([sys.executable, "-m", "internbot.cli", "serve", "--workers", "2",
                             "--port", str(port), "--rate-limit", "20/minute"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        pids: set[int] = set()
        while time.time() < deadline and len(pids) < 2:
            try:
                r = httpx.get(f"{base}/readyz", timeout=1)  # a fresh connection: either worker
                if r.status_code == 200:
                    pids.add(r.json()["pid"])  # this worker has its index loaded
            except httpx.HTTPError:
                time.sleep(0.1)
        assert len(pids) == 2, "two worker processes are ready"
        if time.time() % 60 > 40:  # the limit counts per clock minute: do not straddle one
            time.sleep(61 - time.time() % 60)
        codes = []
        for i in range(30):  # fresh connections, spread over both workers
            r = httpx.post(f"{base}/api/ask", json={"question": f"How hot should the water be? {i}"},
                           timeout=10)
            codes.append(r.status_code)
            if r.status_code == 200:
                assert "degrees" in r.json()["answer"]
        assert codes.count(200) == 20 and codes.count(429) == 10  # one limit across both workers
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
