"""The widget and chat in a real browser (Playwright driving Debian's Chromium), like a user.

Skipped with a reason where Chromium is missing, except in CI, where they must run.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import ARTICLE, free_port, wait_ready
from servers import CHROMIUM_FLAGS

from internbot.config import Settings

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = CHROMIUM_FLAGS
DOCS = Path(__file__).resolve().parents[1] / "docs"

if not CHROMIUM:
    if os.environ.get("CI"):
        raise RuntimeError("CI must run the browser tests: install Debian's chromium (.ci/run does)")
    pytest.skip("no chromium on this machine: apt-get install -y chromium", allow_module_level=True)


@pytest.fixture(scope="module")
def server(real_settings: Settings,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Settings]]:
    import uvicorn

    from internbot.server import create_app

    settings = replace(real_settings, data_dir=tmp_path_factory.mktemp("data"), rate_limit=0)
    port = free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    wait_ready(base)
    yield base, settings
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


def chat_frame(page):  # type: ignore[no-untyped-def]
    deadline = time.time() + 15
    while time.time() < deadline:
        frames = [f for f in page.frames if "page_url=" in f.url]
        if frames:
            return frames[0]
        page.wait_for_timeout(100)
    raise AssertionError("the widget did not open its chat frame")


def ask(frame, question: str) -> None:  # type: ignore[no-untyped-def]
    frame.wait_for_selector("textarea", timeout=30_000)
    frame.fill("textarea", question)
    frame.press("textarea", "Enter")


def test_widget_answers_with_a_source(server, browser) -> None:  # type: ignore[no-untyped-def]
    base, _ = server
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    page.goto(f"{base}/demo")
    launcher = page.locator("[data-internbot] >> css=button.btn")
    assert launcher.get_attribute("aria-label").startswith("Open chat")
    heading_font = page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
    launcher.click()
    frame = chat_frame(page)
    ask(frame, "How much do ML interns make?")
    frame.wait_for_selector("text=$6,000", timeout=30_000)
    page.wait_for_timeout(300)
    page.screenshot(path=str(DOCS / "widget.png"))
    frame.locator("summary", has_text="Sources").first.click()
    frame.wait_for_selector("text=FAQs › How much do ML interns make?", timeout=10_000)
    assert frame.locator("mark").count() >= 1  # the answering sentence is highlighted
    # The host page is untouched, and Escape closes the panel and gives focus back.
    assert page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily") == heading_font
    page.keyboard.press("Escape")  # the focus is inside the chat frame
    page.wait_for_selector("[data-internbot] >> css=.panel.open", state="detached", timeout=5000)
    assert launcher.get_attribute("aria-expanded") == "false"
    page.close()


def test_example_question_and_thumbs_up_feedback(server, browser) -> None:  # type: ignore[no-untyped-def]
    base, settings = server
    page = browser.new_page(viewport={"width": 1000, "height": 800})
    page.goto(f"{base}/")
    page.get_by_text("What comes after the internship?").first.click()
    page.wait_for_selector("text=Further Education", timeout=30_000)
    page.get_by_role("button", name="Like").last.click()
    db = settings.data_dir / "internbot.sqlite3"
    deadline = time.time() + 10
    rows: list[tuple[str, int]] = []
    while time.time() < deadline and not rows:
        rows = sqlite3.connect(db).execute("SELECT question, helpful FROM feedback").fetchall()
        time.sleep(0.1)
    assert rows == [("What comes after the internship?", 1)]
    page.close()


def test_phone_sized_screen(server, browser) -> None:  # type: ignore[no-untyped-def]
    base, _ = server
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page.goto(f"{base}/demo")
    page.locator("[data-internbot] >> css=button.btn").click()
    box = page.locator("[data-internbot] >> css=.panel").bounding_box()
    assert box is not None and box["width"] >= 380 and box["height"] >= 800  # full screen on phones
    frame = chat_frame(page)
    ask(frame, "Which company is best for a machine learning internship?")
    frame.wait_for_selector("text=depends on your career goals", timeout=30_000)
    width = frame.evaluate("document.documentElement.scrollWidth")
    assert width <= 392  # nothing overflows sideways
    page.close()


def test_the_owners_loop_in_a_browser(browser, tmp_path_factory: pytest.TempPathFactory) -> None:  # type: ignore[no-untyped-def]
    """Ask what the guide does not answer, get the fallback, open /admin, write the answer,
    ask again and get it: one server, no restart. Saves docs/admin.png and docs/admin-answer.png
    for the README."""
    import uvicorn

    from internbot.indexing import build
    from internbot.server import create_app

    base_dir = tmp_path_factory.mktemp("owner")
    corpus = base_dir / "corpus"
    corpus.mkdir()
    shutil.copy(ARTICLE, corpus / ARTICLE.name)
    token = "owner-token-0123456789abcdef"
    settings = Settings(corpus_dir=corpus, index_dir=base_dir / "index", data_dir=base_dir / "data",
                        rate_limit=0, admin_token=token)
    build(settings)
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                                        log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    wait_ready(base)
    question = "Does the career center run mock interviews?"
    try:
        page = browser.new_page(viewport={"width": 1000, "height": 800})
        page.goto(f"{base}/")
        page.wait_for_selector("textarea", timeout=30_000)
        page.fill("textarea", question)
        page.press("textarea", "Enter")
        page.wait_for_selector("text=Sorry, I don't know", timeout=30_000)

        admin = browser.new_page(viewport={"width": 1000, "height": 760})
        admin.goto(f"{base}/admin")
        admin.fill("input[name=token]", token)
        admin.click("text=Sign in")
        group = admin.locator("fieldset", has_text=question)
        for _ in range(50):  # questions are logged by the batcher just after they are answered
            if group.count():
                break
            admin.wait_for_timeout(100)
            admin.reload()
        group.locator("textarea[name=answer]").fill(
            "Yes: the career center runs mock technical interviews every Tuesday; book a slot "
            "on its page.")
        group.locator("input[name=source]").fill("https://careers.example.com/mock-interviews")
        admin.screenshot(path=str(DOCS / "admin.png"))
        group.locator("text=Save and publish").click()
        admin.wait_for_selector("text=Saved to the curated answers", timeout=120_000)

        page.goto(f"{base}/")  # a new chat, same server
        page.wait_for_selector("textarea", timeout=30_000)
        page.fill("textarea", "do you do mock interviews at the career center?")
        page.press("textarea", "Enter")
        page.wait_for_selector("text=every Tuesday", timeout=30_000)
        assert page.locator("text=curated answer").count() >= 1
        page.wait_for_timeout(300)
        page.screenshot(path=str(DOCS / "admin-answer.png"))
    finally:
        srv.should_exit = True
        thread.join(timeout=10)
