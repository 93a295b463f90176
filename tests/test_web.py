"""Crawling a site into the corpus: robots.txt, staying on the site, main content only,
conditional re-fetches, and answers that link to their page. A local server on loopback."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from internbot.config import HASHING_MODEL, Settings

NAV = "<nav><a href='/guides/'>Guides</a> <a href='/about'>About us</a> Subscribe today</nav>"
PAGES = {
    "/robots.txt": ("text/plain", "User-agent: *\nDisallow: /guides/private/\n"),
    "/guides/": ("text/html", f"<html><head><title>Career guides</title></head><body>{NAV}"
                 "<main><h1>Career guides</h1><p>Our guides cover visas and pay for interns "
                 "in many countries, with the steps to take.</p><ul>"
                 "<li><a href='visas'>Visas</a></li><li><a href='/guides/pay#top'>Pay</a></li>"
                 "<li><a href='/guides/private/notes'>Notes</a></li>"
                 "<li><a href='/about'>About</a></li>"
                 "<li><a href='http://other.example/guides/x'>Elsewhere</a></li></ul></main>"
                 "</body></html>"),
    "/guides/visas": ("text/html", f"<html><head><title>Work visas for interns</title></head>"
                      f"<body>{NAV}<main><h1>Work visas for interns</h1><p>Most countries "
                      "require a work visa for paid internships. Apply at least three months "
                      "before the start date.</p><h2 id='documents'>Documents you need</h2>"
                      "<ul><li>A passport valid for six months</li>"
                      "<li>The offer letter from the company</li></ul>"
                      "</main><footer>Copyright 2026 Example Careers</footer></body></html>"),
    "/guides/pay": ("text/html", f"<html><head><title>Intern pay</title></head><body>{NAV}"
                    "<main><h1>Intern pay</h1><p>Paid internships in tech pay between 6,000 and "
                    "10,000 dollars a month in the largest companies.</p></main></body></html>"),
    "/guides/private/notes": ("text/html", "<html><body><p>Internal notes.</p></body></html>"),
    "/about": ("text/html", "<html><body><p>About the company.</p></body></html>"),
    "/sitemap.xml": ("application/xml", "<urlset><url><loc>{base}/guides/visas</loc></url>"
                     "<url><loc>{base}/guides/pay</loc></url>"
                     "<url><loc>http://other.example/guides/x</loc></url></urlset>"),
}


@pytest.fixture
def site() -> Iterator[tuple[str, list[tuple[str, str]]]]:
    requests: list[tuple[str, str]] = []  # (path, If-None-Match)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append((self.path, self.headers.get("If-None-Match", "")))
            page = PAGES.get(self.path)
            if page is None:
                self.send_response(404)
                self.end_headers()
                return
            etag = f'"{hash(page[1]) & 0xFFFFFF:x}"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.end_headers()
                return
            body = page[1].replace("{base}", base).encode()
            self.send_response(200)
            self.send_header("Content-Type", f"{page[0]}; charset=utf-8")
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base, requests
    server.shutdown()


def test_the_crawler_obeys_robots_stays_on_the_site_and_refetches_only_changes(
        site: tuple[str, list[tuple[str, str]]], tmp_path: Path) -> None:
    from internbot.ingest.web import crawl

    base, requests = site
    report = crawl(tmp_path, url=f"{base}/guides/")
    assert sorted(report.pages) == [f"{base}/guides/", f"{base}/guides/pay", f"{base}/guides/visas"]
    assert report.fetched == 3 and report.refused_by_robots == 1
    fetched = {path for path, _ in requests}
    assert "/guides/private/notes" not in fetched and "/about" not in fetched  # robots; off path
    visas = next((tmp_path / "web").rglob("guides-visas.md")).read_text()
    assert visas.startswith("# Work visas for interns") and "- A passport valid" in visas
    assert "Subscribe today" not in visas and "Copyright" not in visas  # main content only
    requests.clear()
    again = crawl(tmp_path, url=f"{base}/guides/")
    assert again.unchanged == 3 and again.fetched == 0
    assert all(etag for path, etag in requests if path.startswith("/guides/"))


def test_a_sitemap_lists_the_pages_and_answers_link_to_them(
        site: tuple[str, list[tuple[str, str]]], fake_settings: Settings) -> None:
    from click.testing import CliRunner

    from internbot.answerer import Answerer
    from internbot.cli import main

    base, _ = site
    env = {"INTERNBOT_CORPUS": str(fake_settings.corpus_dir),
           "INTERNBOT_INDEX": str(fake_settings.index_dir), "INTERNBOT_MODEL": HASHING_MODEL,
           "INTERNBOT_MODEL_SHA256": ""}
    result = CliRunner().invoke(main, ["index", "--sitemap", f"{base}/sitemap.xml"], env=env)
    assert result.exit_code == 0, result.output
    assert "fetched 2 page(s)" in result.output
    pages = json.loads((fake_settings.corpus_dir / "web" / "pages.json").read_text())
    assert set(pages) == {f"{base}/guides/visas", f"{base}/guides/pay"}
    answer = Answerer.from_settings(fake_settings).ask("Which documents do I need for a work visa?")
    assert answer.answered and "passport" in answer.answer.lower()
    # The source links to the page, at the section's own anchor.
    assert answer.sources[0].url == f"{base}/guides/visas#documents"
    assert f"{base}/guides/visas#documents" in answer.answer
