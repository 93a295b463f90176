"""Questions in, `Answer`s out: the one entry point every front end calls.

The answer is extractive: the best passage trimmed to the sentences that answer, or, for an
enumerating question, its section's whole list. Below the calibrated confidence threshold the
bot abstains with a fallback that says what the guides do cover.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from internbot import conversation, smalltalk
from internbot.answerability import Calibration, calibrate
from internbot.composing import Composer
from internbot.config import Settings
from internbot.embedder import Embedder
from internbot.errors import QuestionError
from internbot.memo import AnswerMemo, Key, key
from internbot.phrasing import focus
from internbot.records import MAX_ANSWER_CHARS, Answer, Chunk, Hit, Query, clip
from internbot.retriever import Retrieval, Retriever, Weights, open_search
from internbot.shaping import Policy, is_follow_up, suggestion_for
from internbot.sourcing import Sources
from internbot.trimming import Trimmer

__all__ = ["Answerer", "Policy", "is_follow_up", "suggestion_for"]

#: With int8 question vectors, a question whose top two passages are this close is read again
#: in float. Of the 102 passages int8 moved in 4,194 questions, 12 led by more than this and
#: none by more than 0.025; 0.02 re-read twice the questions for 12% less throughput
#: (docs/quality.md, item 47).
CONFIRM_MARGIN = 0.01
#: A question naming what its passage's guide never speaks of ("How much do Shopify interns
#: get paid?" over the seed's intern pay: `names.py`) keeps this share of its confidence,
#: which puts it under the boundary: it abstains.
UNNAMED_SHARE = 0.5


class Answerer:
    """Wraps a retriever with answer selection, trimming, abstention and small talk."""

    def __init__(self, retriever: Retriever, settings: Settings | None = None,
                 policy: Policy | None = None, exact: Retriever | None = None) -> None:
        self.retriever = retriever
        self.settings = settings or Settings()
        #: With int8 question vectors: the same retrieval in float, for the doubtful questions.
        self.exact = exact if self.settings.confirm_band > 0 else None
        self.policy = policy or Policy()
        #: Answers to questions asked before (`Settings.answer_cache`).
        self.memo = AnswerMemo(self.settings.answer_cache)
        fitted = retriever.index.manifest.calibration
        #: The corpus's answerability model, fitted at index time (or now, for a bare index).
        self.calibration = Calibration.from_dict(fitted) if fitted else calibrate(retriever)
        #: Corpus-wide facts computed at index time: nothing here reads every passage.
        self.catalog = retriever.index.catalog
        self.composer = Composer(retriever, self.policy)
        self.trimmer = Trimmer(retriever, self.policy)
        self.topics = self._topics()
        #: With several guides, an answer's source names its guide too.
        self._several_documents = self.catalog.documents > 1
        self.sources = Sources(retriever.index.manifest.documents, self.trimmer, self.settings.top_k)

    @classmethod
    def from_settings(cls, settings: Settings, *, check_corpus: bool = True,
                      weights: Weights | None = None, policy: Policy | None = None,
                      embedder: Embedder | None = None,
                      float_embedder: Embedder | None = None) -> Answerer:
        """Load the index named by `settings` (checked against model and corpus) and the model
        (or use `embedder`, already loaded). With int8 questions (`Settings.quantize`) the
        float model is loaded too (or `float_embedder` used) to confirm the doubtful ones."""
        from internbot import index as index_store
        from internbot.corpus import corpus_fingerprint, corpus_hash, load_documents, settings_text
        from internbot.embedder import load_embedder

        manifest = index_store.read_manifest(settings.index_dir)
        expected_hash = None
        # The file system's word first; the corpus is read and hashed only when it differs.
        if (check_corpus and Path(settings.corpus_dir).is_dir()
                and (not manifest.corpus_stat
                     or corpus_fingerprint(settings.corpus_dir) != manifest.corpus_stat)):
            expected_hash = corpus_hash(load_documents(settings.corpus_dir),
                                        settings_text(settings.corpus_dir))
        index = index_store.load(settings.index_dir, model=settings.model, corpus_hash=expected_hash)
        embedder = embedder or load_embedder(settings, queries=True)
        if embedder.dim != manifest.dim:
            from internbot.errors import IndexMismatchError

            raise IndexMismatchError(
                f"the index has dimension {manifest.dim} but the model gives {embedder.dim}: "
                "rebuild it with `internbot index`"
            )
        search = open_search(settings.vector_store, index)
        exact = None
        if getattr(embedder, "quantized", False) and settings.confirm_band > 0:
            float_embedder = float_embedder or load_embedder(settings)
            exact = Retriever(index, float_embedder, weights, search)
        return cls(Retriever(index, embedder, weights, search), settings, policy, exact)

    def _topics(self) -> str:
        picked = [t.rstrip("?:").strip() for t in self.catalog.topics
                  if t.lower().rstrip(":") not in ("conclusion", "faqs", "faq", "introduction")][:6]
        if not picked:
            return "the guides in this site's corpus"
        listed = ", ".join(f"“{t}”" for t in picked)
        return f"topics such as {listed}"

    # -- public API -------------------------------------------------------------------------

    def preload(self) -> int:
        """Read the index files into the OS page cache (`Settings.preload`); returns bytes read."""
        from internbot.index import preload

        return preload(self.settings.index_dir)

    def warm(self, batch: int) -> None:
        """Do once, before traffic, what the first questions would otherwise wait for: grow the
        inference buffers to a full batch of longest questions, and build the spellers'
        indexes (a second for the English one) with a misspelt question."""
        self.retriever.encode(["internship " * 200] * batch)
        if self.exact is not None:
            self.exact.encode(["internship " * 200] * batch)
        self.ask("hw shuold I aplpy for a jbo?")

    def search_status(self) -> str:
        """`ok`, or why the search backend cannot answer now (for `/readyz`)."""
        if self.retriever.search.healthy():
            return "ok"
        return f"unavailable: {self.retriever.search.name} cannot be reached; questions get 503"

    def match_document(self, page_url: str = "", page_title: str = "") -> str | None:
        """The corpus document a web page shows, by URL slug or title, so its passages rank higher."""
        from urllib.parse import urlparse

        docs = {d["id"]: d["title"] for d in self.retriever.index.manifest.documents}
        slug = urlparse(page_url).path.rstrip("/").rsplit("/", 1)[-1].lower()
        slug = re.sub(r"\.(html?|php|aspx?)$", "", slug)
        title = " ".join(page_title.lower().split())
        for doc_id, doc_title in docs.items():
            if slug and slug == doc_id.rsplit("/", 1)[-1]:
                return doc_id
            if title and doc_title.lower() in title:
                return doc_id
        return None

    def validate(self, query: Query) -> Query:
        question = " ".join(query.question.split())
        if not question:
            raise QuestionError("the question is empty: type a question")
        if len(question) > self.settings.max_question_chars:
            raise QuestionError(
                f"the question is {len(question)} characters long: "
                f"keep it under {self.settings.max_question_chars}"
            )
        if len(query.history) > self.settings.max_history:
            raise QuestionError(f"the history has {len(query.history)} items: "
                                f"send at most {self.settings.max_history}")
        history = tuple(" ".join(h.split())[: self.settings.max_question_chars]
                        for h in query.history if h and h.strip())
        return Query(question, history)

    def ask(self, question: str, history: Sequence[str] = (), *, doc_id: str | None = None) -> Answer:
        return self.ask_many([Query(question, tuple(history))], doc_ids=[doc_id])[0]

    def ask_many(self, queries: Sequence[Query],
                 doc_ids: Sequence[str | None] | None = None) -> list[Answer]:
        """Answer many questions with one encode call and one FAISS search (and, with int8
        questions, one more of each in float for the doubtful ones: `_confirm`). A question
        asked before, in the same words after the same history on the same page, is answered
        from `memo`, and one asked twice in the batch is answered once."""
        queries = [self.validate(q) for q in queries]
        docs = list(doc_ids) if doc_ids is not None else [None] * len(queries)
        keys = [key(q, d) for q, d in zip(queries, docs, strict=True)]
        answers = self.memo.recall(keys)
        #: The first row of each question answered now; a repeat in the batch takes its answer.
        first: dict[Key, int] = {}
        texts: list[str] = []
        owners: list[tuple[int, str]] = []
        #: Each question as retrieved, and whether its lead is the visitor's own statements.
        asked: dict[int, tuple[str, bool]] = {}
        for i, q in enumerate(queries):
            if answers[i] is not None or first.setdefault(keys[i], i) != i:
                continue
            kind = smalltalk.classify(q.question)
            if kind is not None:
                answers[i] = Answer(q.question, True, smalltalk.reply(kind, self.topics), 1.0,
                                    kind="smalltalk")
                continue
            # Retrieve with the question's own words; the visitor's statements around it, or
            # else the chat's previous question, lead the joined reading.
            focused = focus(q.question)
            lead = focused.context or conversation.lead(q.history)
            asked[i] = (focused.question, bool(focused.context))
            texts.append(focused.question)
            owners.append((i, "alone"))
            if lead and self.policy.follow_ups:
                texts.append(f"{lead} {focused.question}")
                owners.append((i, "joined"))
        vectors = (self.retriever.encode(texts) if texts
                   else np.zeros((0, self.retriever.index.manifest.dim), np.float32))
        row_docs = [docs[i] for i, _ in owners]
        results = self._read(self.retriever, texts, vectors, row_docs)
        vectors, results, confirmed = self._confirm(texts, vectors, results, row_docs)
        results = conversation.own_words(self.retriever, texts, vectors, results, owners, asked,
                                         self.exact, confirmed)
        found: dict[int, dict[str, tuple[Retrieval, np.ndarray]]] = {}
        for (i, how), res, vec in zip(owners, results, vectors, strict=True):
            found.setdefault(i, {})[how] = (res, vec)
        curated = self.retriever.index.curated
        for i, options in found.items():
            question, own_context = asked[i]
            retrieval, vector = conversation.pick(
                question, options, own_context, self.confidence,
                self.settings.abstain_threshold, self.settings.unsure_below)
            answer = ((curated.answer(question, options["alone"][1]) if curated else None)
                      or self._compose(question, retrieval, vector))
            answers[i] = replace(answer, question=queries[i].question)
        done = [a or answers[first[k]] for a, k in zip(answers, keys, strict=True)]
        new = {i: a for i in first.values() if (a := done[i]) is not None}
        self.memo.keep([keys[i] for i in new], list(new.values()))
        return [a for a in done if a is not None]

    def confidence(self, retrieval: Retrieval) -> float:
        """How sure the engine is that the corpus answers the question, in [0, 1]: the corpus's
        fitted answerability model over the retrieval's evidence (0.5 is its boundary), halved
        when the question names what the passage's guide never speaks of (`names.py`)."""
        if not retrieval.hits:
            return 0.0
        confidence = self.calibration.confidence(retrieval.evidence)
        return confidence * UNNAMED_SHARE if retrieval.unnamed else confidence

    # -- steps ------------------------------------------------------------------------------

    def _read(self, retriever: Retriever, texts: list[str], vectors: np.ndarray,
              docs: list[str | None]) -> list[Retrieval]:
        """Retrieve, then measure how each unknown word bears on its match where that can
        change what the visitor reads (`_measures`: one more encode for those)."""
        results = retriever.search_many(texts, vectors, k=max(self.settings.top_k, 5),
                                        doc_ids=docs, support=False)
        rows = [i for i, r in enumerate(results) if self._measures(texts[i], r)]
        return retriever.supported(texts, vectors, results, rows) if rows else results

    def _confirm(self, texts: list[str], vectors: np.ndarray, results: list[Retrieval],
                 docs: list[str | None]) -> tuple[np.ndarray, list[Retrieval], frozenset[int]]:
        """With int8 question vectors, read again in float the questions whose int8 reading
        is near a line: confidence within `Settings.confirm_band` of the abstain line, top
        passages within CONFIRM_MARGIN, an unknown word's support within CONFIRM_MARGIN of
        the line that excuses it (0.0: not measured), or a curated entry's score within it of
        its threshold. int8 alone moved the passage of 102 of 4,194 questions, near ties all,
        and crossed the abstain line for 16, near it or with a moved passage (docs/quality.md,
        item 47); it reads the clear ones, most of them, for half the CPU. Returns the vectors,
        the retrievals and the rows read in float."""
        if self.exact is None:
            return vectors, results, frozenset()
        band, line = self.settings.confirm_band, self.settings.abstain_threshold
        excuse, curated = self.retriever.support, self.retriever.index.curated
        # A site owner's curated answer is taken from its threshold up: near it, read in float.
        entry = (np.abs(curated.scores(texts, vectors)[1] - curated.threshold) < CONFIRM_MARGIN
                 if curated else np.zeros(len(texts), bool))

        def near(i: int, r: Retrieval) -> bool:
            if entry[i]:
                return True
            # The answer comes from the best passage that is not a list summary: its lead too.
            best = [h.score for h in r.hits if h.chunk.kind != "list"][:2]
            return bool(r.hits) and (
                r.evidence.margin < CONFIRM_MARGIN or abs(self.confidence(r) - line) < band
                or (len(best) == 2 and best[0] - best[1] < CONFIRM_MARGIN)
                or (excuse is not None and r.support != 0.0 and abs(r.support - excuse) < CONFIRM_MARGIN))

        rows = [i for i, r in enumerate(results) if near(i, r)]
        if not rows:
            return vectors, results, frozenset()
        picked = [texts[i] for i in rows]
        again = self.exact.encode(picked)
        redone = self._read(self.exact, picked, again, [docs[i] for i in rows])
        vectors, results = vectors.copy(), list(results)
        for i, vector, retrieval in zip(rows, again, redone, strict=True):
            vectors[i], results[i] = vector, retrieval
        return vectors, results, frozenset(rows)

    def _measures(self, text: str, r: Retrieval) -> bool:
        """Whether to measure how the question's unknown word bears on its match (one more
        encode): only where that can change what the visitor reads. Excusing a supporting
        word could lift it over the threshold, or a word pulling it off its passage
        (`Evidence.against`, at most 1) could drop it under the threshold or into the unsure
        band."""
        if self.retriever.support is None or not r.unknown or not r.hits:
            return False
        threshold = self.settings.abstain_threshold
        if self.confidence(replace(r, evidence=replace(r.evidence, against=1.0))) < max(
                threshold, self.settings.unsure_below):
            return True
        return self.confidence(r) < threshold <= self.confidence(self.retriever.excused(text, r))

    def _compose(self, question: str, retrieval: Retrieval, vector: np.ndarray) -> Answer:
        hits = list(retrieval.hits)
        conf = self.confidence(retrieval)
        concepts = retrieval.concepts
        if not hits or conf < self.settings.abstain_threshold:
            sources = self.sources.shown(hits, vector)
            return Answer(question, False, self.settings.fallback_text.format(topics=self.topics),
                          round(conf, 4), sources, self._starters(), kind="fallback")
        chunk, kind = self.composer.choose(question, hits)
        sources = self.sources.led_by(chunk, hits, vector)
        where = chunk.section_title
        if self._several_documents and chunk.section:
            where = f"{chunk.doc_title} › {where}"
        if chunk.page:
            where = f"{where}, p. {chunk.page}"
        if url := self.sources.link(chunk):
            where = f"{where} · {url}"
        room = MAX_ANSWER_CHARS - len(where) - 12
        if kind == "list":
            body = self.composer.list_text(
                chunk, hits, room, lambda item, n: self.trimmer.trim(item, vector, concepts, n))
        else:
            body = clip(self.trimmer.trim(chunk, vector, concepts, room), room)
            body = self.composer.extender.look_back(chunk, body, room)
            body = self.composer.extender.go_on(chunk, body, room)
            body = self.composer.extender.carry_on(chunk, body, room, hits)
        # Under the unsure band the same answer opens with a line saying so (on top of the
        # answer's own room, so the hedge never cuts what the passage says).
        unsure = conf < self.settings.unsure_below
        lead = f"{self.settings.unsure_text}\n\n" if unsure and self.settings.unsure_text else ""
        text = lead + body + f"\n\n(Source: {where})"
        return Answer(question, True, text, round(conf, 4), sources,
                      self._suggestions(hits, chunk), kind=kind, section=chunk.section_title,
                      unsure=unsure)

    def _suggestions(self, hits: list[Hit], chosen: Chunk) -> tuple[str, ...]:
        """Close runners-up from other sections first ("did you mean"), then related topics."""
        out: list[str] = []
        top_score = hits[0].score
        for hit in hits[1:]:
            c = hit.chunk
            if c.section[:1] == chosen.section[:1] and c.doc_id == chosen.doc_id:
                continue
            if top_score - hit.score <= self.policy.did_you_mean_gap or len(out) < 2:
                s = suggestion_for(c)
                if s not in out:
                    out.append(s)
            if len(out) >= 3:
                break
        return tuple(out)

    def _starters(self) -> tuple[str, ...]:
        """Questions the guides can answer, offered with the fallback."""
        chunks = self.retriever.chunks
        out = [chunks[row].label for row in self.catalog.faqs]
        out += [suggestion_for(chunks[row]) for row in sorted(self.catalog.lists.values())[:3]]
        return tuple(dict.fromkeys(out))[:3]
