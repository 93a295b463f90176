"""`internbot serve`: one FastAPI app with the chat, the JSON API, the widget and health checks.

The answerer loads in the background so `/healthz` answers at once and `/readyz` turns 200 only
when the index is loaded. Every question, from the API or the chat, goes through one
micro-batcher in front of the answerer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import AsyncIterator
from concurrent.futures import Future
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import gradio as gr
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response

from internbot.answerer import Answerer
from internbot.api import AskRequest, AskResponse, ErrorResponse, FeedbackRequest, FeedbackResponse
from internbot.batching import MicroBatcher
from internbot.chat import CSS, JS, build_chat
from internbot.config import Settings, project_root
from internbot.errors import InternbotError, QuestionError, StoreUnavailable, VectorStoreError
from internbot.guard import Guard
from internbot.ratelimit import RateLimit
from internbot.records import Answer, Query
from internbot.store import AskLog, open_store

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
PURGE_EVERY_S = 6 * 3600
#: While the store is down, a warning about unlogged questions at most this often.
WARN_EVERY_S = 30.0
#: Idle keep-alive connections stay open this long. Longer than clients' and proxies' own
#: expiry (httpx: 5 s), so a client never sends on a connection the server is closing.
KEEP_ALIVE_S = 30
EXAMPLES = project_root() / "examples"


class NotReady(InternbotError):
    """The index is still loading, or failed to load."""


class Engine:
    """The answerer, its batcher and the store, loaded once; shared by every request."""

    def __init__(self, settings: Settings, answerer: Answerer | None = None,
                 limit: RateLimit | None = None) -> None:
        self.settings = settings
        self.answerer = answerer
        self.batcher = self._batcher(answerer) if answerer else None
        self.error = ""
        self.ready = threading.Event()
        self.store = open_store(settings)
        self.limit = limit or RateLimit(0)
        self._warned = 0.0
        self._reloading = threading.Lock()
        if answerer is not None:
            self.ready.set()

    def load(self) -> None:
        from threadpoolctl import threadpool_limits

        # Query batches are small: BLAS and OpenMP (FAISS) thread pools spin-wait and steal the
        # cores that ONNX Runtime and the HTTP loop need, so the server keeps them single-threaded.
        threadpool_limits(1)
        try:
            self.answerer = Answerer.from_settings(self.settings)
            if self.settings.preload:
                started = time.perf_counter()
                size = self.answerer.preload()
                log.info("index read into the page cache: %.0f MB in %.1f s", size / 1e6,
                         time.perf_counter() - started)
            # One largest-possible batch (each question may also be joined to its history, at
            # full token length): inference buffers grow to their peak now, not under traffic.
            self.answerer.warm(2 * self.settings.batch_max)
            self.batcher = self._batcher(self.answerer)
            self.ready.set()
        except InternbotError as exc:
            self.error = str(exc)
            log.error("not ready: %s", exc)

    def reload(self) -> str:
        """Re-index a changed corpus (incrementally: unchanged passages keep their vectors) and
        swap the new answerer in. Questions in flight finish on the old one; the swap is one
        assignment, so none fails. Returns what happened, for logs and `/admin`."""
        from internbot.indexing import build

        with self._reloading:
            # The running model serves the rebuild and the new answerer: loaded once, not thrice.
            # Not an int8 one (INTERNBOT_QUANTIZE): passages are always embedded in float.
            running = self.answerer
            embedder = running.retriever.embedder if running is not None else None
            float_model = None if getattr(embedder, "quantized", False) else embedder
            if float_model is None and running is not None and running.exact is not None:
                float_model = running.exact.embedder  # the one confirming doubtful questions
            try:
                report = build(self.settings, if_needed=True, embedder=float_model)
                answerer = Answerer.from_settings(self.settings, embedder=embedder,
                                                  float_embedder=float_model)
            except InternbotError as exc:
                log.error("reload failed, still serving the previous index: %s", exc)
                return f"reload failed, still serving the previous index: {exc}"
            self.answerer = answerer
            if self.batcher is not None:
                self.batcher.answerer = answerer
            if report is None:
                return "the index was already current: reloaded it"
            return f"re-indexed {report.chunks} passages ({report.embedded} embedded) and reloaded"

    def _batcher(self, answerer: Answerer) -> MicroBatcher:
        return MicroBatcher(answerer, self.settings.batch_max, self.settings.batch_window_ms,
                            on_batch=self._log)

    def submit(self, question: str, history: tuple[str, ...] = (), page_url: str = "",
               page_title: str = "", channel: str = "api") -> Future[Answer]:
        """Queue a question on the micro-batcher; the future holds its answer."""
        if not self.ready.is_set() or self.batcher is None or self.answerer is None:
            raise NotReady(self.error or "the index is still loading: try again in a few seconds")
        doc_id = self.answerer.match_document(page_url, page_title) if (page_url or page_title) else None
        return self.batcher.submit(question, history, doc_id, channel)

    def ask(self, question: str, history: tuple[str, ...] = (), page_url: str = "",
            page_title: str = "", channel: str = "api") -> Answer:
        return self.submit(question, history, page_url, page_title, channel).result(timeout=60)

    def _log(self, batch: list[tuple[Query, Answer, str]]) -> None:
        """Store a whole batch of questions in one transaction (in the batcher's thread); while
        the store is down they are not logged (analytics), and answering goes on."""
        if not self.settings.log_questions:
            return
        try:
            self.store.log_asks([AskLog(q.question, a.answered, a.confidence, a.answer, a.section,
                                        tag) for q, a, tag in batch])
        except StoreUnavailable as exc:
            self._warn(f"questions not logged: {exc}")

    def feedback(self, question: str, answer: str, helpful: bool, reason: str = "") -> int:
        """Store feedback; raises `StoreUnavailable` (a 503) rather than acknowledge a loss."""
        return self.store.add_feedback(question, answer, helpful, reason)

    def purge(self) -> None:
        try:
            self.store.purge()
        except StoreUnavailable as exc:
            self._warn(f"retention purge postponed: {exc}")

    async def status(self) -> dict[str, str]:
        """Each dependency's state, for `/readyz`."""
        store_ok = await asyncio.to_thread(self.store.healthy)
        limit_ok = await self.limit.healthy()
        checks = {"store": "ok" if store_ok else "unavailable: feedback is refused with 503",
                  "rate_limit": "ok" if limit_ok else self.limit.error or "unavailable"}
        if self.answerer is not None:
            checks["search"] = await asyncio.to_thread(self.answerer.search_status)
        return checks

    def _warn(self, message: str) -> None:
        now = time.monotonic()
        if now - self._warned >= WARN_EVERY_S:
            self._warned = now
            log.warning("%s", message)

    def close(self) -> None:
        if self.batcher is not None:
            self.batcher.close()
        self.store.close()


def create_app(settings: Settings, *, answerer: Answerer | None = None,
               background: bool = True, workers: int = 1) -> Any:
    """The whole server as an ASGI app. Pass `answerer` to skip loading (tests)."""
    # Gradio's scratch files (none are expected: uploads are refused) stay in our data folder.
    os.environ.setdefault("GRADIO_TEMP_DIR", str(Path(settings.data_dir).resolve() / "gradio-tmp"))
    shared = settings.data_dir / "ratelimit.sqlite3" if workers > 1 else None
    limit = RateLimit(settings.rate_limit, settings.rate_limit_storage, shared_file=shared)
    engine = Engine(settings, answerer, limit)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if answerer is None:
            if background:
                threading.Thread(target=engine.load, name="internbot-load", daemon=True).start()
            else:
                engine.load()
        await asyncio.to_thread(engine.purge)
        # `kill -HUP <pid>` re-indexes a changed corpus and swaps it in (main thread only).
        with contextlib.suppress(RuntimeError, ValueError, NotImplementedError):
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, lambda: threading.Thread(
                target=engine.reload, name="internbot-reload", daemon=True).start())

        async def purge_regularly() -> None:
            while True:  # retention holds for servers that run for months, not just at start-up
                await asyncio.sleep(PURGE_EVERY_S)
                await asyncio.to_thread(engine.purge)

        purger = asyncio.create_task(purge_regularly())
        yield
        purger.cancel()
        engine.close()

    app = FastAPI(title="internbot", version="1", lifespan=lifespan,
                  description="Answers questions from career guides, quoting its sources.",
                  docs_url="/api/docs", redoc_url=None, openapi_url="/openapi.json")
    app.state.engine = engine

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        def message(e: dict[str, Any]) -> str:
            if e.get("type") == "string_pattern_mismatch":
                return "must not be empty or only whitespace and control characters"
            return str(e.get("msg", "invalid"))

        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:]) or 'body'}: {message(e)}"
                             for e in exc.errors())
        return JSONResponse({"error": problems or "invalid request"}, status_code=422)

    @app.exception_handler(QuestionError)
    async def bad_question(_: Request, exc: QuestionError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=422)

    @app.exception_handler(StoreUnavailable)
    async def store_down(_: Request, exc: StoreUnavailable) -> JSONResponse:
        log.warning("%s", exc)
        return JSONResponse({"error": "feedback cannot be stored right now: please retry shortly"},
                            status_code=503, headers={"Retry-After": "5"})

    @app.exception_handler(VectorStoreError)
    async def search_down(_: Request, exc: VectorStoreError) -> JSONResponse:
        log.warning("%s", exc)
        return JSONResponse({"error": "search is unavailable right now: please retry shortly"},
                            status_code=503, headers={"Retry-After": "5"})

    @app.exception_handler(NotReady)
    async def not_ready(_: Request, exc: NotReady) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=503, headers={"Retry-After": "5"})

    errors: dict[int | str, dict[str, Any]] = {
        422: {"model": ErrorResponse}, 413: {"model": ErrorResponse},
        429: {"model": ErrorResponse}, 503: {"model": ErrorResponse}}

    @app.post("/api/ask", response_model=AskResponse, responses=errors, tags=["api"])
    async def ask(body: AskRequest) -> Response:
        """Answer a question from the guides (the answer contract)."""
        future = engine.submit(body.question, tuple(body.history), body.page_url, body.page_title)
        answer = await asyncio.wrap_future(future)
        # The Answer record already has the contract's shape: skip a second validation pass.
        return JSONResponse(answer.to_dict())

    @app.post("/api/feedback", response_model=FeedbackResponse, responses=errors, tags=["api"])
    def feedback(body: FeedbackRequest) -> FeedbackResponse:
        """Store whether an answer helped; stored before the reply is sent."""
        return FeedbackResponse(stored=True, id=engine.feedback(body.question, body.answer,
                                                                 body.helpful, body.reason))

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str | int]:
        return {"status": "ok", "pid": os.getpid()}

    @app.get("/readyz", tags=["ops"], responses={503: {"model": ErrorResponse}})
    async def readyz() -> JSONResponse:
        """200 once the index is loaded: questions can be answered. A store or rate-limit
        storage that is down makes the status `degraded` (answers still flow), not 503: taking
        every replica out of the balancer over a database outage would stop all answers. An
        unreachable search backend (Milvus) is a 503: no question can be answered then."""
        if not engine.ready.is_set():
            return JSONResponse({"error": engine.error or "loading"}, status_code=503)
        checks = await engine.status()
        if checks.get("search", "ok") != "ok":
            return JSONResponse({"status": "unavailable", "pid": os.getpid(), **checks},
                                status_code=503, headers={"Retry-After": "5"})
        status = "ready" if all(v == "ok" for v in checks.values()) else "degraded"
        return JSONResponse({"status": status, "pid": os.getpid(), **checks})

    @app.get("/widget.js", include_in_schema=False)
    def widget() -> Response:
        return FileResponse(STATIC / "widget.js", media_type="application/javascript",
                            headers={"Cache-Control": "public, max-age=3600"})

    @app.get("/demo", include_in_schema=False)
    def demo() -> Response:
        page = EXAMPLES / "career-page.html"
        if not page.exists():
            return JSONResponse({"error": "no demo page in this install"}, status_code=404)
        return FileResponse(page, media_type="text/html")

    if settings.admin_token:
        from internbot.admin import mount_admin

        mount_admin(app, settings.admin_token, engine.store, settings.corpus_dir, engine.reload,
                    unsure_below=settings.unsure_below)

    def chat_ask(question: str, history: tuple[str, ...], page_url: str, page_title: str) -> Answer:
        return engine.ask(question, history, page_url, page_title, channel="chat")

    def chat_feedback(question: str, answer: str, helpful: bool) -> None:
        engine.feedback(question, answer, helpful)

    blocks = build_chat(chat_ask, chat_feedback, max_chars=settings.max_question_chars,
                        max_history=settings.max_history)
    blocks.max_threads = 64  # set before .queue(): 32 simultaneous chats must not wait in line
    blocks.queue(default_concurrency_limit=64, max_size=256)
    private = [str(Path(p).resolve()) for p in (settings.index_dir, settings.data_dir,
                                                 settings.corpus_dir, project_root())]
    app = gr.mount_gradio_app(app, blocks, path="/", allowed_paths=[], blocked_paths=private,
                              css=CSS, js=JS, footer_links=[], show_error=False,
                              root_path=settings.root_path or None)
    return Guard(app, allow_origins=settings.allow_origins, limit=limit,
                 trusted_proxies=settings.trusted_proxies)


def app_from_env() -> Any:
    """The app for each worker process of `serve --workers N` (settings come from INTERNBOT_*)."""
    return create_app(Settings.from_env(), workers=int(os.environ.get("INTERNBOT_WORKERS", "1")))


def threads_per_worker(workers: int, cores: int | None = None) -> int:
    """Inference threads so that workers × threads ≤ cores. A single worker takes every core:
    its HTTP thread mostly waits, and the encode is the bottleneck (docs/benchmarks.md)."""
    cores = cores or os.cpu_count() or 1
    return max(1, cores // workers)


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860, workers: int = 1) -> None:
    from dataclasses import replace

    import uvicorn

    if settings.threads == 0:
        # Measured in docs/benchmarks.md: on three of the four VMs measured, inference on every
        # core served 12–16% more than on all cores but one, with a lower p95.
        settings = replace(settings, threads=threads_per_worker(workers))
    # proxy_headers=False: uvicorn would trust X-Forwarded-For from 127.0.0.1 by default; the
    # guard trusts exactly INTERNBOT_TRUSTED_PROXIES instead.
    if workers == 1:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="warning",
                    timeout_graceful_shutdown=10, timeout_keep_alive=KEEP_ALIVE_S,
                    proxy_headers=False)
        return
    # Worker processes build their own app from the environment; the index is memory-mapped, so
    # they share its pages; the store and the rate limit are shared through SQLite files (WAL),
    # or PostgreSQL and Redis when configured.
    env = {"INTERNBOT_INDEX": settings.index_dir, "INTERNBOT_CORPUS": settings.corpus_dir,
           "INTERNBOT_DATA": settings.data_dir, "INTERNBOT_MODEL": settings.model,
           "INTERNBOT_MODEL_SHA256": settings.model_sha256, "INTERNBOT_THREADS": settings.threads,
           "INTERNBOT_QUANTIZE": "auto" if settings.quantize is None else str(settings.quantize).lower(),
           "INTERNBOT_CONFIRM_BAND": settings.confirm_band,
           "INTERNBOT_RATE_LIMIT": settings.rate_limit, "INTERNBOT_WORKERS": workers,
           "INTERNBOT_ALLOW_ORIGINS": ",".join(settings.allow_origins),
           "INTERNBOT_LOG_QUESTIONS": str(settings.log_questions).lower(),
           "INTERNBOT_CACHE": settings.cache_dir, "INTERNBOT_BACKEND": settings.backend,
           "INTERNBOT_ROOT_PATH": settings.root_path,
           "INTERNBOT_RATE_LIMIT_STORAGE": settings.rate_limit_storage,
           "INTERNBOT_TRUSTED_PROXIES": ",".join(settings.trusted_proxies),
           "INTERNBOT_DATABASE_URL": settings.database_url,
           "INTERNBOT_ADMIN_TOKEN": settings.admin_token}
    os.environ.update({k: str(v) for k, v in env.items()})
    uvicorn.run("internbot.server:app_from_env", factory=True, workers=workers, host=host,
                port=port, log_level="warning", timeout_graceful_shutdown=10,
                timeout_keep_alive=KEEP_ALIVE_S, proxy_headers=False)
