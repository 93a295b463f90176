"""Text → unit vectors. The real model runs offline from a bundled copy, checked by sha256.

`HashingEmbedder` is a deterministic, model-free stand-in for unit tests and benchmarks.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from internbot import bundled
from internbot.bundled import sha256_file
from internbot.config import BUNDLED_MODEL, HASHING_MODEL, PINNED, Settings
from internbot.errors import ModelError

log = logging.getLogger(__name__)


class Embedder(Protocol):
    """Anything that turns texts into L2-normalised float32 rows."""

    name: str
    dim: int

    def encode(self, texts: list[str], *, progress: bool = False,
               max_tokens: int | None = None) -> np.ndarray: ...


class WordEmbedder(Embedder, Protocol):
    """An embedder that also gives each text's word vectors, from the same forward pass
    (special tokens and padding dropped), for late interaction (`late.py`)."""

    def encode_tokens(self, texts: list[str], *,
                      max_tokens: int | None = None) -> tuple[np.ndarray, list[np.ndarray]]: ...


def word_embedder(embedder: Embedder) -> WordEmbedder | None:
    """`embedder` if it gives word vectors, else None."""
    return embedder if callable(getattr(embedder, "encode_tokens", None)) else None  # type: ignore[return-value]


def resolve_model_path(model: str, cache_dir: Path | None = None) -> str:
    """The bundled model's folder for `bundled:*` (unpacked into `cache_dir` when it ships in
    pieces), else the name or path as given."""
    b = bundled.bundle(model)
    if b is None:
        return model
    return str(bundled.model_dir(b, cache_dir or Settings().cache_dir))


#: Weights already hashed in this process, by path, size and modification time: a server
#: loads its model twice (int8 questions, float confirmations) and reads the file once.
_DIGESTS: dict[tuple[str, int, int], str] = {}


def _digest(weights: Path) -> str:
    stat = weights.stat()
    key = (str(weights.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _DIGESTS:
        _DIGESTS[key] = sha256_file(weights)
    return _DIGESTS[key]


def verify_weights(model_dir: Path, expected: str, model: str = "") -> None:
    """Refuse weights whose checksum differs from the pinned one (`PINNED`: the bundled
    model's own pin, or for a folder any bundled pin; empty: no check)."""
    weights = model_dir / "model.safetensors"
    if not expected or not weights.exists():
        return
    if expected != PINNED:
        allowed = {expected}
    elif (b := bundled.bundle(model)) is not None:
        allowed = {b.sha256}
    else:  # a model folder: any bundled model's weights
        allowed = set(bundled.PINS)
    actual = _digest(weights)
    if actual not in allowed:
        raise ModelError(
            f"{weights} has sha256 {actual[:12]}…, which is not the pinned one: reinstall the "
            "model package, or set INTERNBOT_MODEL_SHA256 to its sha256 if the model is intended"
        )


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 (or any sentence-transformers model), loaded offline and thread-safe."""

    def __init__(self, model: str = BUNDLED_MODEL, sha256: str = "", batch_size: int = 64,
                 cache_dir: Path | None = None) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        path = resolve_model_path(model, cache_dir)
        if Path(path).is_dir():
            verify_weights(Path(path), sha256, model)
        try:
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(path, device="cpu")
        except Exception as exc:
            raise ModelError(
                f"cannot load embedding model {model!r} ({type(exc).__name__}): "
                "set INTERNBOT_MODEL to a local model folder"
            ) from exc
        self.name = model
        getter = getattr(self._model, "get_embedding_dimension", None)
        getter = getter or self._model.get_sentence_embedding_dimension
        dim = getter()
        self.dim = int(dim) if dim else 0
        self.batch_size = batch_size
        self._lock = threading.Lock()

    def encode(self, texts: list[str], *, progress: bool = False,
               max_tokens: int | None = None) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._truncated(max_tokens):
            vectors = self._encode(texts, progress)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    @contextlib.contextmanager
    def _truncated(self, max_tokens: int | None) -> Iterator[None]:
        """The model alone (torch modules are not safe to call from several threads at once),
        cutting texts at `max_tokens` for the block."""
        with self._lock:
            default = int(self._model.max_seq_length or 256)
            self._model.max_seq_length = min(default, max_tokens or default)
            try:
                yield
            finally:
                self._model.max_seq_length = default

    def encode_tokens(self, texts: list[str], *,
                      max_tokens: int | None = None) -> tuple[np.ndarray, list[np.ndarray]]:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32), []
        with self._truncated(max_tokens):
            rows: Any = self._model.encode(texts, batch_size=self.batch_size, output_value=None)
        special = set(getattr(self._model.tokenizer, "all_special_ids", ()))
        vectors, words = [], []
        for row in rows:
            ids = np.asarray(row["input_ids"].cpu())
            keep = (np.asarray(row["attention_mask"].cpu()) > 0) & ~np.isin(ids, list(special))
            words.append(np.asarray(row["token_embeddings"].float().cpu())[keep])
            vectors.append(np.asarray(row["sentence_embedding"].float().cpu()))
        pooled = np.stack(vectors).astype(np.float32)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None), words

    def _encode(self, texts: list[str], progress: bool) -> np.ndarray:
        vectors = self._model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.asarray(vectors)


_TOKEN = re.compile(r"[a-z0-9]+")


class HashingEmbedder:
    """Deterministic bag of words and character trigrams, hashed into `dim` buckets.

    Similar wording gives similar vectors, which is all unit tests need; no model, no torch.
    It gives no word vectors, so an index it builds has no late interaction (`late.py`).
    """

    def __init__(self, dim: int = 384) -> None:
        self.name = HASHING_MODEL
        self.dim = dim

    def _features(self, text: str) -> list[str]:
        words = _TOKEN.findall(text.lower())
        grams = [w[i : i + 3] for w in words if len(w) > 3 for i in range(len(w) - 2)]
        return words + grams

    def encode(self, texts: list[str], *, progress: bool = False,
               max_tokens: int | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for feature in self._features(text):
                digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
                bucket = int.from_bytes(digest[:4], "little") % self.dim
                sign = 1.0 if digest[4] & 1 else -1.0
                out[row, bucket] += sign
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return out / norms


def load_embedder(settings: Settings, *, queries: bool = False) -> Embedder:
    """The embedder named by `settings.model`, on ONNX Runtime when the model allows it.

    Both backends give the same vectors (cosine 1.000000 on the dev questions), so an index
    built with one is served by the other; ONNX is about twice as fast on CPU. For `queries`,
    `settings.quantize` asks for its int8 copy (indexes are always built in float): by
    default where ONNX runs the model, and required when set to true.
    """
    if settings.model == HASHING_MODEL:
        return HashingEmbedder()
    required = queries and settings.quantize is True
    path = Path(resolve_model_path(settings.model, settings.cache_dir))
    if settings.backend != "torch" and path.is_dir():
        from internbot import onnx_embedder

        if onnx_embedder.supported(path):
            verify_weights(path, settings.model_sha256, settings.model)
            # int8 first where it is asked for or left to us; float if int8 cannot load.
            ways = [True, False] if queries and settings.quantize is not False else [False]
            for quantized in ways:
                try:
                    return onnx_embedder.OnnxEmbedder(settings.model, path, settings.cache_dir,
                                                      settings.threads, quantized=quantized)
                except ModelError as exc:
                    if required or (settings.backend == "onnx" and not quantized):
                        raise
                    log.warning("%s: trying the next way to run the model", exc)
        elif settings.backend == "onnx":
            raise ModelError(f"{settings.model} is not a mean-pooled model that the ONNX backend "
                             "reproduces: set INTERNBOT_BACKEND=torch")
    if required:
        raise ModelError(f"INTERNBOT_QUANTIZE needs the ONNX backend, which {settings.model} "
                         f"(backend {settings.backend}) does not run on: unset INTERNBOT_QUANTIZE")
    return SentenceTransformerEmbedder(settings.model, settings.model_sha256, settings.batch_size,
                                       settings.cache_dir)
