"""`/admin`: the site owner's page. What visitors asked that the guides could not answer (or
that got a thumbs-down), grouped by similarity; from a group, write the answer once and it is
saved to the corpus's curated answers and served at once (re-indexed and swapped in).

Off unless `INTERNBOT_ADMIN_TOKEN` is set. The token is sent as `Authorization: Bearer TOKEN`
or typed once into the login form, which sets an HttpOnly, SameSite=Strict cookie holding a
keyed hash of it (never the token). Tokens are compared in constant time, and a state-changing
request whose `Origin` is another site is refused, whatever cookie it carries.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import html
import io
import time
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from internbot.analytics import is_gap, summarise
from internbot.corpus import QNA_FILES, qna_file
from internbot.curated import COLUMNS
from internbot.store import Store

COOKIE = "internbot_admin"
#: Questions shown per group on the page.
SHOWN = 6

STYLE = ("<style>body{font:15px system-ui;max-width:920px;margin:2rem auto;padding:0 1rem}"
         "fieldset{border:1px solid #ddd;border-radius:8px;margin:1rem 0;padding:1rem}"
         "textarea,input[type=text],input[type=password]{width:100%;box-sizing:border-box;"
         "font:inherit;padding:.4rem;margin:.2rem 0 .6rem}button{font:inherit;padding:.4rem 1rem}"
         ".muted{color:#6b7280}.ok{background:#ecfdf5;padding:.6rem;border-radius:6px}</style>")


def session_value(token: str) -> str:
    """What the cookie holds: a keyed hash of the token, so the cookie never carries it."""
    return hmac.new(token.encode(), b"internbot-admin-session", hashlib.sha256).hexdigest()


def append_curated(corpus_dir: Path, question: str, alternates: list[str], answer: str,
                   source: str = "") -> Path:
    """Add one entry to the corpus's `qna` file (a new `qna.csv` when there is none)."""
    path = qna_file(corpus_dir)
    if path is not None and path.suffix in (".yaml", ".yml"):
        import yaml

        entry = {"question": question, "alternates": alternates, "answer": answer}
        if source:
            entry["source"] = source
        text = path.read_text(encoding="utf-8")
        block = yaml.safe_dump([entry], allow_unicode=True, sort_keys=False)
        path.write_text(text + ("" if text.endswith("\n") or not text else "\n") + block,
                        encoding="utf-8")
        return path
    path = path or Path(corpus_dir) / QNA_FILES[0]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if not path.exists() or not path.read_text(encoding="utf-8").strip():
        writer.writerow(COLUMNS)
    writer.writerow([question, "|".join(alternates), answer, source])
    with path.open("a", encoding="utf-8") as f:
        f.write(out.getvalue())
    return path


def mount_admin(app: FastAPI, token: str, store: Store, corpus_dir: Path,
                reload: Callable[[], str], unsure_below: float = 0.0) -> None:
    """Add the `/admin` routes (only call it when a token is configured)."""
    expected = session_value(token)

    def authorised(request: Request) -> bool:
        bearer = request.headers.get("authorization", "")
        if bearer.lower().startswith("bearer "):
            return hmac.compare_digest(bearer[7:].strip().encode(), token.encode())
        return hmac.compare_digest(request.cookies.get(COOKIE, "").encode(), expected.encode())

    def same_site(request: Request) -> bool:
        """Browsers send `Origin` with every cross-site POST: it must name this very host.
        Clients that are not browsers (curl, `internbot index --reload`) send none."""
        origin = request.headers.get("origin")
        if origin is None:
            return True
        return origin.split("://", 1)[-1].rstrip("/") == request.headers.get("host", "")

    def base(request: Request) -> str:
        return str(request.scope.get("root_path", "")).rstrip("/")

    @app.get("/admin", include_in_schema=False)
    def page(request: Request, saved: str = "") -> Response:
        if not authorised(request):
            return HTMLResponse(_login(base(request)), status_code=401)
        summary = summarise(store, since_days=30, unsure_below=unsure_below)
        return HTMLResponse(_page(summary.gaps, summary.asked, summary.answered, saved, base(request),
                                  _when_asked(store, unsure_below=unsure_below)))

    @app.post("/admin/login", include_in_schema=False)
    def login(request: Request, token_field: str = Form("", alias="token")) -> Response:
        if not same_site(request):
            return JSONResponse({"error": "cross-site request refused"}, status_code=403)
        if not hmac.compare_digest(token_field.encode(), token.encode()):
            time.sleep(0.5)  # slows guessing further, beside the rate limit
            return HTMLResponse(_login(base(request), "That token is not right."), status_code=401)
        response = RedirectResponse(f"{base(request)}/admin", status_code=303)
        response.set_cookie(COOKIE, expected, httponly=True, samesite="strict",
                            secure=request.url.scheme == "https", path=f"{base(request)}/admin")
        return response

    @app.post("/admin/answers", include_in_schema=False)
    def save(request: Request, question: str = Form(..., max_length=1000),
             answer: str = Form(..., max_length=4000), alternates: str = Form("", max_length=4000),
             source: str = Form("", max_length=500)) -> Response:
        if not same_site(request):
            return JSONResponse({"error": "cross-site request refused"}, status_code=403)
        if not authorised(request):
            return JSONResponse({"error": "admin token required"}, status_code=401)
        if not question.strip() or not answer.strip():
            return JSONResponse({"error": "a question and an answer are both needed"}, status_code=422)
        alts = [a.strip() for a in alternates.replace("\n", "|").split("|") if a.strip()]
        append_curated(corpus_dir, " ".join(question.split()), alts, answer.strip(), source.strip())
        outcome = reload()
        if "application/json" in request.headers.get("accept", ""):
            return JSONResponse({"saved": True, "reload": outcome})
        return RedirectResponse(f"{base(request)}/admin?saved=1", status_code=303)

    @app.post("/admin/reload", include_in_schema=False)
    def reload_now(request: Request) -> Response:
        if not same_site(request):
            return JSONResponse({"error": "cross-site request refused"}, status_code=403)
        if not authorised(request):
            return JSONResponse({"error": "admin token required"}, status_code=401)
        return JSONResponse({"reload": reload()})


def _when_asked(store: Store, days: float = 30, unsure_below: float = 0.0) -> dict[str, list[float]]:
    """When each unanswered, unsure or thumbs-down question was asked (for the weekly trend)."""
    since = time.time() - days * 86400
    out: dict[str, list[float]] = {}
    for a in store.asks(since):
        if is_gap(a, unsure_below):
            out.setdefault(a.question, []).append(a.ts)
    for f in store.feedback(since):
        if not f.helpful:
            out.setdefault(f.question, []).append(f.ts)
    return out


def trend(group: list[str], when: dict[str, list[float]], now: float | None = None) -> str:
    """"5 this week (2 the week before)": how often a group's questions came lately."""
    now = time.time() if now is None else now
    stamps = [t for q in dict.fromkeys(group) for t in when.get(q, [])]
    week = sum(1 for t in stamps if now - t < 7 * 86400)
    before = sum(1 for t in stamps if 7 * 86400 <= now - t < 14 * 86400)
    arrow = "↑" if week > before else "↓" if week < before else "→"
    return f"{arrow} {week} this week ({before} the week before)"


def _login(root: str, problem: str = "") -> str:
    note = f"<p class=muted>{html.escape(problem)}</p>" if problem else ""
    return (f"<!doctype html><meta charset=utf-8><title>internbot admin</title>{STYLE}"
            f"<h1>internbot admin</h1>{note}<form method=post action='{root}/admin/login'>"
            "<label>Admin token<input type=password name=token autocomplete=current-password "
            "required autofocus></label><button>Sign in</button></form>")


def _page(groups: list[list[str]], asked: int, answered: int, saved: str, root: str,
          when: dict[str, list[float]]) -> str:
    e = html.escape
    done = ("<p class=ok>Saved to the curated answers and live now: ask it again in the chat.</p>"
            if saved else "")
    rate = f"{answered / asked:.0%}" if asked else "–"
    items: list[str] = []
    for group in groups:
        shown = " · ".join(e(q) for q in group[1:SHOWN])
        more = f" (+{len(group) - SHOWN})" if len(group) > SHOWN else ""
        items.append(
            f"<fieldset><legend><b>{e(group[0])}</b> — asked {len(group)}×, "
            f"<span class=muted>{e(trend(group, when))}</span></legend>"
            + (f"<p class=muted>Also: {shown}{more}</p>" if shown else "")
            + f"<form method=post action='{root}/admin/answers'>"
            f"<input type=hidden name=question value='{e(group[0], quote=True)}'>"
            f"<input type=hidden name=alternates value='{e('|'.join(group[1:SHOWN]), quote=True)}'>"
            "<label>Answer<textarea name=answer rows=3 required></textarea></label>"
            "<label>Source (optional: a URL or a page name)<input type=text name=source></label>"
            "<button>Save and publish</button></form></fieldset>")
    body = "".join(items) or "<p>Nothing unanswered in the last 30 days.</p>"
    return (f"<!doctype html><meta charset=utf-8><title>internbot admin</title>{STYLE}"
            f"<h1>Unanswered questions</h1>{done}<p class=muted>Last 30 days: {asked} questions, "
            f"{rate} answered. Questions the guides could not answer (or answered only unsure), "
            f"or that got a thumbs-down, grouped by similarity, most asked first.</p>{body}")
