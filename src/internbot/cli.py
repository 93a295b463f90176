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
@click.option("--faiss-factory", metavar="STRING",
              help="FAISS index type, e.g. Flat, IVF1024,Flat, HNSW32 [auto: by corpus size].")
@click.option("--url", "site_url", metavar="URL",
              help="First fetch this site's pages under URL into the corpus (robots.txt obeyed).")
@click.option("--sitemap", metavar="URL", help="First fetch the pages this sitemap lists.")
@click.option("--verify", is_flag=True,
              help="Only check the existing index: every file against its sha256 in the manifest.")
@click.option("--reload", "reload_url", is_flag=False, flag_value="http://127.0.0.1:7860",
              default=None, metavar="[URL]",
              help="Then have the server at URL (default http://127.0.0.1:7860) swap the new index "
                   "in, without a restart [needs INTERNBOT_ADMIN_TOKEN].")
@edge
def index(corpus: Path | None, index_dir: Path | None, if_needed: bool, full: bool,
          faiss_factory: str | None, site_url: str | None, sitemap: str | None, verify: bool,
          reload_url: str | None) -> None:
    """Chunk, embed and index every document of the corpus."""
    from internbot.indexing import build

    settings = settings_for(corpus_dir=corpus, index_dir=index_dir, faiss_factory=faiss_factory)
    if verify:
        from internbot import index as store

        loaded = store.load(settings.index_dir, verify=True)
        click.echo(f"index at {settings.index_dir} is intact: {len(loaded.manifest.files)} files "
                   f"match their sha256, {loaded.manifest.chunk_count} chunks")
        return
    if site_url or sitemap:
        from internbot.ingest.web import crawl

        done = crawl(settings.corpus_dir, url=site_url, sitemap=sitemap)
        click.echo(f"fetched {done.fetched} page(s), {done.unchanged} unchanged, "
                   f"{done.refused_by_robots} refused by robots.txt, {done.failed} failed "
                   f"→ {settings.corpus_dir / 'web'}")
    stats = build(settings, if_needed=if_needed, full=full, progress=sys.stderr.isatty())
    if stats is None:
        click.echo(f"index at {settings.index_dir} is up to date")
    else:
        click.echo(
            f"indexed {stats.documents} document(s): {stats.chunks} chunks, {stats.sentences} "
            f"sentences ({stats.embedded} embedded, {stats.reused} reused), FAISS "
            f"{stats.faiss_factory}, in {stats.seconds:.1f}s → {settings.index_dir}")
    if reload_url:
        click.echo(f"server at {reload_url}: {_reload_server(reload_url, settings.admin_token)}")


def _reload_server(url: str, token: str) -> str:
    """Ask a running server to re-read its corpus and index (`/admin/reload`)."""
    import httpx

    if not token:
        raise InternbotError("--reload needs INTERNBOT_ADMIN_TOKEN set to the server's admin token")
    try:
        r = httpx.post(f"{url.rstrip('/')}/admin/reload", timeout=600,
                       headers={"Authorization": f"Bearer {token}"})
    except httpx.HTTPError as exc:
        raise InternbotError(f"no internbot server answers at {url} ({exc}): start it with "
                             "`internbot serve`, or pass its URL to --reload") from exc
    if r.status_code != 200:
        raise InternbotError(f"the server at {url} refused the reload ({r.status_code}): "
                             "is INTERNBOT_ADMIN_TOKEN the server's admin token?")
    return str(r.json()["reload"])


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
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=7860, show_default=True, type=int)
@click.option("--allow-origin", "allow_origins", multiple=True, metavar="ORIGIN",
              help="A site that may embed the widget, e.g. https://careers.example.com (repeatable).")
@click.option("--rate-limit", metavar="N/minute",
              help="Requests per minute per client IP; 0 turns it off [INTERNBOT_RATE_LIMIT, 60].")
@click.option("--no-log", is_flag=True, help="Store no questions or answers (feedback still).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes (inference threads are split so workers × threads ≤ cores).")
@edge
def serve(index_dir: Path | None, host: str, port: int, allow_origins: tuple[str, ...],
          rate_limit: str | None, no_log: bool, workers: int) -> None:
    """Serve the chat, the JSON API and the widget (loopback by default, never a share link)."""
    from internbot.config import parse_rate
    from internbot.server import serve as run_server

    try:
        limit = parse_rate(rate_limit) if rate_limit is not None else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--rate-limit") from exc
    settings = settings_for(index_dir=index_dir, rate_limit=limit,
                            allow_origins=tuple(o.rstrip("/") for o in allow_origins) or None,
                            log_questions=False if no_log else None)
    click.echo(f"internbot on http://{host}:{port}/  (demo career page: http://{host}:{port}/demo)",
               err=True)
    run_server(settings, host=host, port=port, workers=workers)


@main.command()
@click.option("--since", "since_days", default=30.0, show_default=True, type=float, metavar="DAYS")
@click.option("--out", type=PATH, default=Path("report.html"), show_default=True,
              help="report.html, or a .csv file.")
@edge
def report(since_days: float, out: Path) -> None:
    """Summarise stored questions and feedback: top questions, gaps, helpfulness."""
    from internbot.analytics import summarise, write_report
    from internbot.store import open_store, sqlite_path

    settings = settings_for()
    db = sqlite_path(settings)
    if db is not None and not db.exists():
        raise InternbotError(f"no usage data at {db}: run `internbot serve` and ask something first")
    store = open_store(settings)  # SQLite, or PostgreSQL from INTERNBOT_DATABASE_URL
    try:
        write_report(summarise(store, since_days, unsure_below=settings.unsure_below), out)
    finally:
        store.close()
    click.echo(f"wrote {out}")


if __name__ == "__main__":  # pragma: no cover
    main()
