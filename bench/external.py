"""Answer quality on public sets and on several guides at once, one command each.

    .venv/bin/python bench/external.py dev                 # the seed guide and its dev set
    .venv/bin/python bench/external.py stackfaq            # StackFAQ: 125 threads, 1,249 rephrasings
    .venv/bin/python bench/external.py squad               # SQuAD 2.0 dev (CS224n half), 16 articles
    .venv/bin/python bench/external.py guides Q.jsonl      # the seed plus ../shared/eval/guides/
    .venv/bin/python bench/external.py stackfaq --baselines  # also the tutorial recipe and BM25 alone

Each builds its corpus under `.cache/bench/NAME/` (formats in ../shared/README.md), indexes it
with `internbot index --if-needed`, runs `internbot eval` on it and prints the figures. For
StackFAQ a query is right when the top source is its thread (MRR over the sources' threads);
for SQuAD the reply must contain one of the answers, and the unanswerable questions' abstention
is reported beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
EXTERNAL = SHARED / "eval" / "external"
CACHE = ROOT / ".cache" / "bench"
BIN = Path(sys.executable).parent


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "doc"


def write_corpus(folder: Path, files: dict[str, str]) -> None:
    """Write the corpus only when it differs, so `index --if-needed` can reuse the index."""
    current = {p.name: p.read_text() for p in folder.glob("*")} if folder.is_dir() else {}
    if current == files:
        return
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def stackfaq() -> tuple[dict[str, str], list[dict[str, Any]], dict[str, str]]:
    """One Markdown document per thread; each query expects its thread as the top source."""
    from internbot.corpus import doc_id_for

    folder = EXTERNAL / "stackfaq"
    faqs = [json.loads(line) for line in (folder / "faqs.jsonl").read_text().splitlines() if line]
    files, doc_of = {}, {}
    for faq in faqs:
        name = f"t{faq['faq_id']:03d}-{slug(faq['question'])}.md"
        files[name] = f"# {faq['question']}\n\n" + "\n\n".join(a.strip() for a in faq["answers"]) + "\n"
        doc_of[str(faq["faq_id"])] = doc_id_for(Path(name), Path())  # the id the engine gives it
    queries = [json.loads(line) for line in (folder / "queries.jsonl").read_text().splitlines() if line]
    rows = [{"id": f"s{i}", "question": q["query"], "thread": doc_of[str(q["faq_id"])]}
            for i, q in enumerate(queries)]
    return files, rows, doc_of


def squad() -> tuple[dict[str, str], list[dict[str, Any]]]:
    """The articles as plain-text guides (title line, one paragraph a line)."""
    folder = EXTERNAL / "squad2-dev"
    files = {p.name: p.read_text() for p in sorted((folder / "articles").glob("*.txt"))}
    rows = []
    for i, line in enumerate((folder / "questions.jsonl").read_text().splitlines()):
        if not line.strip():
            continue
        q = json.loads(line)
        rows.append({"id": q.get("id") or f"q{i}", "question": q["question"],
                     "expected": [] if q["is_impossible"] else q["answers"]})
    return files, rows


def guides() -> dict[str, str]:
    files = {p.name: p.read_text() for p in sorted((SHARED / "corpus").glob("*.txt"))}
    files.update({p.name: p.read_text() for p in sorted((SHARED / "eval" / "guides").glob("*.txt"))})
    return files


def run_eval(name: str, files: dict[str, str], rows: list[dict[str, Any]],
             extra: list[str]) -> list[dict[str, Any]]:
    """`internbot index --if-needed` then `internbot eval`, in this set's cache folder."""
    base = CACHE / name
    write_corpus(base / "corpus", files)
    questions = base / "questions.jsonl"
    write_jsonl(questions, [{k: v for k, v in r.items() if k in ("id", "question", "history", "expected")}
                            for r in rows])
    env = {**os.environ, "INTERNBOT_CORPUS": str(base / "corpus"), "INTERNBOT_INDEX": str(base / "index"),
           "HF_HUB_OFFLINE": "1"}
    subprocess.run([str(BIN / "internbot"), "index", "--if-needed"], env=env, check=True)
    subprocess.run([str(BIN / "internbot"), "eval", str(questions), "--out", str(base / "results.jsonl"),
                    "--report", str(base / "report"), *extra], env=env, check=True)
    return [json.loads(line) for line in (base / "results.jsonl").read_text().splitlines() if line]


def thread_metrics(results: list[dict[str, Any]], rows: list[dict[str, Any]]) -> dict[str, float]:
    """hit@1 (answered, top source is the thread), hit@3 and MRR over distinct source threads."""
    hit1 = hit3 = rr = abstained = 0.0
    for res, row in zip(results, rows, strict=True):
        docs = list(dict.fromkeys(s["doc"] for s in res["sources"]))
        rank = docs.index(row["thread"]) + 1 if row["thread"] in docs else None
        hit1 += bool(res["answered"] and rank == 1)
        hit3 += bool(rank and rank <= 3)
        rr += 1 / rank if rank else 0.0
        abstained += not res["answered"]
    n = len(rows)
    return {"n": n, "hit@1": hit1 / n, "hit@3": hit3 / n, "mrr": rr / n, "in_scope_abstention": abstained / n}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("set", choices=["dev", "stackfaq", "squad", "guides"])
    parser.add_argument("questions", nargs="?", type=Path, help="questions for `guides` (JSONL)")
    parser.add_argument("--baselines", action="store_true", help="also the tutorial recipe and BM25 alone")
    args, extra = parser.parse_known_args()
    if args.set == "stackfaq":
        files, rows, _ = stackfaq()
        results = run_eval("stackfaq", files, rows, extra)
        figures: dict[str, Any] = thread_metrics(results, rows)
    elif args.set == "squad":
        files, rows = squad()
        results = run_eval("squad", files, rows, extra)
        figures = json.loads((CACHE / "squad" / "report" / "metrics.json").read_text())
        figures = {k: figures[k] for k in ("in_scope", "hit@1", "hit@3", "mrr", "false_abstention")} | {
            "unanswerable": figures["out_of_scope"], "unanswerable_abstention": figures["oos_abstention"]}
    elif args.set == "dev":
        dev = (SHARED / "eval" / "dev_questions.jsonl").read_text()
        rows = [json.loads(line) for line in dev.splitlines() if line.strip()]
        files = {p.name: p.read_text() for p in sorted((SHARED / "corpus").glob("*.txt"))}
        results = run_eval("dev", files, rows, extra)
        figures = json.loads((CACHE / "dev" / "report" / "metrics.json").read_text())
        figures = {k: figures[k] for k in ("in_scope", "out_of_scope", "hit@1", "hit@3", "mrr",
                                           "oos_abstention", "false_abstention")}
    else:
        if args.questions is None:
            parser.error("guides needs a questions file")
        rows = [json.loads(line) for line in args.questions.read_text().splitlines() if line.strip()]
        results = run_eval("guides", guides(), rows, extra)
        figures = json.loads((CACHE / "guides" / "report" / "metrics.json").read_text())
        figures = {k: figures[k] for k in ("in_scope", "out_of_scope", "hit@1", "hit@3", "mrr",
                                           "oos_abstention", "false_abstention")}
    print(f"\n{args.set}: " + ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}"
                                       for k, v in figures.items()))
    if args.baselines:
        sys.path.insert(0, str(Path(__file__).parent))
        from baselines import report_baselines  # bench/baselines.py

        report_baselines(args.set, CACHE / args.set / "corpus", rows)


if __name__ == "__main__":
    main()
