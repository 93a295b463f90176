"""The evaluation report: metrics.json and a self-contained report.html with inline SVG plots."""

from __future__ import annotations

import html
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from internbot.evaluate import HEADLINE

CSS = """
body{font:15px/1.5 system-ui,sans-serif;max-width:1100px;margin:2rem auto;padding:0 1rem;color:#1d2430}
h1{font-size:1.6rem}h2{margin-top:2rem;border-bottom:1px solid #dde3ea}
.cards{display:flex;flex-wrap:wrap;gap:.75rem}.card{background:#f3f6fa;border-radius:8px;padding:.6rem 1rem}
.card b{display:block;font-size:1.4rem}table{border-collapse:collapse;width:100%;font-size:13px}
td,th{border-bottom:1px solid #e3e8ee;padding:.35rem .5rem;vertical-align:top;text-align:left}
.good{color:#0a7d32}.bad{color:#b3261e}
.plots{display:flex;flex-wrap:wrap;gap:1rem}.plots svg{max-width:520px;height:auto}
"""


def _fmt(v: Any) -> str:
    return "–" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)


def _svg(fig: Any) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    text = buf.getvalue()
    return text[text.find("<svg"):]


def plots(results: Sequence[dict[str, Any]], sweep: dict[str, Any] | None) -> list[str]:
    """Confidence distributions (in-scope vs out-of-scope) and the threshold sweep, as SVG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = []
    ins = [r["confidence"] for r in results if r.get("expected")]
    oos = [r["confidence"] for r in results if r.get("expected") == []]
    fig, ax = plt.subplots(figsize=(5.5, 3.2))
    bins = [i / 20 for i in range(21)]
    ax.hist(ins, bins=bins, alpha=0.7, label=f"in scope ({len(ins)})", color="#2f6fdf")
    ax.hist(oos, bins=bins, alpha=0.7, label=f"out of scope ({len(oos)})", color="#e0712b")
    ax.set_xlabel("confidence")
    ax.set_ylabel("questions")
    ax.set_title("Score distributions")
    ax.legend()
    out.append(_svg(fig))
    plt.close(fig)
    if sweep:
        pts = sweep["points"]
        t = [p["threshold"] for p in pts]
        fig, ax = plt.subplots(figsize=(5.5, 3.2))
        ax.plot(t, [p["coverage"] or 0 for p in pts], label="in-scope coverage")
        ax.plot(t, [p["answered_correct"] or 0 for p in pts], label="answered correctly")
        ax.plot(t, [p["oos_abstention"] or 0 for p in pts], label="out-of-scope abstention")
        ax.axvline(sweep["best_threshold"], color="grey", linestyle="--", label="best threshold")
        ax.set_xlabel("abstention threshold")
        ax.set_ylim(-0.02, 1.02)
        ax.set_title("Threshold sweep")
        ax.legend(fontsize=8)
        out.append(_svg(fig))
        plt.close(fig)
    return out


def calibration_plot(cal: dict[str, Any]) -> str:
    """The corpus's probe confidence distributions, with the fitted boundary at 0.5."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ins, off = cal.get("in_scope_hist") or [], cal.get("off_topic_hist") or []
    edges = [i / max(len(ins), 1) for i in range(len(ins))]
    fig, ax = plt.subplots(figsize=(5.5, 3.2))
    width = 1 / max(len(ins), 1)
    ax.bar(edges, ins, width=width, align="edge", alpha=0.7, color="#2f6fdf",
           label=f"in-scope probes ({cal.get('in_scope', 0)})")
    ax.bar(edges, off, width=width, align="edge", alpha=0.7, color="#e0712b",
           label=f"off-topic probes ({cal.get('off_topic', 0)})")
    ax.axvline(0.5, color="grey", linestyle="--", label="fitted boundary")
    ax.set_xlabel("confidence")
    ax.set_ylabel("probes")
    ax.set_title("Calibration on this corpus's probes")
    ax.legend(fontsize=8)
    svg = _svg(fig)
    plt.close(fig)
    return svg


def calibration_html(cal: dict[str, Any], threshold: float | None,
                     unsure_below: float | None = None) -> str:
    """The per-corpus calibration: probe distributions, the threshold and the model's weights."""
    e = html.escape
    weights = "".join(f"<tr><td>{e(n)}</td><td>{w:+.2f}</td></tr>"
                      for n, w in zip(cal.get("features", []), cal.get("weights", []), strict=False))
    examples = cal.get("examples") or {}
    sample = "".join(f"<li>{e(kind)}: {e(' · '.join(qs[:3]))}</li>" for kind, qs in examples.items())
    return (
        "<h2>Calibration of this corpus</h2>"
        f"<p>Fitted at index time on {cal.get('in_scope', 0)} in-scope probes made from the corpus "
        f"and {cal.get('off_topic', 0)} off-topic probes ({cal.get('off_topic_known', 0)} of them bank "
        "questions whose every word the corpus knows, far from it in meaning). On them, "
        f"{cal.get('probe_false_abstention', 0):.1%} of the in-scope probes abstain and "
        f"{cal.get('probe_off_topic_answered', 0):.1%} of the off-topic ones are answered. "
        f"Abstention threshold in use: <b>{_fmt(threshold)}</b> (0.5 is the fitted boundary); "
        f"answers under <b>{_fmt(unsure_below)}</b> open by saying the guide may not answer "
        "exactly that. "
        "A word the corpus lacks is excused when the question loses at least "
        f"<b>{_fmt(cal.get('support'))}</b> of cosine with its top passage without it "
        "(fitted on the off-topic probes' unknown words, which are foreign by construction).</p>"
        f"<div class=plots>{calibration_plot(cal)}<table><tr><th>evidence</th><th>weight</th></tr>"
        f"{weights}<tr><td>bias</td><td>{cal.get('bias', 0):+.2f}</td></tr></table></div>"
        f"<ul>{sample}</ul>"
    )


def render_html(m: dict[str, Any], results: Sequence[dict[str, Any]],
                diff: dict[str, Any] | None = None) -> str:
    e = html.escape
    cards = "".join(
        f'<div class="card">{e(k)}<b>{_fmt(m.get(k))}</b></div>'
        for k in ("n", *HEADLINE))
    cards += (f'<div class="card">latency p50 / p95 ms<b>{_fmt(m["latency_ms"]["p50"])} / '
              f'{_fmt(m["latency_ms"]["p95"])}</b></div>')
    sweep = m.get("threshold_sweep")
    parts = [f"<!doctype html><html lang=en><meta charset=utf-8><title>internbot evaluation</title>"
             f"<style>{CSS}</style><h1>internbot evaluation</h1><div class=cards>{cards}</div>"]
    if sweep:
        parts.append(f"<p>Best abstention threshold on this set: <b>{sweep['best_threshold']}</b> "
                     f"(objective {sweep['best_objective']}: mean of in-scope answered-correctly "
                     "and out-of-scope abstention).</p>")
    parts.append("<h2>Plots</h2><div class=plots>" + "".join(plots(results, sweep)) + "</div>")
    if m.get("calibration"):
        parts.append(calibration_html(m["calibration"], m.get("abstain_threshold"),
                                      m.get("unsure_below")))
    if diff:
        deltas = ", ".join(f"{k} {v:+.3f}" for k, v in diff["deltas"].items())
        parts.append(f"<h2>Compared with the previous run</h2><p>{e(deltas)}</p>"
                     f"<p class=good>Fixed: {e(', '.join(diff['fixed']) or 'none')}</p>"
                     f"<p class=bad>Broken: {e(', '.join(diff['broken']) or 'none')}</p>")
    misses = [r for r in results if r.get("correct") is False]
    rows = []
    for r in misses:
        srcs = "<br>".join(f"{i}. {e(s['section'])} ({s['score']:.2f})"
                           for i, s in enumerate(r["sources"][:3], 1))
        expected = " | ".join(r.get("expected") or []) or "(out of scope: should abstain)"
        rows.append(f"<tr><td>{e(r['id'])}</td><td>{e(r['question'])}</td><td>{e(expected)}</td>"
                    f"<td>{e(r['answer'])}</td><td>{r['confidence']:.2f}</td><td>{srcs}</td></tr>")
    parts.append(f"<h2>Misses ({len(misses)})</h2>")
    parts.append("<table><tr><th>id</th><th>question</th><th>expected</th><th>answered</th>"
                 "<th>conf.</th><th>top sources</th></tr>" + "".join(rows) + "</table>"
                 if rows else "<p>None.</p>")
    return "".join(parts) + "</html>\n"


def write_report(report_dir: Path, m: dict[str, Any], results: Sequence[dict[str, Any]],
                 diff: dict[str, Any] | None = None) -> None:
    report_dir = Path(report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    data = {**m, **({"compare": diff} if diff else {})}
    (report_dir / "metrics.json").write_text(json.dumps(data, indent=2) + "\n")
    (report_dir / "report.html").write_text(render_html(m, results, diff), encoding="utf-8")
