"""The same sentence-transformers model run by ONNX Runtime: identical vectors, about twice as fast.

The ONNX graph is exported once from the checksum-verified weights into a cache folder (torch is
only needed for that step); after that, queries need only onnxruntime, `tokenizers` and numpy.
Used for mean-pooled, normalised BERT-style models such as all-MiniLM-L6-v2. With `quantized`,
queries go through an int8 copy of the graph instead, one question per run: about half the CPU,
vectors within cosine ~0.99 of the float ones (docs/benchmarks.md), so a float index still
serves them.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import tempfile
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from internbot.errors import ModelError

log = logging.getLogger(__name__)
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
#: Part of the cached graph's name: a graph from another exporter is exported again.
EXPORTER = "x2"


def supported(model_dir: Path) -> bool:
    """True for Transformer → mean Pooling → Normalize pipelines, which this embedder reproduces."""
    try:
        modules = json.loads((model_dir / "modules.json").read_text())
        kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
        pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text())
    except (OSError, ValueError, KeyError):
        return False
    return (kinds == ["Transformer", "Pooling", "Normalize"]
            and pooling.get("pooling_mode_mean_tokens") is True
            and not any(v for k, v in pooling.items() if k.startswith("pooling_mode_")
                        and k != "pooling_mode_mean_tokens")
            and (model_dir / "tokenizer.json").exists())


def _weights_digest(model_dir: Path) -> str:
    h = hashlib.sha256()
    for name in ("model.safetensors", "config.json"):
        path = model_dir / name
        if path.exists():
            with path.open("rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
    return h.hexdigest()[:16]


@contextlib.contextmanager
def _written_atomically(target: Path, prefix: str) -> Iterator[str]:
    """A temp file beside `target` to write; it replaces `target` only if the block completes."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".onnx", dir=target.parent)
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def export(model_dir: Path, target: Path, *, dynamo: bool | None = None) -> None:
    """Export the transformer to ONNX (atomically: a temp file, then `os.replace`).

    Two exporters give the same vectors (tested). The TorchScript one is deprecated but its graph
    runs ~18% faster on ONNX Runtime 1.32 here (docs/benchmarks.md), so it is tried first; when a
    torch release no longer has it, or `dynamo=True`, the dynamo exporter is used.
    """
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(model_dir)).eval()

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.m = model

        def forward(self, ids: torch.Tensor, mask: torch.Tensor, types: torch.Tensor) -> torch.Tensor:
            return self.m(input_ids=ids, attention_mask=mask, token_type_ids=types).last_hidden_state

    # torch.export specialises on its example: with a mask of all ones it would drop the
    # padding path, so the example pads one row.
    ids = torch.ones((2, 8), dtype=torch.long)
    mask = ids.clone()
    mask[0, 5:] = 0
    example = (ids, mask, torch.zeros_like(ids))
    with (_written_atomically(target, ".export-") as tmp, torch.no_grad(),
          contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings()):
        # Deprecation notices, progress lines and notes on axis names: noise for a one-off step.
        warnings.simplefilter("ignore")
        if not dynamo:
            try:
                axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, "last_hidden_state")}
                torch.onnx.export(Encoder().eval(), example, tmp, input_names=list(INPUTS),
                                  output_names=["last_hidden_state"], dynamic_axes=axes,
                                  opset_version=17, dynamo=False)
            except Exception as exc:  # any failure: fall back to the supported exporter
                log.info("TorchScript ONNX export unavailable (%s): using the dynamo exporter", exc)
                dynamo = True
        if dynamo:
            batch = torch.export.Dim("batch", min=1, max=4096)
            tokens = torch.export.Dim("tokens", min=1, max=512)
            shapes = {name: {0: batch, 1: tokens} for name in ("ids", "mask", "types")}
            torch.onnx.export(Encoder().eval(), example, tmp, input_names=list(INPUTS),
                              output_names=["last_hidden_state"], dynamic_shapes=shapes,
                              opset_version=18, dynamo=True, external_data=False, verbose=False)


def quantize(graph: Path, target: Path) -> None:
    """An int8 copy of `graph` (atomically). Dynamic quantisation of the matrix products only,
    signed and per channel: of the variants measured, the closest to the float vectors and the
    fastest; quantising the embedding lookups too cost fidelity for no speed."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()  # it logs a hint about pre-processing there on every call
    was, root.disabled = root.disabled, True
    try:
        with _written_atomically(target, ".quantize-") as tmp:
            quantize_dynamic(str(graph), tmp, weight_type=QuantType.QInt8, per_channel=True,
                             op_types_to_quantize=["MatMul"])
    finally:
        root.disabled = was


class OnnxEmbedder:
    """Mean-pooled, normalised sentence vectors from an exported ONNX graph."""

    def __init__(self, name: str, model_dir: Path, cache_dir: Path, threads: int = 0, *,
                 quantized: bool = False) -> None:
        try:
            import onnxruntime as ort
            import tokenizers  # noqa: F401
        except ImportError as exc:
            raise ModelError("onnxruntime is not installed: run `make install`") from exc
        self.name = name
        config = json.loads((model_dir / "config.json").read_text())
        self.dim = int(config["hidden_size"])
        max_len = json.loads((model_dir / "sentence_bert_config.json").read_text()).get(
            "max_seq_length", 256)
        graph = cache_dir / f"{model_dir.name}-{_weights_digest(model_dir)}-{EXPORTER}.onnx"
        if not graph.exists():
            log.info("exporting %s to ONNX at %s (once)", name, graph)
            export(model_dir, graph)
        if quantized:
            float_graph, graph = graph, graph.with_name(f"{graph.stem}-int8.onnx")
            if not graph.exists():
                log.info("quantising %s to int8 at %s (once)", name, graph)
                quantize(float_graph, graph)
        workers = threads or (os.cpu_count() or 1)
        #: int8 runs one question per call: dynamic quantisation scales each MatMul input over
        #: the whole batch, so a batched question's vector would depend on its batch-mates.
        #: Alone, it is the same whatever else is asked, and int8 is cheapest one at a time
        #: (docs/benchmarks.md): the calls are spread over `workers` single-threaded runs.
        self.quantized = quantized
        self._workers = workers if quantized else 1
        self._pool: ThreadPoolExecutor | None = None
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1 if quantized else workers
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # Idle worker threads sleep instead of spinning: a server shares its cores with HTTP.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self._session = ort.InferenceSession(str(graph), options,
                                                 providers=["CPUExecutionProvider"])
        except Exception as exc:  # a truncated or foreign file: export again next time
            graph.unlink(missing_ok=True)
            raise ModelError(f"the cached ONNX model {graph} was unreadable and has been removed: "
                             "run the command again") from exc
        #: The inputs the graph takes: MPNet has no token types, so its export drops them.
        self._inputs = [i.name for i in self._session.get_inputs()]
        self.max_tokens = int(max_len)
        self._tokenizers: dict[int, Any] = {}
        self._tokenizer_file = str(model_dir / "tokenizer.json")

    def _tokenizer(self, max_tokens: int) -> Any:
        """A tokenizer truncating at `max_tokens` (one per length; `tokenizers` is thread-safe)."""
        from tokenizers import Tokenizer

        tok = self._tokenizers.get(max_tokens)
        if tok is None:
            tok = Tokenizer.from_file(self._tokenizer_file)
            tok.enable_truncation(max_length=max_tokens)
            tok.enable_padding(pad_id=0, pad_token="[PAD]")
            self._tokenizers[max_tokens] = tok
        return tok

    def encode(self, texts: list[str], *, progress: bool = False,
               max_tokens: int | None = None) -> np.ndarray:
        return self._encode(texts, progress, max_tokens, None)

    def encode_tokens(self, texts: list[str], *,
                      max_tokens: int | None = None) -> tuple[np.ndarray, list[np.ndarray]]:
        """Pooled vectors, and each text's word vectors from the same run."""
        words: list[np.ndarray] = [np.zeros((0, self.dim), np.float32)] * len(texts)
        return self._encode(texts, False, max_tokens, words), words

    def _encode(self, texts: list[str], progress: bool, max_tokens: int | None,
                words: list[np.ndarray] | None) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        order = np.argsort([len(t) for t in texts])  # similar lengths pad less
        size = 1 if self.quantized else 64
        batches = [order[i : i + size] for i in range(0, len(order), size)]
        tokenizer = self._tokenizer(min(max_tokens or self.max_tokens, self.max_tokens))
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=len(texts), desc="embedding", unit="text")

        def run(rows: np.ndarray) -> None:
            encoded = tokenizer.encode_batch([texts[i] for i in rows])
            out[rows], hidden = self._pooled(encoded)
            if words is not None:
                for j, row, e in zip(range(len(rows)), rows, encoded, strict=True):
                    keep = np.array(e.attention_mask, bool) & ~np.array(e.special_tokens_mask, bool)
                    words[row] = hidden[j][keep]
            if bar is not None:
                bar.update(len(rows))

        if self._workers > 1 and len(batches) > 1:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="internbot-onnx")
            list(self._pool.map(run, batches))  # ONNX Runtime releases the GIL while it runs
        else:
            for rows in batches:
                run(rows)
        if bar is not None:
            bar.close()
        return out

    def _pooled(self, encoded: list[Any]) -> tuple[np.ndarray, np.ndarray]:
        """Mean-pooled, normalised vectors of one batch of tokenized texts, and the word
        vectors they pool."""
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        types = np.array([e.type_ids for e in encoded], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        hidden = self._session.run(None, {k: feed[k] for k in self._inputs})[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None), hidden
