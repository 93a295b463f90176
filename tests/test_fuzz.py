"""Schemathesis fuzzes the API from its own /openapi.json, on a live loopback server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import schemathesis
from conftest import free_port, wait_ready
from hypothesis import HealthCheck, given, settings

from internbot.config import Settings
from internbot.indexing import build
from internbot.server import create_app

DATA = Path(__file__).parent / "data" / "tiny"


def _serve(tmp: Path) -> Iterator[str]:
    import uvicorn

    cfg = Settings(corpus_dir=DATA, index_dir=tmp / "index", model="hashing", model_sha256="",
                   data_dir=tmp / "data", rate_limit=0)
    build(cfg)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(replace(cfg)), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    wait_ready(base)
    yield base
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from _serve(tmp_path_factory.mktemp("fuzz"))


def test_api_never_5xx_and_matches_its_schema(base_url: str) -> None:
    """Every documented operation, 40 generated requests each (schemathesis' pytest plugin
    does not support pytest 9, so its strategies are driven directly)."""
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/api/ask", "/api/feedback", "/healthz", "/readyz"}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck),
                  database=None)
        def check(case) -> None:  # type: ignore[no-untyped-def]
            response = case.call(timeout=20)
            assert response.status_code < 500, f"{case.method} {case.path}: {response.text}"
            case.validate_response(response)

        check()
