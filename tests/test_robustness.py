"""Killed builds, hostile corpora, shutdown in flight: nothing is lost and nothing crashes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
from conftest import free_port, wait_ready

from internbot import index as store
from internbot import writer as index_writer
from internbot.answerer import Answerer
from internbot.config import Settings
from internbot.corpus import load_documents
from internbot.indexing import build


def env_for(settings: Settings) -> dict[str, str]:
    return {**os.environ, "INTERNBOT_CORPUS": str(settings.corpus_dir),
            "INTERNBOT_INDEX": str(settings.index_dir), "INTERNBOT_MODEL": "hashing",
            "INTERNBOT_MODEL_SHA256": "", "INTERNBOT_DATA": str(settings.index_dir.parent / "data")}


def test_killed_index_build_leaves_the_previous_index_usable(fake_index: Settings) -> None:
    before = store.load(fake_index.index_dir)
    # A corpus big enough that a build takes a while, so the kills land at different stages.
    big = "\n\n".join(f"Section {i}\n\n" + " ".join(f"word{i}x{j} is here." for j in range(60))
                      for i in range(1500))
    (fake_index.corpus_dir / "big.txt").write_text("Big Guide\n\n" + big)
    cmd = [sys.executable, "-m", "internbot.cli", "index"]
    start = time.monotonic()
    subprocess.run(cmd, env=env_for(fake_index), check=True, capture_output=True)
    full = time.monotonic() - start
    complete = list(store.load(fake_index.index_dir).chunks)
    small = list(before.chunks)
    index_writer.save(before, fake_index.index_dir)  # back to the small index
    for fraction in (0.2, 0.4, 0.6, 0.8, 0.9, 0.95):
        proc = subprocess.Popen(cmd, env=env_for(fake_index), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(full * fraction)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        loaded = store.load(fake_index.index_dir)  # never half-written
        assert list(loaded.chunks) in (small, complete)  # the old index, or the whole new one
        answer = Answerer(
            __import__("internbot.retriever").retriever.Retriever(
                loaded, __import__("internbot.embedder").embedder.HashingEmbedder()),
            fake_index).ask("How hot should the water be?")
        assert answer.sources


def test_hostile_corpus_files_are_indexed_or_skipped(fake_settings: Settings) -> None:
    corpus = fake_settings.corpus_dir
    (corpus / "huge-line.txt").write_text("Huge\n\n" + "a" * 2_000_000)
    (corpus / "long-words.md").write_text("# Words\n\n" + " ".join(["supercalifragilistic"] * 200_000))
    (corpus / "empty.html").write_text("")
    (corpus / "binary.txt").write_bytes(os.urandom(4096) + b"\x00")
    (corpus / "latin1.txt").write_bytes("Caf\xe9\n\nCr\xe8me br\xfbl\xe9e.".encode("latin-1"))
    sentence = "Paragraph {i} says something quite ordinary about coffee and water. "
    (corpus / "ten-mb.txt").write_text(
        "Ten MB\n\n" + "\n\n".join((sentence * 8).format(i=i) for i in range(19_000)))
    assert (corpus / "ten-mb.txt").stat().st_size > 10_000_000
    docs = {d.id for d in load_documents(corpus)}
    assert {"huge-line", "long-words", "ten-mb"} <= docs
    assert not {"empty", "binary", "latin1"} & docs
    report = build(fake_settings)
    assert report is not None and report.chunks > 19_000
    loaded = store.load(fake_settings.index_dir)
    assert max(len(c.text) for c in loaded.chunks) <= fake_settings.max_chunk_chars


def test_sigterm_finishes_requests_in_flight_and_keeps_acknowledged_feedback(fake_index: Settings) -> None:
    port = free_port()
    env = {**env_for(fake_index), "INTERNBOT_RATE_LIMIT": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "internbot.cli", "serve", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base)
        acknowledged: list[str] = []
        failures: list[str] = []

        def send(i: int) -> None:
            body = {"question": f"feedback {i}", "answer": "a", "helpful": i % 2 == 0}
            try:
                r = httpx.post(f"{base}/api/feedback", json=body, timeout=20)
                if r.status_code == 200:
                    acknowledged.append(f"feedback {i}")
                else:
                    failures.append(f"{i}: {r.status_code}")
            except httpx.HTTPError:
                pass  # refused once shutdown began: never acknowledged, so nothing is owed

        threads = [threading.Thread(target=send, args=(i,)) for i in range(200)]
        for t in threads[:100]:
            t.start()
        time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        for t in threads[100:]:
            t.start()
        for t in threads:
            t.join()
        # uvicorn shuts down gracefully, then re-raises SIGTERM so the exit status says why.
        assert proc.wait(timeout=30) in (0, -signal.SIGTERM)
        assert b"Traceback" not in (proc.stderr.read() if proc.stderr else b"")
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not failures
    assert acknowledged  # some requests were in flight when SIGTERM arrived
    db = sqlite3.connect(Path(env["INTERNBOT_DATA"]) / "internbot.sqlite3")
    stored = {q for (q,) in db.execute("SELECT question FROM feedback")}
    assert set(acknowledged) <= stored
