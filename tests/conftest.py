"""Shared fixtures: tiny corpora, a fake deterministic embedder, and (marked slow) the real model."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from internbot.config import HASHING_MODEL, Settings

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ROOT / "corpus" / "how-to-get-a-machine-learning-internship.txt"
DEV_SET = ROOT.parent / "shared" / "eval" / "dev_questions.jsonl"


def free_port() -> int:
    """A free TCP port on loopback."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(base: str, timeout: float = 60,
               died: Callable[[], str | None] | None = None) -> None:
    """Poll `/readyz` until it answers 200, or fail after `timeout` seconds (or as soon as
    `died` says the server process has exited, with what it said)."""
    import time

    import httpx

    deadline = time.time() + timeout
    while time.time() < deadline:
        if died is not None and (why := died()) is not None:
            raise AssertionError(f"{base} exited: {why}")
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{base} did not become ready in {timeout} s")


def tiny_answerer(tmp_path, text: str, policy=None, name: str = "guide.txt"):  # type: ignore[no-untyped-def]
    """An answerer over one guide `text` (a file `name`), with the hashing embedder and no
    abstention."""
    from internbot.answerer import Answerer
    from internbot.indexing import build

    corpus = tmp_path / "corpus"
    corpus.mkdir(parents=True)
    (corpus / name).write_text(text, encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", model=HASHING_MODEL,
                        model_sha256="", abstain_threshold=0.0)
    build(settings)
    return Answerer.from_settings(settings, policy=policy)


#: A second, unrelated section closing a tiny Markdown guide, so it has more than one topic.
MENTOR_MD = "## Find a Mentor\n\nA mentor reviews your projects.\n"


def markdown_answerer(tmp_path, body: str):  # type: ignore[no-untyped-def]
    """`tiny_answerer` over a Markdown guide: `body`, then the unrelated `MENTOR_MD`."""
    return tiny_answerer(tmp_path, body + MENTOR_MD, name="guide.md")


class CountingEmbedder:
    """The hashing embedder, remembering every text it was asked to encode."""

    def __init__(self) -> None:
        from internbot.embedder import HashingEmbedder

        self.inner, self.seen = HashingEmbedder(), []  # type: list[str]
        self.name, self.dim = self.inner.name, self.inner.dim

    def encode(self, texts, **kw):  # type: ignore[no-untyped-def]
        self.seen += texts
        return self.inner.encode(texts, **kw)


class BlurredEmbedder(CountingEmbedder):
    """A stand-in for the int8 question model: the hashing vectors blurred a little, each text
    always the same way."""

    quantized = True

    def __init__(self, blur: float) -> None:
        super().__init__()
        self.blur = blur

    def encode(self, texts, **kw):  # type: ignore[no-untyped-def]
        import zlib

        import numpy as np

        noise = np.stack([np.random.default_rng(zlib.crc32(t.encode())).normal(size=self.dim)
                          for t in texts]) if texts else np.zeros((0, self.dim))
        v = super().encode(texts, **kw) + self.blur * noise / np.sqrt(self.dim)
        return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture(autouse=True)
def _no_ambient_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never read the developer's INTERNBOT_* settings."""
    import os

    for var in [v for v in os.environ if v.startswith("INTERNBOT_")]:
        monkeypatch.delenv(var)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    """A writable copy of the three-document fixture corpus."""
    dest = tmp_path / "corpus"
    shutil.copytree(DATA / "tiny", dest)
    return dest


@pytest.fixture
def fake_settings(tmp_path: Path, tiny_corpus: Path) -> Settings:
    """Settings using the hashing embedder: no model, fully deterministic."""
    return Settings(corpus_dir=tiny_corpus, index_dir=tmp_path / "index", model=HASHING_MODEL,
                    model_sha256="")


@pytest.fixture
def fake_index(fake_settings: Settings) -> Settings:
    from internbot.indexing import build

    build(fake_settings)
    return fake_settings


@pytest.fixture(scope="session")
def real_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The real article indexed with the real bundled model, once per session."""
    from internbot.indexing import build

    base = tmp_path_factory.mktemp("real")
    corpus = base / "corpus"
    corpus.mkdir()
    shutil.copy(ARTICLE, corpus / ARTICLE.name)
    settings = Settings(corpus_dir=corpus, index_dir=base / "index")
    build(settings)
    return settings


@pytest.fixture(scope="session")
def real_answerer(real_settings: Settings):  # type: ignore[no-untyped-def]
    from internbot.answerer import Answerer

    return Answerer.from_settings(real_settings)
