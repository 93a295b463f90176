"""Batch evaluation: parsing, metrics on known result sets, exports and the CI gate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from internbot import evaluate as ev
from internbot.cli import main


def result(id_: str, answered: bool, answer: str, conf: float, sources: list[str],
           expected: list[str] | None) -> dict:  # type: ignore[type-arg]
    r = {"id": id_, "question": id_, "answered": answered, "answer": answer, "confidence": conf,
         "sources": [{"doc": "d", "section": "s", "text": t, "score": 1.0 - i / 10, "chunk": f"d#{i}"}
                     for i, t in enumerate(sources)],
         "suggestions": [], "latency_ms": 10.0}
    if expected is not None:
        r["expected"] = expected
    return ev.score(r, expected)


@pytest.fixture
def known() -> list[dict]:  # type: ignore[type-arg]
    return [
        result("a", True, "pay is $6,000", 0.9, ["pay is $6,000", "x", "y"], ["$6,000"]),  # hit@1, rank 1
        result("b", True, "wrong", 0.8, ["x", "y", "right here"], ["right"]),             # miss, rank 3
        result("c", True, "wrong", 0.7, ["x", "y", "z", "right"], ["right"]),             # miss, rank 4
        result("d", False, "fallback", 0.2, ["Right!", "y", "z"], ["right"]),             # false abstain
        result("e", False, "fallback", 0.1, ["x"], []),                                   # oos abstained
        result("f", True, "something", 0.6, ["x"], []),                                   # oos answered
        result("g", True, "unscored", 0.9, ["x"], None),
    ]


def test_metrics_on_a_known_result_set(known: list[dict]) -> None:  # type: ignore[type-arg]
    m = ev.metrics(known)
    assert m["n"] == 7 and m["scored"] == 6 and m["in_scope"] == 4 and m["out_of_scope"] == 2
    assert m["hit@1"] == 0.25
    assert m["hit@3"] == 0.75  # a (1), b (3), d (1)
    assert m["mrr"] == round((1 + 1 / 3 + 1 / 4 + 1) / 4, 4)
    assert m["oos_abstention"] == 0.5 and m["false_abstention"] == 0.25
    assert m["latency_ms"] == {"p50": 10.0, "p95": 10.0}


def test_unsure_answers_are_counted_apart(known: list[dict]) -> None:  # type: ignore[type-arg]
    assert ev.metrics(known)["unsure"] == 0.0 and ev.metrics(known)["oos_confident"] == 0.5
    marked = [{**r, "unsure": r["id"] in ("b", "f")} for r in known]
    m = ev.metrics(marked)
    assert m["unsure"] == 0.25  # b of a-d
    assert m["oos_confident"] == 0.0  # f answered, but unsure; e abstained
    assert m["oos_abstention"] == 0.5 and m["hit@1"] == 0.25  # unchanged


def test_threshold_sweep(known: list[dict]) -> None:  # type: ignore[type-arg]
    sweep = ev.threshold_sweep(known, steps=10)
    by_t = {p["threshold"]: p for p in sweep["points"]}
    assert by_t[0.0]["coverage"] == 1.0 and by_t[0.0]["oos_abstention"] == 0.0
    assert by_t[0.7]["coverage"] == 0.75 and by_t[0.7]["oos_abstention"] == 1.0
    assert by_t[0.3]["answered_correct"] == 0.25  # only "a" is right among those answered
    assert sweep["best_threshold"] in by_t


def test_compare_lists_fixed_and_broken(known: list[dict]) -> None:  # type: ignore[type-arg]
    new = [dict(r) for r in known]
    new[0] = {**new[0], "correct": False}
    new[1] = {**new[1], "correct": True}
    diff = ev.compare(known, new)
    assert diff["fixed"] == ["b"] and diff["broken"] == ["a"]
    assert diff["deltas"]["hit@1"] == 0.0


def test_jsonl_bad_rows_are_reported_and_skipped() -> None:
    data = b"\n".join([
        b'{"id": "1", "question": "ok?", "expected": ["x"]}',
        b'{"id": "2", "question": "   "}',
        b'{broken json',
        b'\xff\xfe not utf-8',
        b'["not", "an", "object"]',
        b'{"question": "no id, history", "history": ["earlier"], "expected": []}',
    ])
    q = ev.read_jsonl(data)
    assert [r.question for r in q.rows] == ["ok?", "no id, history"]
    assert q.rows[1].id == "q6" and q.rows[1].history == ("earlier",) and q.rows[1].expected == ()
    assert [p.split(":")[0] for p in q.problems] == ["line 2", "line 3", "line 4", "line 5"]


def test_csv_parsing() -> None:
    data = (b"question,expected,history\n"
            b"How much?,\"$6k|$6,000\",\n"
            b"Capital of France?,,\n"
            b",orphan,\n"
            b"how long is it?,12-week,Tell me about FAIR|and more\n")
    q = ev.read_csv(data)
    assert [r.expected for r in q.rows] == [("$6k", "$6,000"), (), ("12-week",)]
    assert q.rows[2].history == ("Tell me about FAIR", "and more")
    assert q.problems == ["line 4: no question, skipped"]
    only = ev.read_csv(b"question\nhi there?\n")
    assert only.rows[0].expected is None and not only.problems


@pytest.mark.parametrize("cell, safe", [
    ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"), ("+1", "'+1"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("plain", "plain"), ("a=b", "a=b"),
])
def test_formula_escaping(cell: str, safe: str) -> None:
    assert ev.escape_cell(cell) == safe


def test_csv_export_escapes(tmp_path: Path) -> None:
    rows = [result("=cmd", True, "@evil", 0.5, ["x"], None)]
    ev.write_csv(rows, tmp_path / "r.csv")
    text = (tmp_path / "r.csv").read_text()
    assert "'=cmd" in text and "'@evil" in text


def test_trec_format(tmp_path: Path, known: list[dict]) -> None:  # type: ignore[type-arg]
    ev.write_trec(known[:1], tmp_path / "run.trec")
    lines = (tmp_path / "run.trec").read_text().splitlines()
    assert lines[0].split() == ["a", "Q0", "d#0", "1", "1.000000", "internbot"]
    assert [int(line.split()[3]) for line in lines] == [1, 2, 3]
    # The answer's passage leads with a lower score than the next: scores still fall with rank.
    lead = dict(known[0], sources=[dict(known[0]["sources"][0], score=0.5), *known[0]["sources"][1:]])
    ev.write_trec([lead], tmp_path / "led.trec")
    scores = [float(line.split()[4]) for line in (tmp_path / "led.trec").read_text().splitlines()]
    assert scores[0] == 0.5 and scores[0] > scores[1] > scores[2]


def test_fail_under_parsing() -> None:
    m = {"hit@1": 0.8, "hit@3": 1.0}
    assert ev.failures(m, ["hit@1=0.9"]) == ["hit@1 0.8000 is under 0.9"]
    assert ev.failures(m, ["hit@1=0.8", "hit@3=0.97"]) == []
    with pytest.raises(ev.InternbotError, match="METRIC=VALUE"):
        ev.failures(m, ["hit@1"])
    with pytest.raises(ev.InternbotError, match="unknown metric"):
        ev.failures(m, ["accuracy=0.5"])


@pytest.fixture
def env(fake_index) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"INTERNBOT_CORPUS": str(fake_index.corpus_dir), "INTERNBOT_INDEX": str(fake_index.index_dir),
            "INTERNBOT_MODEL": "hashing", "INTERNBOT_MODEL_SHA256": ""}


def test_cli_eval_writes_everything_and_gates(env: dict[str, str], tmp_path: Path) -> None:
    qs = tmp_path / "q.jsonl"
    qs.write_text("\n".join(json.dumps(r) for r in [
        {"id": "w", "question": "How hot should the water be?", "expected": ["96 degrees"]},
        {"id": "o", "question": "zxqv wplk", "expected": []},
        {"id": "bad"},
    ]))
    out, rep, trec = tmp_path / "r.jsonl", tmp_path / "rep", tmp_path / "run.trec"
    args = ["eval", str(qs), "--out", str(out), "--report", str(rep), "--trec", str(trec)]
    res = CliRunner().invoke(main, [*args, "--fail-under", "hit@1=0.5"], env=env)
    assert res.exit_code == 0, res.output
    assert "skipped 1 bad row" in res.output and "hit@1" in res.output
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert [r["id"] for r in lines] == ["w", "o"]
    assert all({"latency_ms", "correct", "sources", "confidence"} <= set(r) for r in lines)
    metrics = json.loads((rep / "metrics.json").read_text())
    assert {"n", "hit@1", "hit@3", "mrr", "oos_abstention", "false_abstention", "latency_ms",
            "threshold_sweep"} <= set(metrics)
    assert metrics["calibration"]["in_scope"] > 0 and metrics["abstain_threshold"] == 0.5
    assert metrics["unsure_below"] == 0.7 and {"unsure", "oos_confident"} <= set(metrics)
    html = (rep / "report.html").read_text()
    assert "<svg" in html and "Misses" in html and "http" not in html.split("<svg")[0]
    assert "Calibration of this corpus" in html and "off-topic probes" in html
    assert "answers under <b>0.700</b> open by saying" in html
    assert f"<b>{metrics['calibration']['support']:.3f}</b> of cosine" in html
    assert trec.read_text().startswith("w Q0 ")
    res = CliRunner().invoke(main, [*args, "--fail-under", "hit@1=1.01", "--compare", str(out)], env=env)
    assert res.exit_code == 1 and "fail-under: hit@1" in res.output and "fixed:" in res.output


def test_cli_eval_csv_with_only_questions(env: dict[str, str], tmp_path: Path) -> None:
    qs = tmp_path / "q.csv"
    qs.write_text("question\nHow much coffee per cup?\nWhat is espresso?\n")
    res = CliRunner().invoke(main, ["eval", str(qs), "--out", str(tmp_path / "r.csv")], env=env)
    assert res.exit_code == 0, res.output
    import csv

    with (tmp_path / "r.csv").open(newline="") as f:
        assert len(list(csv.reader(f))) == 3  # header and two rows
    assert len((tmp_path / "r.jsonl").read_text().splitlines()) == 2
