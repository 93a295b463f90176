"""Curated answers: the site owner's own question/answer pairs, answered before any passage.

They live in the corpus folder as `qna.csv` (header `question,alternates,answer,source`;
alternates separated by `|`; `source` optional: a URL or a section name) or `qna.yaml` (a list
of mappings with the same keys, `alternates` a list). A visitor's question matches an entry by
the same hybrid evidence as passages (the cosine to the question or an alternate, plus its
normalised BM25 over them), against a threshold fitted at index time (`answerability.py`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from internbot.corpus import qna_file
from internbot.errors import CorpusError
from internbot.lexical import BM25
from internbot.records import MAX_ANSWER_CHARS, Answer, Source, clip

#: Weight of the normalised BM25 score beside the cosine, as for passages.
LEXICAL_WEIGHT = 0.5
#: The header of a `qna.csv`.
COLUMNS = ("question", "alternates", "answer", "source")


@dataclass(frozen=True)
class CuratedAnswer:
    """One editorial answer and the questions it answers."""

    question: str
    answer: str
    alternates: tuple[str, ...] = ()
    source: str = ""

    def variants(self) -> tuple[str, ...]:
        return (self.question, *self.alternates)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CuratedAnswer:
        return cls(data["question"], data["answer"], tuple(data.get("alternates", ())),
                   data.get("source", ""))


def read_curated(corpus_dir: Path) -> list[CuratedAnswer]:
    """The corpus's curated answers (none without a `qna` file); a malformed file is a
    `CorpusError` naming the row to fix."""
    path = qna_file(corpus_dir)
    if path is None:
        return []
    text = path.read_text(encoding="utf-8")
    rows = _csv_rows(text, path) if path.suffix == ".csv" else _yaml_rows(text, path)
    out = []
    for n, row in rows:
        question, answer = str(row.get("question") or "").strip(), str(row.get("answer") or "").strip()
        if not question or not answer:
            raise CorpusError(f"{path} entry {n}: needs both a question and an answer")
        alternates = row.get("alternates") or ()
        if isinstance(alternates, str):
            alternates = alternates.split("|")
        alts = tuple(dict.fromkeys(a.strip() for a in alternates if str(a).strip()))
        out.append(CuratedAnswer(question, answer, alts, str(row.get("source") or "").strip()))
    return out


def _csv_rows(text: str, path: Path) -> list[tuple[int, dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if "question" not in header or "answer" not in header:
        raise CorpusError(f"{path}: the first line must be the header {','.join(COLUMNS)} "
                          "(source and alternates optional)")
    reader.fieldnames = header
    return [(n, row) for n, row in enumerate(reader, 2)]


def _yaml_rows(text: str, path: Path) -> list[tuple[int, dict[str, Any]]]:
    import yaml

    try:
        data = yaml.safe_load(text) or []
    except yaml.YAMLError as exc:
        raise CorpusError(f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
        raise CorpusError(f"{path}: write a list of entries with question, answer, alternates "
                          "and source keys")
    return list(enumerate(data, 1))


class CuratedIndex:
    """The entries with one vector per variant (question or alternate) and a BM25 over them."""

    def __init__(self, entries: Sequence[CuratedAnswer], vectors: np.ndarray,
                 threshold: float = 1.0) -> None:
        self.entries = list(entries)
        self.vectors = vectors
        self.owner = np.array([i for i, e in enumerate(self.entries) for _ in e.variants()],
                              dtype=np.int64)
        self.bm25 = BM25.build([v for e in self.entries for v in e.variants()])
        #: Fitted at index time: a fused score at or above it answers with the entry.
        self.threshold = threshold

    @classmethod
    def build(cls, entries: Sequence[CuratedAnswer], encode: Any, dim: int) -> CuratedIndex:
        texts = [v for e in entries for v in e.variants()]
        vectors = np.asarray(encode(texts), dtype=np.float32) if texts else np.zeros((0, dim), np.float32)
        return cls(entries, vectors)

    def scores(self, texts: Sequence[str], vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each question, its best entry and that entry's fused score."""
        if not self.entries:
            return np.zeros(len(texts), np.int64), np.full(len(texts), -np.inf)
        fused = np.asarray(vectors, dtype=np.float32) @ self.vectors.T  # (questions, variants)
        for row, text in enumerate(texts):
            terms = self.bm25.query_terms(text)
            ceiling = self.bm25.ceiling(terms)
            if ceiling > 0:
                fused[row] += LEXICAL_WEIGHT * self.bm25.scores(terms) / ceiling
        best = fused.argmax(axis=1)
        return self.owner[best], fused[np.arange(len(texts)), best]

    def match(self, text: str, vector: np.ndarray) -> tuple[int, float] | None:
        """The entry answering this question (its position) with its score, or None."""
        entry, score = self.scores([text], vector[None, :])
        if score[0] < self.threshold:  # also when there are no entries: the score is -inf
            return None
        return int(entry[0]), float(score[0])

    def answer(self, question: str, vector: np.ndarray) -> Answer | None:
        """The curated answer to this question, when one matches: labelled as curated, with
        its source when the owner gave one; confidence 0.5 at the threshold, 1 at a perfect
        match (cosine 1 and full BM25)."""
        found = self.match(question, vector)
        if found is None:
            return None
        position, score = found
        entry = self.entries[position]
        where = f"curated answer · {entry.source}" if entry.source else "curated answer"
        source = Source("qna", entry.question, clip(entry.answer), round(score, 4),
                        "Curated answers", (), f"qna#{position}")
        best = 1.0 + LEXICAL_WEIGHT
        conf = 0.5 + 0.5 * min(1.0, (score - self.threshold) / max(best - self.threshold, 1e-6))
        return Answer(question, True, clip(entry.answer, MAX_ANSWER_CHARS - len(where) - 12)
                      + f"\n\n(Source: {where})", round(conf, 4), (source,), kind="curated",
                      section=entry.question)

    def save(self, folder: Path) -> list[Path]:
        np.save(folder / "curated.npy", self.vectors)
        (folder / "curated.json").write_text(json.dumps(
            {"threshold": self.threshold, "entries": [e.to_dict() for e in self.entries]},
            ensure_ascii=False, indent=1), encoding="utf-8")
        return [folder / "curated.npy", folder / "curated.json"]

    @classmethod
    def load(cls, folder: Path) -> CuratedIndex:
        data = json.loads((folder / "curated.json").read_text(encoding="utf-8"))
        vectors = np.load(folder / "curated.npy", allow_pickle=False)
        return cls([CuratedAnswer.from_dict(e) for e in data["entries"]], vectors,
                   float(data["threshold"]))
