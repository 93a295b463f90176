"""Batch question evaluation: read questions, answer them in batches, score, compare, export.

Reads JSONL (`id`, `question`, optional `history` and `expected`) or CSV (`question` required;
`expected` and `history` separated by `|`). Bad rows are reported with their line and skipped.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from internbot.answerer import Answerer
from internbot.errors import InternbotError
from internbot.records import Query

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Row:
    line: int
    id: str
    question: str
    history: tuple[str, ...] = ()
    #: None when the row is not scored; [] when the question is out of scope.
    expected: tuple[str, ...] | None = None


@dataclass
class Questions:
    rows: list[Row] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _lines(data: bytes) -> Iterable[tuple[int, str | None]]:
    """Decoded lines with their numbers; None for a line that is not UTF-8."""
    for n, raw in enumerate(data.removeprefix(b"\xef\xbb\xbf").splitlines(), start=1):
        try:
            yield n, raw.decode("utf-8")
        except UnicodeDecodeError:
            yield n, None


def _str_list(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ValueError("must be a string or a list of strings")


def read_jsonl(data: bytes) -> Questions:
    out = Questions()
    for n, text in _lines(data):
        if text is None:
            out.problems.append(f"line {n}: not UTF-8, skipped")
            continue
        if not text.strip():
            continue
        try:
            obj = json.loads(text)
            if not isinstance(obj, dict):
                raise ValueError("not a JSON object")
            question = obj.get("question")
            if not isinstance(question, str) or not question.strip():
                raise ValueError("no question")
            expected = _str_list(obj["expected"]) if obj.get("expected") is not None else None
            history = _str_list(obj.get("history") or [])
            out.rows.append(Row(n, str(obj.get("id") or f"q{n}"), question, history, expected))
        except (ValueError, TypeError) as exc:
            out.problems.append(f"line {n}: {exc}, skipped")
    return out


def _split(cell: str | None) -> tuple[str, ...]:
    return tuple(p.strip() for p in (cell or "").split("|") if p.strip())


def read_csv(data: bytes) -> Questions:
    out = Questions()
    good: list[tuple[int, str]] = []
    for n, text in _lines(data):
        if text is None:
            out.problems.append(f"line {n}: not UTF-8, skipped")
        else:
            good.append((n, text))
    if not good:
        return out
    reader = csv.DictReader(io.StringIO("\n".join(t for _, t in good)))
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    if "question" not in fields:
        out.problems.append("line 1: the header has no `question` column")
        return out
    reader.fieldnames = fields
    has_expected = "expected" in fields
    for rec in reader:
        n = good[min(reader.line_num, len(good)) - 1][0]
        question = (rec.get("question") or "").strip()
        if not question:
            out.problems.append(f"line {n}: no question, skipped")
            continue
        expected = _split(rec.get("expected")) if has_expected else None
        out.rows.append(Row(n, (rec.get("id") or "").strip() or f"q{n}", question,
                            _split(rec.get("history")), expected))
    return out


def read_questions(path: Path) -> Questions:
    """Questions from a .jsonl/.json or .csv file (anything else is tried as JSONL)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InternbotError(f"cannot read {path}: {exc.strerror}") from exc
    return read_csv(data) if Path(path).suffix.lower() in (".csv", ".tsv") else read_jsonl(data)


def normalise(text: str) -> str:
    """Case-, whitespace- and quote-insensitive form used to match expected substrings."""
    for a, b in (("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"')):
        text = text.replace(a, b)
    return " ".join(text.lower().split())


def contains(text: str, expected: Sequence[str]) -> bool:
    return any(normalise(e) in normalise(text) for e in expected)


def score(result: dict[str, Any], expected: Sequence[str] | None) -> dict[str, Any]:
    """Add `correct`, the rank of the first matching source and the would-be correctness."""
    if expected is None:
        return result
    if not expected:  # out of scope: right when the bot abstains
        result["correct"] = not result["answered"]
        return result
    ranks = [i for i, s in enumerate(result["sources"], 1) if contains(s["text"], expected)]
    result["correct"] = bool(result["answered"] and contains(result["answer"], expected))
    result["source_rank"] = ranks[0] if ranks else None
    top = result["answer"] if result["answered"] else (result["sources"] or [{"text": ""}])[0]["text"]
    result["correct_if_answered"] = contains(top, expected)
    return result


def run(answerer: Answerer, rows: Sequence[Row], *, batch_size: int = 256,
        progress: Callable[[int], None] | None = None) -> list[dict[str, Any]]:
    """Answer every row in batches (one encode and one FAISS search per batch) and score it."""
    results: list[dict[str, Any]] = []
    for start in range(0, len(rows), batch_size):
        batch = rows[start : start + batch_size]
        t0 = time.perf_counter()
        answers = answerer.ask_many([Query(r.question, r.history) for r in batch])
        per_question = (time.perf_counter() - t0) * 1000 / max(len(batch), 1)
        for row, answer in zip(batch, answers, strict=True):
            result = {"id": row.id, **answer.to_dict(), "latency_ms": round(per_question, 3)}
            if row.expected is not None:
                result["expected"] = list(row.expected)
            results.append(score(result, row.expected))
        if progress:
            progress(len(batch))
    return results


def _rate(values: Sequence[bool]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def threshold_sweep(results: Sequence[dict[str, Any]], steps: int = 20) -> dict[str, Any]:
    """For each abstention threshold: coverage, accuracy and out-of-scope abstention."""
    ins = [r for r in results if r.get("expected")]
    oos = [r for r in results if r.get("expected") == []]
    table = []
    for t in (round(float(x), 6) for x in np.linspace(0, 1, steps + 1)):
        answered = [r for r in ins if r["confidence"] >= t]
        correct = sum(r["correct_if_answered"] for r in answered)
        row: dict[str, Any] = {
            "threshold": round(t, 3),
            "coverage": _rate([r["confidence"] >= t for r in ins]),
            "accuracy": round(correct / len(answered), 4) if answered else None,
            "answered_correct": _rate([r["confidence"] >= t and r["correct_if_answered"] for r in ins]),
            "oos_abstention": _rate([r["confidence"] < t for r in oos]),
        }
        row["objective"] = round(((row["answered_correct"] or 0) + (row["oos_abstention"] or 0)) / 2, 4)
        table.append(row)
    best = max(table, key=lambda r: (r["objective"], -abs(r["threshold"] - 0.5)))
    return {"points": table, "best_threshold": best["threshold"], "best_objective": best["objective"]}


#: The headline rates of `metrics`, in the order the summary, the report and `compare` show them.
HEADLINE = ("hit@1", "hit@3", "mrr", "oos_abstention", "false_abstention", "unsure", "oos_confident")


def metrics(results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Headline metrics over scored rows; latency over all rows."""
    ins = [r for r in results if r.get("expected")]
    oos = [r for r in results if r.get("expected") == []]
    latencies = [r["latency_ms"] for r in results]
    return {
        "n": len(results),
        "scored": len(ins) + len(oos),
        "in_scope": len(ins),
        "out_of_scope": len(oos),
        "hit@1": _rate([r["correct"] for r in ins]),
        "hit@3": _rate([(r.get("source_rank") or 99) <= 3 for r in ins]),
        "mrr": round(sum(1 / r["source_rank"] for r in ins if r.get("source_rank")) / len(ins), 4)
        if ins else None,
        "oos_abstention": _rate([not r["answered"] for r in oos]),
        "false_abstention": _rate([not r["answered"] for r in ins]),
        # Answers that open by saying the guide may not answer exactly that (`unsure`).
        "unsure": _rate([bool(r.get("unsure")) for r in ins]),
        "oos_confident": _rate([r["answered"] and not r.get("unsure") for r in oos]),
        "latency_ms": {
            "p50": round(float(np.percentile(latencies, 50)), 3) if latencies else None,
            "p95": round(float(np.percentile(latencies, 95)), 3) if latencies else None,
        },
        "threshold_sweep": threshold_sweep(results) if ins or oos else None,
    }


def compare(old: Sequence[dict[str, Any]], new: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """What changed between two runs: fixed and broken questions, and metric deltas."""
    before = {r["id"]: r for r in old if "correct" in r}
    after = {r["id"]: r for r in new if "correct" in r}
    common = sorted(before.keys() & after.keys())
    m_old, m_new = metrics(old), metrics(new)
    deltas = {}
    for key in HEADLINE:
        if m_old.get(key) is not None and m_new.get(key) is not None:
            deltas[key] = round(m_new[key] - m_old[key], 4)
    return {
        "fixed": [i for i in common if after[i]["correct"] and not before[i]["correct"]],
        "broken": [i for i in common if before[i]["correct"] and not after[i]["correct"]],
        "deltas": deltas,
    }


def read_results(path: Path) -> list[dict[str, Any]]:
    try:
        return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()
                if line.strip()]
    except (OSError, ValueError) as exc:
        raise InternbotError(f"cannot read results {path}: {exc}: pass a file written by --out") from exc


def failures(m: dict[str, Any], bounds: Sequence[str]) -> list[str]:
    """Messages for each `METRIC=VALUE` bound the metrics fall under."""
    out = []
    for bound in bounds:
        name, sep, value = bound.partition("=")
        try:
            limit = float(value)
        except ValueError:
            limit = float("nan")
        if not sep or limit != limit:
            raise InternbotError(f"--fail-under {bound!r}: write it as METRIC=VALUE, e.g. hit@1=0.9")
        actual = m.get(name.strip())
        if not isinstance(actual, (int, float)):
            raise InternbotError(f"--fail-under: unknown metric {name!r}: use one of hit@1, hit@3, "
                                 "mrr, oos_abstention")
        if actual < limit:
            out.append(f"{name} {actual:.4f} is under {limit}")
    return out


def escape_cell(value: Any) -> str:
    """A spreadsheet-safe cell: text starting with = + - @ is prefixed with a quote."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def write_jsonl(results: Sequence[dict[str, Any]], path: Path) -> None:
    with Path(path).open("w", encoding="utf-8") as f:
        for r in results:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def write_csv(results: Sequence[dict[str, Any]], path: Path) -> None:
    columns = ["id", "question", "answered", "unsure", "answer", "confidence", "correct", "latency_ms",
               "top_section", "expected"]
    with Path(path).open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        for r in results:
            row = {**r, "top_section": (r["sources"] or [{"section": ""}])[0]["section"],
                   "expected": " | ".join(r.get("expected") or [])}
            writer.writerow([escape_cell("" if row.get(c) is None else row.get(c)) for c in columns])


def write_trec(results: Sequence[dict[str, Any]], path: Path, run_name: str = "internbot") -> None:
    """A TREC run file: `qid Q0 docno rank score run`, one line per returned source. The
    answer's own passage leads the sources whatever its score, so a score above an earlier
    source's is written just below it: tools that rank by score (trec_eval) keep the order."""
    with Path(path).open("w", encoding="utf-8") as f:
        for r in results:
            last = float("inf")
            for rank, s in enumerate(r["sources"], 1):
                docno = (s.get("chunk") or f"{s['doc']}#{s['section']}").replace(" ", "_")
                last = min(float(s["score"]), last - 1e-6)
                f.write(f"{r['id']} Q0 {docno} {rank} {last:.6f} {run_name}\n")
