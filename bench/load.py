"""Requests/s and latency with 32 concurrent clients and unique questions, on loopback.

Runs the naive one-encode-per-request endpoint and `internbot serve` one after the other in the
same run, each as its own process, and stops by itself. With `--rounds N` both stay up and are
hammered in turn N times, in alternating order, so a VM whose speed drifts during the run
weighs on both alike; the figures are then the rounds' means, with each round's ratio listed.
Usage: .venv/bin/python bench/load.py [--clients 32] [--seconds 15] [--rounds 1]
       .venv/bin/python bench/load.py --nginx   # one replica direct vs nginx + two replicas
       .venv/bin/python bench/load.py --faq 200 # FAQ traffic: repeats of 200 questions, where
                                                # the answer cache helps (off: INTERNBOT_ANSWER_CACHE=0)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
#: The baseline's name in the results (its server takes the port as its last argument).
NAIVE = "naive (one encode per request)"
TOPICS = ["pay", "salary", "the Google AI Residency", "FAIR", "skills", "Python", "networking",
          "a portfolio", "Kaggle", "what comes after", "freelancing", "data science jobs",
          "statistics", "the best company", "cold outreach", "OpenAI", "visualization tools"]
FORMS = ["What about {t}?", "Tell me about {t} for ML interns", "How important is {t}?",
         "Any advice on {t} for an internship?", "what should I know about {t}"]


def questions(n: int, seed: int = 7) -> list[str]:
    """Unique questions (a counter keeps every one distinct, so no cache can help)."""
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        q = rnd.choice(FORMS).format(t=rnd.choice(TOPICS))
        # Inside the question, not after its "?", where the engine would set it aside as chat
        # noise (phrasing.py) and encode fewer tokens than the naive endpoint does.
        out.append(f"{q[:-1]} (#{i})?" if q.endswith("?") else f"{q} (#{i})")
    return out


def faq_traffic(pool: int, n: int, seed: int = 7) -> list[str]:
    """`n` questions drawn from `pool` distinct ones, the r-th most asked 1/r as often as the
    first (Zipf's law): a FAQ's traffic, where most visitors ask a few questions."""
    distinct = questions(pool, seed)
    return random.Random(seed).choices(distinct, weights=[1 / r for r in range(1, pool + 1)], k=n)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(cmd: list[str], port: int, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"{cmd} did not become ready")


async def hammer(url: str, clients: int, seconds: float,
                 own_address: bool = False, faq: int = 0) -> dict[str, float]:
    """`clients` concurrent loops of unique questions (with `faq`, of `faq_traffic(faq, …)`);
    with `own_address`, each client connects from its own loopback address (127.0.9.N), as
    distinct visitors do, for per-client limits.

    The client is aiohttp: it shares the machine's cores with the server it measures, and
    httpx's asyncio client spent 2–4 ms of CPU a request here, a third of what the whole
    engine spends, against ~0.3–0.8 ms for aiohttp (docs/benchmarks.md)."""
    import aiohttp

    qs = faq_traffic(faq, 200_000) if faq else questions(200_000)
    latencies: list[float] = []
    errors = 0
    counter = 0
    timeout = aiohttp.ClientTimeout(total=30)

    def session(limit: int, address: str | None = None) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(limit=limit, local_addr=(address, 0) if address else None)
        return aiohttp.ClientSession(connector=connector, timeout=timeout)

    async def ask(http: aiohttp.ClientSession, question: str) -> int:
        async with http.post(url, json={"question": question}) as r:
            await r.read()
            return r.status

    async def client(http: aiohttp.ClientSession, n: int, stop: float) -> None:
        nonlocal errors, counter
        own = session(1, f"127.0.9.{n + 1}") if own_address else None
        try:
            while time.perf_counter() < stop:
                q = qs[counter]
                counter += 1
                t0 = time.perf_counter()
                status = await ask(own or http, q)
                latencies.append((time.perf_counter() - t0) * 1000)
                errors += status != 200
        finally:
            if own is not None:
                await own.close()

    async with session(clients) as http:
        await ask(http, "warm up")
        t0 = time.perf_counter()
        await asyncio.gather(*(client(http, n, t0 + seconds) for n in range(clients)))
        elapsed = time.perf_counter() - t0
    latencies.sort()
    return {"requests": len(latencies), "errors": errors, "rps": round(len(latencies) / elapsed, 1),
            "p50_ms": round(latencies[len(latencies) // 2], 1),
            "p95_ms": round(latencies[int(len(latencies) * 0.95)], 1)}


def through_nginx(args: argparse.Namespace) -> dict[str, dict[str, float]]:
    """One replica direct (the embedded default), one replica direct on PostgreSQL and Redis,
    then deploy/nginx.conf in front of two replicas sharing them, in the same run."""
    sys.path.insert(0, str(ROOT / "tests"))
    from servers import Postgres, Redis, Replica, nginx

    data = Path(tempfile.mkdtemp(prefix="internbot-load-"))
    base = {"INTERNBOT_INDEX": args.index, "INTERNBOT_RATE_LIMIT": "100000/minute",
            "HF_HUB_OFFLINE": "1"}
    results: dict[str, dict[str, float]] = {}
    postgres, redis = Postgres(), Redis()
    shared = {**base, "INTERNBOT_DATABASE_URL": postgres.url,
              "INTERNBOT_RATE_LIMIT_STORAGE": redis.url, "INTERNBOT_TRUSTED_PROXIES": "127.0.0.1"}
    try:
        for name, env in (("one replica direct (SQLite, memory limits)", {**base}),
                          ("one replica direct (PostgreSQL, Redis)", shared)):
            replica = Replica({**env, "INTERNBOT_DATA": str(data / name[:3])})
            try:
                replica.wait_ready()
                results[name] = asyncio.run(hammer(f"{replica.base}/api/ask", args.clients,
                                                   args.seconds, own_address=True))
            finally:
                replica.stop()
        # Two replicas on one machine split its cores: one inference thread each.
        replicas = [Replica({**shared, "INTERNBOT_THREADS": "1", "INTERNBOT_ROOT_PATH": "/chat",
                             "INTERNBOT_DATA": str(data / f"r{i}")}) for i in range(2)]
        try:
            for r in replicas:
                r.wait_ready()
            with nginx([f"127.0.0.1:{r.port}" for r in replicas]) as url:
                results["nginx + two replicas (PostgreSQL, Redis)"] = asyncio.run(hammer(
                    f"{url}/chat/api/ask", args.clients, args.seconds, own_address=True))
        finally:
            for r in replicas:
                r.stop()
    finally:
        postgres.close()
        redis.close()
    return results


def ready(index: str, bin_: Path) -> None:
    """The project's own index is brought up to date first, as `make run` does; another index
    must load as it is, or the run stops with the engine's own message (not a server that never
    becomes ready)."""
    if Path(index).resolve() == (ROOT / "index").resolve():
        subprocess.run([str(bin_ / "internbot"), "index", "--if-needed"], check=True,
                       env={**os.environ, "HF_HUB_OFFLINE": "1"})
        return
    from internbot.errors import InternbotError
    from internbot.index import load

    try:
        load(Path(index))
    except InternbotError as exc:
        sys.exit(f"bench/load.py: {exc}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--index", default=str(ROOT / "index"))
    parser.add_argument("--naive-index", default=None,
                        help="the naive endpoint's index (default --index): an all-MiniLM-L6-v2 "
                             "one, when --index was built with another model")
    parser.add_argument("--workers", type=int, nargs="+", default=[1],
                        help="worker counts of `internbot serve` to measure, e.g. 1 2 4")
    parser.add_argument("--rounds", type=int, default=1,
                        help="hammer every server this many times in turn, alternating the order")
    parser.add_argument("--faq", type=int, default=0, metavar="N",
                        help="ask repeats of N distinct questions, as a FAQ's visitors do "
                             "(default: every question unique, so no cache can help)")
    parser.add_argument("--nginx", action="store_true",
                        help="measure nginx + two replicas against one replica direct instead")
    args = parser.parse_args()
    if args.nginx:
        print(json.dumps({"clients": args.clients, "seconds": args.seconds,
                          **through_nginx(args)}, indent=2))
        return
    bin_ = Path(sys.executable).parent
    ready(args.index, bin_)
    results = {}
    runs = {NAIVE: [sys.executable, str(ROOT / "bench/naive_server.py"),
                    args.naive_index or args.index]}
    for n in args.workers:
        name = "internbot serve (micro-batched)" if n == 1 else f"internbot serve --workers {n}"
        runs[name] = [str(bin_ / "internbot"), "serve", "--index", args.index, "--rate-limit", "0",
                      "--workers", str(n)]
    if args.rounds > 1:
        print(json.dumps(in_rounds(runs, args), indent=2))
        return
    for name, cmd in runs.items():
        port = free_port()
        proc = start(on_port(name, cmd, port), port)
        try:
            results[name] = asyncio.run(hammer(f"http://127.0.0.1:{port}/api/ask", args.clients,
                                               args.seconds, faq=args.faq))
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    naive = results[NAIVE]
    speedups = {k: round(v["rps"] / naive["rps"], 2) for k, v in results.items() if k.startswith("internbot")}
    print(json.dumps({"clients": args.clients, "seconds": args.seconds, "faq": args.faq,
                      **results, "speedup": speedups}, indent=2))


def on_port(name: str, cmd: list[str], port: int) -> list[str]:
    """The server command listening on `port`: the naive server takes it as its last argument."""
    return [*cmd, str(port)] if name == NAIVE else [*cmd, "--port", str(port)]


def in_rounds(runs: dict[str, list[str]], args: argparse.Namespace) -> dict[str, Any]:
    """Every server up at once, each hammered `args.rounds` times in alternating order."""
    procs: dict[str, tuple[subprocess.Popen[bytes], int]] = {}
    rounds: dict[str, list[dict[str, float]]] = {name: [] for name in runs}
    try:
        for name, cmd in runs.items():
            port = free_port()
            procs[name] = (start(on_port(name, cmd, port), port), port)
        names = list(runs)
        for r in range(args.rounds):
            for name in names if r % 2 == 0 else names[::-1]:
                url = f"http://127.0.0.1:{procs[name][1]}/api/ask"
                rounds[name].append(asyncio.run(hammer(url, args.clients, args.seconds, faq=args.faq)))
    finally:
        for proc, _ in procs.values():
            proc.terminate()
            proc.wait(timeout=20)
    naive = rounds[NAIVE]
    out: dict[str, Any] = {"clients": args.clients, "seconds": args.seconds, "rounds": args.rounds,
                           "faq": args.faq}
    for name, rs in rounds.items():
        out[name] = {"requests": sum(int(x["requests"]) for x in rs),
                     "errors": sum(int(x["errors"]) for x in rs),
                     "rps": round(statistics.fmean(x["rps"] for x in rs), 1),
                     "rps_per_round": [x["rps"] for x in rs],
                     "p50_ms": round(statistics.median(x["p50_ms"] for x in rs), 1),
                     "p95_ms": round(statistics.median(x["p95_ms"] for x in rs), 1)}
    out["speedup"] = {name: round(out[name]["rps"] / out[NAIVE]["rps"], 2)
                      for name in rounds if name.startswith("internbot")}
    out["speedup_per_round"] = {
        name: [round(x["rps"] / n["rps"], 2) for x, n in zip(rs, naive, strict=True)]
        for name, rs in rounds.items() if name.startswith("internbot")}
    return out


if __name__ == "__main__":
    main()
