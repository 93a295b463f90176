"""The `internbot` command: thin, with heavy modules imported inside commands so --help is instant.

Domain errors become one line on stderr and exit code 1; usage errors exit 2 (click's default).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from internbot.errors import InternbotError

F = TypeVar("F", bound=Callable[..., Any])
PATH = click.Path(path_type=Path)


def edge(func: F) -> F:
    """Turn domain errors into one clear line and a non-zero exit, never a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except InternbotError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


def settings_for(**overrides: Any) -> Any:
    from internbot.config import Settings

    return Settings.from_env(**overrides)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="internbot")
@click.option("-v", "--verbose", is_flag=True, help="Log progress details to stderr.")
def main(verbose: bool) -> None:
    """internbot: answers questions from career guides, quoting its sources."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s: %(message)s", stream=sys.stderr)


@main.command()
@click.option("--corpus", type=PATH, help="Folder of .txt/.md/.html guides [INTERNBOT_CORPUS].")
@click.option("--index", "index_dir", type=PATH, help="Index folder to write [INTERNBOT_INDEX].")
@click.option("--if-needed", is_flag=True, help="Do nothing when the index is already current.")
@click.option("--full", is_flag=True, help="Re-embed everything instead of reusing unchanged chunks.")
@edge
def index(corpus: Path | None, index_dir: Path | None, if_needed: bool, full: bool) -> None:
    """Chunk, embed and index every document of the corpus."""
    from internbot.indexing import build

    settings = settings_for(corpus_dir=corpus, index_dir=index_dir)
    stats = build(settings, if_needed=if_needed, full=full, progress=sys.stderr.isatty())
    if stats is None:
        click.echo(f"index at {settings.index_dir} is up to date")
        return
    click.echo(
        f"indexed {stats.documents} document(s): {stats.chunks} chunks, {stats.sentences} "
        f"sentences ({stats.embedded} embedded, {stats.reused} reused) in {stats.seconds:.1f}s "
        f"→ {settings.index_dir}"
    )


@main.command()
@click.argument("question")
@click.option("--history", multiple=True, help="An earlier question of the chat (repeatable, oldest first).")
@click.option("--index", "index_dir", type=PATH, help="Index folder [INTERNBOT_INDEX].")
@click.option("--json", "as_json", is_flag=True, help="Print the answer contract as JSON.")
@edge
def ask(question: str, history: tuple[str, ...], index_dir: Path | None, as_json: bool) -> None:
    """Answer one QUESTION from the index."""
    from internbot.answerer import Answerer

    answerer = Answerer.from_settings(settings_for(index_dir=index_dir))
    answer = answerer.ask(question, history)
    if as_json:
        click.echo(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(answer.answer)
    if answer.answered and answer.sources:
        click.echo(f"\nconfidence {answer.confidence:.2f}")
    for s in answer.suggestions:
        click.echo(f"  → {s}")


@main.command("eval")
@click.argument("questions", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--index", "index_dir", type=PATH, help="Index folder [INTERNBOT_INDEX].")
@click.option("--out", type=PATH, help="Write one JSON line per question (.csv also writes CSV).")
@click.option("--report", "report_dir", type=PATH, help="Write metrics.json and report.html here.")
@click.option("--fail-under", multiple=True, metavar="METRIC=VALUE",
              help="Exit 1 when a metric is under VALUE, e.g. hit@1=0.9 (repeatable).")
@click.option("--compare", "old_results", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="A previous --out file: report what was fixed and broken.")
@click.option("--trec", type=PATH, help="Write a TREC run file (for ranx / ir-measures).")
@edge
def eval_(questions: Path, index_dir: Path | None, out: Path | None, report_dir: Path | None,
          fail_under: tuple[str, ...], old_results: Path | None, trec: Path | None) -> None:
    """Answer a JSONL or CSV file of QUESTIONS, score them and report."""
    from internbot.evalrun import evaluate

    code = evaluate(settings_for(index_dir=index_dir), questions, out=out, report_dir=report_dir,
                    fail_under=fail_under, old_results=old_results, trec=trec)
    sys.exit(code)


@main.command()
@click.option("--index", "index_dir", type=PATH, help="Index folder [INTERNBOT_INDEX].")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=7860, show_default=True, type=int)
@edge
def serve(index_dir: Path | None, host: str, port: int) -> None:
    """Serve the web chat on HOST:PORT (loopback by default, never a share link)."""
    from internbot.answerer import Answerer
    from internbot.chat import build_chat

    answerer = Answerer.from_settings(settings_for(index_dir=index_dir))
    demo = build_chat(answerer)
    click.echo(f"internbot chat on http://{host}:{port}/", err=True)
    demo.queue(default_concurrency_limit=32).launch(
        server_name=host, server_port=port, share=False, show_error=False, quiet=True)


if __name__ == "__main__":  # pragma: no cover
    main()
