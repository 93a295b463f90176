"""Serving RSS across 10,000 requests, long and junk inputs included: does memory stay flat?

Usage: .venv/bin/python bench/memory.py [--requests 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from load import free_port, questions, start

ROOT = Path(__file__).resolve().parents[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def payloads(n: int, seed: int = 3) -> list[dict[str, object]]:
    rnd = random.Random(seed)
    normal = questions(n)
    out: list[dict[str, object]] = []
    for i in range(n):
        kind = i % 10
        if kind == 0:  # long but valid
            out.append({"question": " ".join(rnd.choice(normal).split()) * 12 + f" {i}"})
        elif kind == 1:  # junk characters
            out.append({"question": "".join(chr(rnd.randint(33, 0x2FFF)) for _ in range(200))})
        elif kind == 2:  # over the limit: 422
            out.append({"question": "x" * 1500})
        elif kind == 3:  # with history
            out.append({"question": "how long is it?", "history": [normal[i], normal[i - 1]]})
        else:
            out.append({"question": normal[i]})
    return out


async def send(base: str, items: list[dict[str, object]], pid: int) -> list[tuple[int, float]]:
    marks = [(0, rss_mb(pid))]
    sem = asyncio.Semaphore(16)
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:

        async def one(body: dict[str, object]) -> None:
            async with sem:
                await http.post("/api/ask", json=body)

        for start_at in range(0, len(items), 2000):
            await asyncio.gather(*(one(b) for b in items[start_at : start_at + 2000]))
            marks.append((start_at + 2000, rss_mb(pid)))
    return marks


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=10_000)
    args = parser.parse_args()
    port = free_port()
    proc = start([str(Path(sys.executable).parent / "internbot"), "serve", "--rate-limit", "0",
                  "--port", str(port)], port)
    try:
        base = f"http://127.0.0.1:{port}"
        asyncio.run(send(base, payloads(500, seed=9), proc.pid))  # warm-up
        marks = asyncio.run(send(base, payloads(args.requests), proc.pid))
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    first, last = marks[0][1], marks[-1][1]
    print(json.dumps({"rss_mb_after_requests": marks, "growth_pct": round((last / first - 1) * 100, 2)}))


if __name__ == "__main__":
    main()
