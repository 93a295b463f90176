"""`internbot report`: what visitors ask, what the guides fail to answer, and how helpful it is.

Reads the configured store only (SQLite or PostgreSQL). Unanswered questions (abstained,
answered only unsure, or thumbs-down) are grouped by word overlap, so each group points at
content the corpus is missing.
"""

from __future__ import annotations

import csv
import html
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from internbot.store import Ask, Store

_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset({
    "a", "an", "the", "is", "are", "do", "does", "i", "my", "me", "to", "of", "for", "in", "on",
    "what", "how", "which", "who", "can", "you", "and", "or", "it", "be", "with", "about", "there",
    "that", "this",
})


def _terms(text: str) -> frozenset[str]:
    """Content words with plurals folded ("visas" → "visa"), for overlap between questions."""
    words = (w for w in _WORD.findall(text.lower()) if w not in _STOP)
    return frozenset(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
                     for w in words)


@dataclass
class Summary:
    top_questions: list[tuple[str, int]]
    gaps: list[list[str]]
    helpfulness: list[tuple[str, int, int]]  # day, helpful, total
    asked: int
    answered: int


def group_similar(questions: list[str], threshold: float = 0.5) -> list[list[str]]:
    """Greedy grouping by Jaccard overlap of content words; largest groups first."""
    groups: list[tuple[frozenset[str], list[str]]] = []
    for q in questions:
        terms = _terms(q)
        for rep, members in groups:
            union = rep | terms
            if union and len(rep & terms) / len(union) >= threshold:
                members.append(q)
                break
        else:
            groups.append((terms, [q]))
    return sorted((m for _, m in groups), key=len, reverse=True)


def is_gap(ask: Ask, unsure_below: float = 0.0) -> bool:
    """Whether an asked question shows content the corpus lacks: abstained, or answered with
    a confidence under `unsure_below` (the server's `Settings.unsure_below`)."""
    return not ask.answered or ask.confidence < unsure_below


def summarise(store: Store, since_days: float = 30.0, now: float | None = None,
              unsure_below: float = 0.0) -> Summary:
    """Usage over the last `since_days`; an unsure answer counts as a gap (`is_gap`)."""
    since = (now or time.time()) - since_days * 86400
    asks = store.asks(since)
    feedback = store.feedback(since)
    counts = Counter(" ".join(a.question.lower().split()) for a in asks)
    unanswered = [a.question for a in asks if is_gap(a, unsure_below)]
    unanswered += [f.question for f in feedback if not f.helpful]
    per_day: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for f in feedback:
        day = time.strftime("%Y-%m-%d", time.gmtime(f.ts))
        per_day[day][0] += int(f.helpful)
        per_day[day][1] += 1
    return Summary(counts.most_common(20), group_similar(unanswered)[:20],
                   [(d, h, t) for d, (h, t) in sorted(per_day.items())],
                   len(asks), sum(1 for a in asks if a.answered))


def write_report(summary: Summary, out: Path) -> None:
    """CSV when `out` ends in .csv, otherwise a self-contained HTML page."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".csv":
        with out.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["section", "item", "count", "extra"])
            for q, n in summary.top_questions:
                w.writerow(["top_question", _safe(q), n, ""])
            for group in summary.gaps:
                w.writerow(["unanswered_group", _safe(group[0]), len(group), _safe(" | ".join(group[1:5]))])
            for day, helpful, total in summary.helpfulness:
                w.writerow(["helpfulness", day, total, f"{helpful / total:.2f}"])
        return
    e = html.escape
    rate = f"{summary.answered / summary.asked:.0%}" if summary.asked else "–"
    rows = "".join(f"<tr><td>{e(q)}</td><td>{n}</td></tr>" for q, n in summary.top_questions)
    gaps = "".join(f"<li><b>{e(g[0])}</b> ({len(g)})"
                   + (f"<br><small>{e(' · '.join(g[1:5]))}</small>" if len(g) > 1 else "") + "</li>"
                   for g in summary.gaps)
    days = "".join(f"<tr><td>{d}</td><td>{h}/{t}</td><td>{h / t:.0%}</td></tr>"
                   for d, h, t in summary.helpfulness)
    out.write_text(
        "<!doctype html><meta charset=utf-8><title>internbot usage report</title>"
        "<style>body{font:15px system-ui;max-width:900px;margin:2rem auto}td,th{padding:4px 8px;"
        "border-bottom:1px solid #ddd;text-align:left}</style>"
        f"<h1>internbot usage report</h1><p>{summary.asked} questions, {rate} answered.</p>"
        f"<h2>Most asked</h2><table><tr><th>question</th><th>times</th></tr>{rows}</table>"
        f"<h2>Unanswered, grouped (where the corpus needs content)</h2><ol>{gaps or '<li>none</li>'}</ol>"
        f"<h2>Helpfulness over time</h2><table><tr><th>day</th><th>helpful</th><th>rate</th></tr>"
        f"{days}</table>", encoding="utf-8")


def _safe(text: str) -> str:
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text
