"""`internbot eval` as one function: read, answer with a progress bar, write, summarise, gate."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from internbot import evaluate as ev
from internbot.config import Settings

SUMMARY_KEYS = ("n", *ev.HEADLINE)


def summary(m: dict[str, Any], diff: dict[str, Any] | None) -> str:
    """A short table for stdout."""
    lines = ["metric              value"]
    for key in SUMMARY_KEYS:
        value = m.get(key)
        text = "–" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)
        delta = f"  ({diff['deltas'][key]:+.3f})" if diff and key in diff["deltas"] else ""
        lines.append(f"{key:<18}  {text}{delta}")
    lat = m["latency_ms"]
    lines.append(f"{'latency p50/p95 ms':<18}  {lat['p50']} / {lat['p95']}")
    sweep = m.get("threshold_sweep")
    if sweep:
        lines.append(f"{'best threshold':<18}  {sweep['best_threshold']}")
    if diff:
        lines.append(f"fixed:  {', '.join(diff['fixed']) or 'none'}")
        lines.append(f"broken: {', '.join(diff['broken']) or 'none'}")
    return "\n".join(lines)


def evaluate(settings: Settings, questions: Path, *, out: Path | None = None,
             report_dir: Path | None = None, fail_under: Sequence[str] = (),
             old_results: Path | None = None, trec: Path | None = None) -> int:
    """Run the evaluation; the exit code is 1 when a --fail-under bound is not met."""
    from tqdm import tqdm

    from internbot.answerer import Answerer

    parsed = ev.read_questions(questions)
    for problem in parsed.problems:
        print(f"warning: {questions}: {problem}", file=sys.stderr)
    if parsed.problems:
        print(f"skipped {len(parsed.problems)} bad row(s)", file=sys.stderr)
    old = ev.read_results(old_results) if old_results else None
    answerer = Answerer.from_settings(settings)
    with tqdm(total=len(parsed.rows), desc="answering", unit="q", file=sys.stderr,
              disable=None) as bar:
        results = ev.run(answerer, parsed.rows, progress=bar.update)
    m = ev.metrics(results)
    m["calibration"] = answerer.calibration.to_dict()
    m["abstain_threshold"] = settings.abstain_threshold
    m["unsure_below"] = settings.unsure_below
    diff = ev.compare(old, results) if old is not None else None
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        if Path(out).suffix.lower() == ".csv":
            ev.write_csv(results, Path(out))
            ev.write_jsonl(results, Path(out).with_suffix(".jsonl"))
        else:
            ev.write_jsonl(results, Path(out))
            ev.write_csv(results, Path(out).with_suffix(".csv"))
    if trec:
        ev.write_trec(results, Path(trec))
    if report_dir:
        from internbot.report import write_report

        write_report(Path(report_dir), m, results, diff)
    print(summary(m, diff))
    failed = ev.failures(m, fail_under)
    for message in failed:
        print(f"fail-under: {message}", file=sys.stderr)
    return 1 if failed else 0
