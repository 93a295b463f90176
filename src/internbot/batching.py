"""Micro-batching: concurrent questions share one `encode` call.

Requests from any thread (HTTP handlers, the Gradio queue) are collected for at most
`window_ms`, or until `max_batch` are waiting, then answered together by one worker thread.
Under load this turns 32 small encodes into one, which is what 2 CPU cores need.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

from internbot.answerer import Answerer
from internbot.records import Answer, Query

log = logging.getLogger(__name__)


@dataclass
class _Job:
    query: Query
    doc_id: str | None
    future: Future[Answer]
    tag: str = ""


#: Called in the worker after each batch with (query, answer, tag) triples, e.g. to log them.
BatchHook = Callable[[list[tuple[Query, Answer, str]]], None]


class MicroBatcher:
    """Thread-safe front door to `Answerer.ask_many` that batches concurrent callers."""

    def __init__(self, answerer: Answerer, max_batch: int = 32, window_ms: float = 5.0,
                 on_batch: BatchHook | None = None) -> None:
        self.answerer = answerer
        self.on_batch = on_batch
        self.max_batch = max_batch
        self.window = window_ms / 1000
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._worker = threading.Thread(target=self._run, name="internbot-batcher", daemon=True)
        self._worker.start()
        self.batches = 0
        self.answered = 0

    def submit(self, question: str, history: tuple[str, ...] = (),
               doc_id: str | None = None, tag: str = "") -> Future[Answer]:
        """Queue a question; invalid ones fail their future at once with `QuestionError`."""
        future: Future[Answer] = Future()
        try:
            query = self.answerer.validate(Query(question, tuple(history)))
        except Exception as exc:
            future.set_exception(exc)
            return future
        self._jobs.put(_Job(query, doc_id, future, tag))
        return future

    def ask(self, question: str, history: tuple[str, ...] = (), doc_id: str | None = None,
            timeout: float = 30.0) -> Answer:
        return self.submit(question, history, doc_id).result(timeout)

    def close(self) -> None:
        """Finish queued work, then stop the worker."""
        self._jobs.put(None)
        self._worker.join(timeout=30)

    def _collect(self) -> list[_Job] | None:
        first = self._jobs.get()
        if first is None:
            return None
        batch = [first]
        deadline = time.monotonic() + self.window
        while len(batch) < self.max_batch:
            remaining = deadline - time.monotonic()
            try:
                job = self._jobs.get(timeout=max(remaining, 0)) if remaining > 0 else \
                    self._jobs.get_nowait()
            except queue.Empty:
                break
            if job is None:
                self._jobs.put(None)  # stop after this batch
                break
            batch.append(job)
        return batch

    def _run(self) -> None:
        while (batch := self._collect()) is not None:
            try:
                answers = self.answerer.ask_many([j.query for j in batch],
                                                 doc_ids=[j.doc_id for j in batch])
            except Exception as exc:  # one failure must not strand the other callers
                for job in batch:
                    if not job.future.done():
                        job.future.set_exception(exc)
                continue
            self.batches += 1
            self.answered += len(batch)
            for job, answer in zip(batch, answers, strict=True):
                job.future.set_result(answer)
            if self.on_batch is not None:
                try:
                    self.on_batch([(j.query, a, j.tag) for j, a in zip(batch, answers, strict=True)])
                except Exception:  # analytics must never break answering
                    log.exception("batch hook failed")
