"""The CLI at its edge: CliRunner, fake embedder via INTERNBOT_MODEL=hashing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from internbot.cli import main


@pytest.fixture
def env(tiny_corpus: Path, tmp_path: Path) -> dict[str, str]:
    return {"INTERNBOT_CORPUS": str(tiny_corpus), "INTERNBOT_INDEX": str(tmp_path / "index"),
            "INTERNBOT_MODEL": "hashing", "INTERNBOT_MODEL_SHA256": ""}


def run(args: list[str], env: dict[str, str]):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, args, env=env, catch_exceptions=False)


def test_index_then_ask_json(env: dict[str, str]) -> None:
    result = run(["index"], env)
    assert result.exit_code == 0, result.output
    assert "indexed 3 document(s)" in result.output
    result = run(["ask", "--json", "How hot should the water be for coffee?"], env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) >= {"question", "answered", "answer", "confidence", "sources", "suggestions"}
    assert 0.0 <= data["confidence"] <= 1.0
    assert len(data["sources"]) >= 3
    assert all(set(s) >= {"doc", "section", "text", "score"} for s in data["sources"])


def test_ask_plain_output_names_the_section(env: dict[str, str]) -> None:
    run(["index"], env)
    result = run(["ask", "How much coffee should I use per cup?"], env)
    assert result.exit_code == 0
    assert "(Source:" in result.output


def test_index_if_needed_skips_a_current_index(env: dict[str, str]) -> None:
    run(["index"], env)
    result = run(["index", "--if-needed"], env)
    assert result.exit_code == 0 and "up to date" in result.output


@pytest.mark.parametrize("setup, args, message", [
    ("none", ["ask", "hello there friend?"], "no index at"),
    ("none", ["index", "--corpus", "/definitely/not/here"], "no corpus folder"),
    ("empty", ["index"], "no readable"),
    ("corrupt", ["ask", "coffee?"], "truncated or corrupt"),
    ("stale", ["ask", "coffee?"], "corpus changed"),
])
def test_errors_are_one_clear_line(env: dict[str, str], tmp_path: Path, setup: str,
                                   args: list[str], message: str) -> None:
    if setup == "empty":
        empty = tmp_path / "empty"
        empty.mkdir()
        env = {**env, "INTERNBOT_CORPUS": str(empty)}
    if setup in ("corrupt", "stale"):
        assert run(["index"], env).exit_code == 0
    if setup == "corrupt":
        vec = Path(env["INTERNBOT_INDEX"]) / "vectors.npy"
        vec.write_bytes(vec.read_bytes()[:100])
    if setup == "stale":
        (Path(env["INTERNBOT_CORPUS"]) / "extra.md").write_text("# Extra\n\nNew text here.\n")
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
    assert "Traceback" not in result.output


def test_help_is_instant_and_imports_nothing_heavy() -> None:
    code = ("import sys, internbot.cli; "
            "print(any(m in sys.modules for m in ('torch', 'faiss', 'gradio', 'numpy')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_index_verify_finds_a_flipped_byte(env: dict[str, str]) -> None:
    """Loading checks sizes only (cheap at any scale); `index --verify` reads every byte."""
    run(["index"], env)
    assert "is intact" in run(["index", "--verify"], env).output
    vectors = Path(env["INTERNBOT_INDEX"]) / "vectors.npy"
    data = bytearray(vectors.read_bytes())
    data[-1] ^= 0xFF  # same size, different content
    vectors.write_bytes(bytes(data))
    assert run(["ask", "How hot should the water be?"], env).exit_code == 0
    result = CliRunner().invoke(main, ["index", "--verify"], env=env)
    assert result.exit_code == 1 and "vectors.npy is truncated or corrupt" in result.output
