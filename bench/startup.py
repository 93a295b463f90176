"""Where `internbot serve`'s start-up time goes: imports, model load, index load, app build.

Each phase timed in a fresh process, five runs; medians. Usage: .venv/bin/python bench/startup.py
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

PHASES = r"""
import json, time
t0 = time.perf_counter()
import internbot.server, internbot.answerer, internbot.onnx_embedder, faiss, onnxruntime
t1 = time.perf_counter()
from internbot.config import Settings
from internbot.embedder import load_embedder
settings = Settings()
embedder = load_embedder(settings)
t2 = time.perf_counter()
from internbot import index as store
from internbot.retriever import Retriever
retriever = Retriever(store.load(settings.index_dir, model=settings.model), embedder)
t3 = time.perf_counter()
from internbot.answerer import Answerer
app = internbot.server.create_app(settings, answerer=Answerer(retriever, settings))
t4 = time.perf_counter()
print(json.dumps({"imports": t1 - t0, "model": t2 - t1, "index": t3 - t2, "app": t4 - t3}))
"""


def ready_seconds_and_rss() -> tuple[float, float]:
    """Seconds from starting `internbot serve` until /readyz is 200, and its RSS then (MB)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with tempfile.TemporaryDirectory() as data:
        start = time.perf_counter()
        proc = subprocess.Popen([str(Path(sys.executable).parent / "internbot"), "serve",
                                 "--port", str(port)], env={**os.environ, "INTERNBOT_DATA": data},
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.05)
            elapsed = time.perf_counter() - start
            rss = next(int(line.split()[1]) for line in
                       Path(f"/proc/{proc.pid}/status").read_text().splitlines()
                       if line.startswith("VmRSS:"))
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    return elapsed, rss / 1024


def main() -> None:
    runs = [json.loads(subprocess.run([sys.executable, "-c", PHASES], capture_output=True,
                                      text=True, check=True).stdout) for _ in range(5)]
    medians = {k: round(statistics.median(r[k] for r in runs), 3) for k in runs[0]}
    medians["total"] = round(sum(medians.values()), 3)
    ready = [ready_seconds_and_rss() for _ in range(3)]
    medians["serve_ready_s"] = [round(r[0], 2) for r in ready]  # type: ignore[assignment]
    medians["serve_rss_mb"] = [round(r[1], 1) for r in ready]  # type: ignore[assignment]
    print(json.dumps(medians))


if __name__ == "__main__":
    main()
