"""Web pages into the corpus: `internbot index --url https://site/guides/` (or `--sitemap`).

Fetches the site's pages and nothing else: the same scheme and host, under the start URL's
path (for `--url`), only what `robots.txt` allows, HTML only. The main content of each page is
extracted with trafilatura as Markdown (headings and lists kept; navigation, footers and
comments dropped) and written to `corpus/web/<host>/<page>.md`, its URL recorded in
`corpus/web/pages.json` so answers link to it. A second run asks with `If-None-Match` /
`If-Modified-Since` and rewrites only the pages that changed.
"""

from __future__ import annotations

import html
import json
import logging
import re
import urllib.robotparser
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin, urlparse

from internbot.errors import CorpusError

log = logging.getLogger(__name__)
USER_AGENT = "internbot"
WEB_DIR = "web"
STATE = "pages.json"


@dataclass
class CrawlReport:
    fetched: int = 0
    unchanged: int = 0
    refused_by_robots: int = 0
    failed: int = 0
    pages: list[str] = field(default_factory=list)


class _Links(HTMLParser):
    """A page's links, and its headings that carry an `id` (their `#anchor`)."""

    HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.anchors: dict[str, str] = {}
        self._heading: tuple[str, str] | None = None  # (tag, id) of the open heading
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(str(a["href"]))
        if tag in self.HEADINGS:
            self._heading, self._text = (tag, a.get("id") or ""), []
        elif self._heading and not self._heading[1] and (a.get("id") or a.get("name")):
            self._heading = (self._heading[0], str(a.get("id") or a.get("name")))

    def handle_data(self, data: str) -> None:
        if self._heading:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._heading and tag == self._heading[0]:
            text = " ".join("".join(self._text).split())
            if self._heading[1] and text:
                self.anchors.setdefault(text, self._heading[1])
            self._heading = None


def page_urls(corpus_dir: Path) -> dict[str, tuple[str, dict[str, str]]]:
    """Each crawled page's file (relative to the corpus, POSIX) → its URL and its headings'
    anchors (heading text → `id`)."""
    path = Path(corpus_dir) / WEB_DIR / STATE
    if not path.is_file():
        return {}
    return {entry["file"]: (url, dict(entry.get("anchors", {})))
            for url, entry in json.loads(path.read_text(encoding="utf-8")).items()}


def crawl(corpus_dir: Path, *, url: str | None = None, sitemap: str | None = None,
          max_pages: int = 500, client: Any = None) -> CrawlReport:
    """Fetch the site's pages into `corpus_dir/web/`; see the module docstring."""
    import httpx

    start = url or sitemap
    if not start or urlparse(start).scheme not in ("http", "https"):
        raise CorpusError(f"{start!r} is not an http(s) URL: pass --url https://site/guides/")
    origin = urlparse(start)
    prefix = origin.path if url else "/"
    prefix = prefix if prefix.endswith("/") else prefix.rsplit("/", 1)[0] + "/"
    web = Path(corpus_dir) / WEB_DIR
    web.mkdir(parents=True, exist_ok=True)
    state_path = web / STATE
    state: dict[str, dict[str, Any]] = (json.loads(state_path.read_text(encoding="utf-8"))
                                        if state_path.is_file() else {})
    http = client or httpx.Client(timeout=20, follow_redirects=True,
                                  headers={"User-Agent": USER_AGENT})
    report = CrawlReport()
    try:
        robots = _robots(http, f"{origin.scheme}://{origin.netloc}/robots.txt")

        def allowed(link: str) -> bool:
            p = urlparse(link)
            return (p.scheme == origin.scheme and p.netloc == origin.netloc
                    and p.path.startswith(prefix))

        queue = deque(_sitemap(http, sitemap) if sitemap else [start])
        seen: set[str] = set()
        while queue and len(report.pages) < max_pages:
            link = urldefrag(queue.popleft())[0]
            if link in seen or not allowed(link):
                continue
            seen.add(link)
            if not robots.can_fetch(USER_AGENT, link):
                report.refused_by_robots += 1
                continue
            links = _fetch(http, link, web, state, report)
            if url:  # following links only from a start page; a sitemap lists every page
                queue.extend(urljoin(link, h) for h in links)
    finally:
        if client is None:
            http.close()
    state_path.write_text(json.dumps(state, indent=1, ensure_ascii=False), encoding="utf-8")
    return report


def _fetch(http: Any, link: str, web: Path, state: dict[str, dict[str, Any]],
           report: CrawlReport) -> list[str]:
    """Fetch one page (conditionally) and store its main content; returns its links."""
    import httpx

    known = state.get(link, {})
    headers = {}
    if known.get("etag"):
        headers["If-None-Match"] = known["etag"]
    if known.get("last_modified"):
        headers["If-Modified-Since"] = known["last_modified"]
    try:
        r = http.get(link, headers=headers)
    except httpx.HTTPError as exc:
        log.warning("could not fetch %s: %s", link, exc)
        report.failed += 1
        return []
    if r.status_code == 304 and known:
        report.unchanged += 1
        report.pages.append(link)
        return list(known.get("links", []))
    if r.status_code != 200 or "html" not in r.headers.get("content-type", ""):
        if r.status_code != 200:
            log.warning("skipping %s: HTTP %d", link, r.status_code)
            report.failed += 1
        return []
    parser = _Links()
    parser.feed(r.text)
    text = _main_content(r.text, link)
    if text is None:
        return parser.links
    relative = _file_for(link)
    (web / relative).parent.mkdir(parents=True, exist_ok=True)
    (web / relative).write_text(text, encoding="utf-8")
    state[link] = {"file": f"{WEB_DIR}/{relative.as_posix()}", "etag": r.headers.get("etag", ""),
                   "last_modified": r.headers.get("last-modified", ""), "links": parser.links,
                   "anchors": parser.anchors}
    report.fetched += 1
    report.pages.append(link)
    return parser.links


def _main_content(page: str, link: str) -> str | None:
    import trafilatura

    text = trafilatura.extract(page, output_format="markdown", include_links=False,
                               include_comments=False, include_tables=True, favor_recall=True)
    if not text or not text.strip():
        log.warning("skipping %s: no main content found", link)
        return None
    title = trafilatura.extract_metadata(page)
    heading = title.title if title is not None and title.title else ""
    if heading and not text.lstrip().startswith("# "):
        text = f"# {heading}\n\n{text}"
    return text.strip() + "\n"


def _file_for(link: str) -> Path:
    """`https://site/guides/visas` → `site/guides-visas.md`."""
    p = urlparse(link)
    slug = re.sub(r"[^a-z0-9]+", "-", p.path.lower()).strip("-") or "index"
    host = re.sub(r"[^a-z0-9.-]+", "-", p.netloc.lower())
    return Path(host) / f"{slug}.md"


def _robots(http: Any, robots_url: str) -> urllib.robotparser.RobotFileParser:
    """The site's robots.txt rules (a missing one allows everything, as crawlers agree)."""
    import httpx

    parser = urllib.robotparser.RobotFileParser(robots_url)
    try:
        r = http.get(robots_url)
        lines = r.text.splitlines() if r.status_code == 200 else []
    except httpx.HTTPError:
        lines = []
    parser.parse(lines)
    return parser


def _sitemap(http: Any, sitemap_url: str) -> list[str]:
    """The page URLs a sitemap lists (`<loc>` entries)."""
    r = http.get(sitemap_url)
    if r.status_code != 200:
        raise CorpusError(f"could not fetch the sitemap {sitemap_url}: HTTP {r.status_code}")
    return [html.unescape(m) for m in re.findall(r"<loc>\s*([^<\s]+)\s*</loc>", r.text)]
