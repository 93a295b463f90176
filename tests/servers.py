"""Throwaway real servers for tests and benchmarks: PostgreSQL, Redis, nginx, internbot replicas.

Each starts from Debian's binaries in a temporary directory on a free loopback port and is
stopped at the end. `need()` skips a test with a one-line reason when a binary is missing,
except in CI, where the tests must run (`.ci/run` installs the packages).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import string
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from conftest import free_port, wait_ready

ROOT = Path(__file__).resolve().parents[1]
NGINX_CONF = ROOT / "deploy" / "nginx.conf"
#: How the browser tests launch Debian's Chromium (never `playwright install`).
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"]


def need(binary: str, package: str, where: str = "") -> str:
    """The binary's path; else skip (locally) or fail (in CI) with the package to install."""
    found = shutil.which(binary) or next(iter(sorted(glob.glob(os.path.join(where, binary)))), None)
    if found:
        return found
    message = f"no {binary} on this machine: apt-get install -y {package}"
    if os.environ.get("CI"):
        raise RuntimeError(f"CI must run these tests: {message} (.ci/run does)")
    pytest.skip(message)


def _wait_port(port: int, timeout: float = 30) -> None:
    import socket

    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


class Postgres:
    """A PostgreSQL cluster in a temporary directory; `stop()`/`start()` simulate an outage."""

    def __init__(self) -> None:
        bindir = os.path.dirname(need("initdb", "postgresql", "/usr/lib/postgresql/*/bin/"))
        self.bin = Path(bindir)
        self.dir = Path(tempfile.mkdtemp(prefix="internbot-pg-"))
        self.port = free_port()
        # initdb refuses to run as root: CI's root runs the server as Debian's `postgres` user.
        self.user: list[str] = []
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self.user = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", str(self.dir / "data"), "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--no-sync")
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self.start()

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run([*self.user, str(self.bin / tool), *args], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=self.dir)

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-l", str(self.dir / "log"), "-w",
                  "-o", f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1", "start")

    def stop(self, mode: str = "fast") -> None:
        """`immediate` is a crash: no shutdown checkpoint, recovery from the WAL at start."""
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", mode, "-w", "stop")

    def close(self) -> None:
        with suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class Redis:
    def __init__(self) -> None:
        binary = need("redis-server", "redis-server")
        self.dir = Path(tempfile.mkdtemp(prefix="internbot-redis-"))
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._cmd = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                     "--appendonly", "no", "--dir", str(self.dir), "--daemonize", "no"]
        self.proc: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        self.proc = subprocess.Popen(self._cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_port(self.port)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class Replica:
    """`internbot serve` in its own process (a replica of a deployment)."""

    def __init__(self, env: Mapping[str, str], port: int | None = None) -> None:
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        # Its log goes to a file: a pipe nobody reads would block the server once full.
        self.log = Path(tempfile.mkstemp(prefix="internbot-replica-", suffix=".log")[1])
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "internbot.cli", "serve", "--port", str(self.port)],
                env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=log,
                start_new_session=True)

    def wait_ready(self, timeout: float = 120) -> None:
        wait_ready(self.base, timeout, self._died)

    def _died(self) -> str | None:
        if self.proc.poll() is None:
            return None
        return self.log.read_text(errors="replace")[-2000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)
        self.log.unlink(missing_ok=True)


def render_nginx(listen: str, replicas: list[str], prefix: str = "/chat/") -> str:
    """`deploy/nginx.conf` with its `${…}` placeholders filled, as `envsubst` would."""
    template = string.Template(NGINX_CONF.read_text(encoding="utf-8"))
    return template.safe_substitute(
        INTERNBOT_LISTEN=listen, INTERNBOT_PREFIX=prefix,
        INTERNBOT_REPLICA_1=replicas[0], INTERNBOT_REPLICA_2=replicas[1])


@contextmanager
def nginx(replicas: list[str]) -> Iterator[str]:
    """nginx on a free loopback port with `deploy/nginx.conf` in front of two replicas."""
    binary = need("nginx", "nginx", "/usr/sbin/")
    work = Path(tempfile.mkdtemp(prefix="internbot-nginx-"))
    port = free_port()
    (work / "internbot.conf").write_text(render_nginx(f"127.0.0.1:{port}", replicas))
    # The outer file stands for Debian's /etc/nginx/nginx.conf, which includes conf.d/*.conf.
    (work / "nginx.conf").write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"daemon off;\npid {work}/nginx.pid;\nerror_log {work}/error.log warn;\n"
        "events { worker_connections 1024; }\n"
        f"http {{\n  access_log {work}/access.log;\n"
        f"  client_body_temp_path {work}/body; proxy_temp_path {work}/proxy;\n"
        f"  fastcgi_temp_path {work}/fcgi; uwsgi_temp_path {work}/uwsgi; scgi_temp_path {work}/scgi;\n"
        f"  include {work}/internbot.conf;\n}}\n")
    proc = subprocess.Popen([binary, "-p", str(work), "-c", str(work / "nginx.conf"),
                             "-e", str(work / "error.log")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_port(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
