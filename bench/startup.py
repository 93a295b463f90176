"""Where `internbot serve`'s start-up time goes: imports, model load, index load, app build.

Each phase timed in a fresh process, five runs; medians. Usage: .venv/bin/python bench/startup.py
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from load import free_port, start
from memory import rss_mb

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
    port = free_port()
    with tempfile.TemporaryDirectory() as data:
        os.environ["INTERNBOT_DATA"] = data
        begin = time.perf_counter()
        proc = start([str(Path(sys.executable).parent / "internbot"), "serve", "--port", str(port)],
                     port)
        elapsed = time.perf_counter() - begin
        try:
            return elapsed, rss_mb(proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=20)


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
