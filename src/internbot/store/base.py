"""What every store keeps and how: records, redaction, and schema migrations.

A store holds visitors' questions (best-effort analytics) and their feedback (acknowledged only
once committed). Backends differ in SQL dialect only; the schema version lives in the database
itself and is migrated forward on start, never silently past what this code knows.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from internbot.errors import StoreSchemaError

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?<![\w$])\+?\d[\d\s().-]{7,}\d(?![\w%])")


def redact(text: str) -> str:
    """Replace e-mail addresses and phone numbers, so stored questions hold no contact details."""
    text = EMAIL.sub("[email]", text)
    return PHONE.sub(lambda m: "[phone]" if sum(c.isdigit() for c in m.group()) >= 8 else m.group(),
                     text)


@dataclass(frozen=True)
class AskLog:
    """One answered question, as the server logs it."""

    question: str
    answered: bool
    confidence: float
    answer: str
    section: str = ""
    channel: str = "api"


@dataclass(frozen=True)
class Ask:
    """A stored question, as the report reads it."""

    ts: float
    question: str
    answered: bool
    confidence: float
    section: str


@dataclass(frozen=True)
class Feedback:
    ts: float
    question: str
    answer: str
    helpful: bool
    reason: str


class Store(ABC):
    """Questions, answers and feedback; safe to share between request threads."""

    retention_days: float

    @abstractmethod
    def log_asks(self, rows: Sequence[AskLog]) -> None:
        """Log many answered questions in one transaction (questions redacted)."""

    @abstractmethod
    def add_feedback(self, question: str, answer: str, helpful: bool, reason: str = "") -> int:
        """Store feedback durably; returns its id once committed. Raises `StoreUnavailable`."""

    @abstractmethod
    def feedback(self, since: float = 0.0) -> list[Feedback]: ...

    @abstractmethod
    def asks(self, since: float = 0.0) -> list[Ask]: ...

    @abstractmethod
    def purge(self, now: float | None = None) -> int:
        """Delete everything older than the retention period; returns the rows removed."""

    @abstractmethod
    def healthy(self) -> bool:
        """Whether the database answers now (for `/readyz`)."""

    @abstractmethod
    def schema_version(self) -> int: ...

    @abstractmethod
    def close(self) -> None: ...


def migrate(current: int, migrations: Sequence[str], run: Callable[[str], object],
            record: Callable[[int], object], where: str) -> int:
    """Apply `migrations[current:]` in order (version N is `migrations[N-1]`); returns the version.

    The caller runs this inside one transaction that also serialises concurrent replicas.
    """
    latest = len(migrations)
    if current > latest:
        raise StoreSchemaError(
            f"the database at {where} has schema version {current}, newer than this internbot "
            f"knows ({latest}): upgrade internbot, or point INTERNBOT_DATABASE_URL elsewhere")
    for version in range(current + 1, latest + 1):
        run(migrations[version - 1])
        record(version)
    return latest
