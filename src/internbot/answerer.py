"""Questions in, `Answer`s out: the one entry point every front end calls.

The answer is extractive: the best passage trimmed to the sentences that answer, or, for an
enumerating question, its section's whole list. Below the calibrated confidence threshold the
bot abstains with a fallback that says what the guides do cover.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from internbot import smalltalk
from internbot.answerability import Calibration, calibrate
from internbot.config import Settings
from internbot.embedder import Embedder
from internbot.errors import QuestionError
from internbot.lexical import term_set, terms
from internbot.passages import section_key
from internbot.records import MAX_ANSWER_CHARS, Answer, AnswerKind, Chunk, Hit, Query, Source, clip
from internbot.retriever import Concepts, Retrieval, Retriever, Weights, open_search
from internbot.shaping import ENUMERATE, Policy, is_follow_up, points_ahead, refers_back, suggestion_for

#: A list answers when this many of the best passages (of the first LIST_SPREAD_WINDOW) are its items.
LIST_SPREAD_ITEMS = 3
LIST_SPREAD_WINDOW = 5
#: A sentence referring back to a kept one is kept with it up to this long.
FOLLOWER_CHARS = 250
#: An answer goes on into the passage it announces only when this much room is left.
GO_ON_MIN_CHARS = 120
#: The list item that matches the question is shown up to this long.
MARKED_ITEM_CHARS = 260

__all__ = ["Answerer", "Policy", "is_follow_up", "suggestion_for"]


class Answerer:
    """Wraps a retriever with answer selection, trimming, abstention and small talk."""

    def __init__(self, retriever: Retriever, settings: Settings | None = None,
                 policy: Policy | None = None) -> None:
        self.retriever = retriever
        self.settings = settings or Settings()
        self.policy = policy or Policy()
        fitted = retriever.index.manifest.calibration
        #: The corpus's answerability model, fitted at index time (or now, for a bare index).
        self.calibration = Calibration.from_dict(fitted) if fitted else calibrate(retriever)
        #: Corpus-wide facts computed at index time: nothing here reads every passage.
        self.catalog = retriever.index.catalog
        self.topics = self._topics()
        #: With several guides, an answer's source names its guide too.
        self._several_documents = self.catalog.documents > 1
        #: Pages crawled from the web link to themselves.
        self._urls = {d["id"]: d["url"] for d in retriever.index.manifest.documents if d.get("url")}
        self._anchors: dict[str, dict[str, str]] = {
            d["id"]: d["anchors"] for d in retriever.index.manifest.documents if d.get("anchors")}

    @classmethod
    def from_settings(cls, settings: Settings, *, check_corpus: bool = True,
                      weights: Weights | None = None, policy: Policy | None = None,
                      embedder: Embedder | None = None) -> Answerer:
        """Load the index named by `settings` (checked against model and corpus) and the model
        (or use `embedder`, already loaded)."""
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
        embedder = embedder or load_embedder(settings)
        if embedder.dim != manifest.dim:
            from internbot.errors import IndexMismatchError

            raise IndexMismatchError(
                f"the index has dimension {manifest.dim} but the model gives {embedder.dim}: "
                "rebuild it with `internbot index`"
            )
        search = open_search(settings.vector_store, index)
        return cls(Retriever(index, embedder, weights, search), settings, policy)

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
        """Answer many questions with one encode call and one FAISS search."""
        queries = [self.validate(q) for q in queries]
        docs = list(doc_ids) if doc_ids is not None else [None] * len(queries)
        answers: list[Answer | None] = [None] * len(queries)
        texts: list[str] = []
        owners: list[tuple[int, str]] = []
        for i, q in enumerate(queries):
            kind = smalltalk.classify(q.question)
            if kind is not None:
                answers[i] = Answer(q.question, True, smalltalk.reply(kind, self.topics), 1.0,
                                    kind="smalltalk")
                continue
            texts.append(q.question)
            owners.append((i, "alone"))
            if q.history and self.policy.follow_ups:
                texts.append(f"{q.history[-1]} {q.question}")
                owners.append((i, "joined"))
        vectors = self.retriever.encode(texts) if texts else np.zeros((0, 1), np.float32)
        results = self.retriever.search_many(
            texts, vectors, k=max(self.settings.top_k, 5),
            doc_ids=[docs[i] for i, _ in owners])
        found: dict[int, dict[str, tuple[Retrieval, np.ndarray]]] = {}
        for (i, how), res, vec in zip(owners, results, vectors, strict=True):
            found.setdefault(i, {})[how] = (res, vec)
        curated = self.retriever.index.curated
        for i, options in found.items():
            retrieval, vector = self._pick(queries[i], options)
            answers[i] = ((curated.answer(queries[i].question, options["alone"][1]) if curated else None)
                          or self._compose(queries[i].question, retrieval, vector))
        return [a for a in answers if a is not None]

    def confidence(self, retrieval: Retrieval) -> float:
        """How sure the engine is that the corpus answers the question, in [0, 1]: the corpus's
        fitted answerability model over the retrieval's evidence (0.5 is its boundary)."""
        return self.calibration.confidence(retrieval.evidence) if retrieval.hits else 0.0

    # -- steps ------------------------------------------------------------------------------

    def _pick(self, query: Query, options: dict[str, tuple[Retrieval, np.ndarray]]
              ) -> tuple[Retrieval, np.ndarray]:
        """Standalone reading, or joined with the previous question when it is a follow-up."""
        alone = options["alone"]
        joined = options.get("joined")
        if joined is None:
            return alone
        if is_follow_up(query.question):
            return joined
        threshold = self.settings.abstain_threshold
        if self.confidence(alone[0]) < threshold <= self.confidence(joined[0]):
            return joined
        return alone

    def _compose(self, question: str, retrieval: Retrieval, vector: np.ndarray) -> Answer:
        hits = list(retrieval.hits)
        conf = self.confidence(retrieval)
        concepts = retrieval.concepts
        sources = tuple(self._source(h, vector) for h in self._distinct(hits)[: self.settings.top_k])
        if not hits or conf < self.settings.abstain_threshold:
            return Answer(question, False, self.settings.fallback_text.format(topics=self.topics),
                          round(conf, 4), sources, self._starters(), kind="fallback")
        chunk, kind = self._choose(question, hits)
        where = chunk.section_title
        if self._several_documents and chunk.section:
            where = f"{chunk.doc_title} › {where}"
        if chunk.page:
            where = f"{where}, p. {chunk.page}"
        if url := self._link(chunk):
            where = f"{where} · {url}"
        room = MAX_ANSWER_CHARS - len(where) - 12
        if kind == "list":
            body = self._list_text(chunk, hits, room)
        else:
            body = clip(self._trim(chunk, vector, concepts), room)
            body = self._go_on(chunk, body, room)
        text = body + f"\n\n(Source: {where})"
        return Answer(question, True, text, round(conf, 4), sources,
                      self._suggestions(hits, chunk), kind=kind, section=chunk.section_title)

    def _go_on(self, chunk: Chunk, body: str, room: int) -> str:
        """An answer whose last sentence only leads in goes on with what it announces, as far
        as the bubble holds: "…which I learned from my mistakes:" with its section's list (a
        section's bullets are kept apart from its paragraphs), "Let's delve into their
        distinctions." with the section's next passages, whole sentences only."""
        if not self.policy.go_on or not chunk.sentences or not body.endswith(chunk.sentences[-1]):
            return body
        last = chunk.sentences[-1]
        if not points_ahead(last) or room - len(body) < GO_ON_MIN_CHARS:
            return body
        if last.rstrip().endswith(":"):  # the list it introduces is its section's own
            row = self.catalog.lists.get(section_key(chunk.doc_id, chunk.section))
            lines = [s for s in self.retriever.chunks[row].sentences if s.startswith("• ")] if row else []
            while lines and len(body) + sum(len(x) + 1 for x in lines) > room:
                lines.pop()
            return "\n".join([body, *lines]) if lines else body
        chunks, at = self.retriever.chunks, self.retriever.position(chunk)
        more: list[str] = []
        size = len(body) + 1
        for nxt in chunks[at + 1 : at + 6]:
            if nxt.doc_id != chunk.doc_id or nxt.section != chunk.section or nxt.kind != "paragraph":
                break
            for sentence in nxt.sentences:
                if size + len(sentence) + 1 > room:
                    return "\n".join([body, " ".join(more)]) if more else body
                more.append(sentence)
                size += len(sentence) + 1
        return "\n".join([body, " ".join(more)]) if more else body

    def _list_of(self, chunk: Chunk) -> Chunk | None:
        """The list summary of the chunk's section, or of the nearest section above it."""
        for depth in range(len(chunk.section), 0, -1):
            row = self.catalog.lists.get(section_key(chunk.doc_id, chunk.section[:depth]))
            if row is not None:
                return self.retriever.chunks[row]
        return None

    def _list_after(self, chunk: Chunk) -> Chunk | None:
        """The list of the first subsection of this passage's section, when it is a list
        ("And by fundamentals, I mean:" under "Learn the Fundamentals"): the section's text
        introduces it. Looks only a few passages ahead."""
        chunks, row, depth = self.retriever.chunks, self.retriever.position(chunk), len(chunk.section)
        if chunk.kind != "paragraph":
            return None
        for nxt in (chunks[r] for r in range(row + 1, min(row + 12, len(chunks)))):
            if nxt.doc_id != chunk.doc_id or nxt.section[:depth] != chunk.section:
                return None
            if len(nxt.section) > depth:
                found = self.catalog.lists.get(section_key(chunk.doc_id, nxt.section[: depth + 1]))
                return None if found is None else chunks[found]
        return None

    @staticmethod
    def _names(question: str, heading: str) -> bool:
        """The question says most of a heading's words ("What is the STAR method?")."""
        wanted = term_set(heading)
        shared = wanted & set(terms(question))
        return bool(shared) and len(shared) >= min(2, len(wanted)) and len(shared) >= 0.6 * len(wanted)

    def _spread_over(self, own: Chunk, top: Hit, passages: list[Hit], question: str) -> bool:
        """The best evidence is several items of one list and the question names none of them
        ("What do interns do day to day?" over "My day-to-day responsibilities were:"): it asks
        about the list, not one item."""
        if top.chunk.kind not in ("bullet", "item") or own.section != top.chunk.section:
            return False
        if top.chunk.label and self._names(question, top.chunk.label):
            return False
        same = sum(h.chunk.kind in ("bullet", "item") and h.chunk.section == own.section
                   and h.chunk.doc_id == own.doc_id for h in passages)
        return same >= LIST_SPREAD_ITEMS

    def _choose(self, question: str, hits: list[Hit]) -> tuple[Chunk, AnswerKind]:
        """The chunk to answer from, and whether to present it as its section's whole list.

        A list answers an enumerating question ("what are the best jobs?"), or one naming the
        list itself, and only when its section is where the best evidence is, or it ranks close
        to the best passage.
        """
        passages = [h for h in hits if h.chunk.kind != "list"] or hits
        top = passages[0]
        if not self.policy.lists:
            return top.chunk, "passage"
        own = self._list_of(top.chunk)
        section = top.chunk.section
        if top.chunk.kind != "list" and section:
            # The question names the list this passage is in, or the section just above it
            # ("What fundamentals should I learn?" over "Learn the Fundamentals › I mean:").
            if own is not None and own.section == section and any(
                    self._names(question, h) for h in section[-2:]):
                return own, "list"
            if self._names(question, section[-1]) and (after := self._list_after(top.chunk)):
                return after, "list"
            if own is not None and self._spread_over(own, top, passages[:LIST_SPREAD_WINDOW], question):
                return own, "list"
        if ENUMERATE.search(question):
            if own is not None:
                return own, "list"
            close = [h for h in hits[:5] if h.chunk.kind == "list" and h.score >= top.score - 0.08]
            if close:
                return close[0].chunk, "list"
        return top.chunk, "passage"

    def _list_text(self, chunk: Chunk, hits: list[Hit], limit: int) -> str:
        """A list that fits a chat bubble: the lead, then one line an item (its label where it
        has one), the item best matching the question first and marked; never cut mid-item."""
        lead = [s for s in chunk.sentences if not s.startswith("• ")]
        items = [s[2:] for s in chunk.sentences if s.startswith("• ")]
        best = next((h.chunk for h in hits if h.chunk.kind in ("bullet", "item")
                     and h.chunk.section[: len(chunk.section)] == chunk.section), None)
        first = -1
        if best is not None:
            head = (best.label or best.text)[:40].lower()
            first = next((i for i, item in enumerate(items) if item.lower().startswith(head)), -1)
        # The marked item in its own words: the summary's line may be cut to fit the chunk.
        lines = [f"▸ {self._item_text(best)}"] if best is not None and first >= 0 else []
        for i, item in enumerate(items):
            if i != first:
                label = item.split(":", 1)[0] if ":" in item[:62] else clip(item, 90)
                lines.append(f"• {label}")
        text = clip(" ".join(lead), 300) if lead else ""
        shown = 0
        for line in lines:
            if len(text) + len(line) + 1 > limit - 20:
                break
            text = f"{text}\n{line}" if text else line
            shown += 1
        if shown < len(lines):
            text += f"\n… and {len(lines) - shown} more"
        return text

    @staticmethod
    def _item_text(item: Chunk) -> str:
        """A list item for the marked line: whole when short, else its first sentences."""
        if len(item.text) <= MARKED_ITEM_CHARS:
            return item.text
        text = ""
        for sentence in item.sentences:
            if text and len(text) + len(sentence) + 1 > MARKED_ITEM_CHARS:
                break
            text = f"{text} {sentence}" if text else sentence
        return clip(text, MARKED_ITEM_CHARS)

    def _trim(self, chunk: Chunk, vector: np.ndarray, concepts: Concepts) -> str:
        """The sentences that answer: drop those clearly less relevant than the best one.

        Sentence scores within one passage are close and noisy, so only sentences well below
        the best are dropped; a labelled passage keeps its first sentence, which names it. The
        answer then grows by its most similar neighbours while it fits `Policy.trim_budget`.
        """
        sentences = list(chunk.sentences)
        if not self.policy.trim or len(chunk.text) <= self.policy.trim_above or len(sentences) <= 1:
            return chunk.text
        sims = self._sentence_sims(chunk, vector)
        best = int(np.argmax(sims))
        keep = {j for j, s in enumerate(sims) if s >= sims[best] - self.policy.trim_margin}
        # The sentence that also holds the question's words is kept even if its cosine lags.
        keep.add(int(np.argmax(self._sentence_scores(chunk, sims, concepts))))
        if chunk.kind in ("bullet", "item") and chunk.label:
            keep.add(0)
        # A kept sentence that leans on the one before ("It was commissioned by…") keeps it.
        keep |= {j - 1 for j in keep if j > 0 and refers_back(sentences[j])}
        # And one that goes on about a kept sentence ("This is called immune surveillance.")
        # comes before other neighbours: it is that sentence's own continuation.
        keep |= {j + 1 for j in sorted(keep) if j + 1 < len(sentences) and refers_back(sentences[j + 1])
                 and len(sentences[j + 1]) <= FOLLOWER_CHARS}
        # Then the answer grows by neighbours, best first, while it stays short: the fact asked
        # for is often the sentence beside the one most similar to the question.
        size = sum(len(sentences[j]) + 1 for j in keep)
        while True:
            around = {j + d for j in keep for d in (-1, 1)} - keep
            around = {j for j in around if 0 <= j < len(sentences)
                      and size + len(sentences[j]) <= self.policy.trim_budget}
            if not around:
                break
            pick = max(around, key=lambda j: sims[j])
            keep.add(pick)
            size += len(sentences[pick]) + 1
        return " ".join(sentences[j] for j in sorted(keep))

    def _sentence_sims(self, chunk: Chunk, vector: np.ndarray) -> np.ndarray:
        position = self.retriever.position(chunk)
        return self.retriever.index.chunk_sentence_vectors(position) @ vector

    def _sentence_scores(self, chunk: Chunk, sims: np.ndarray, concepts: Concepts) -> np.ndarray:
        """Each sentence's cosine with the question (`sims`) plus, as in retrieval, a weighted
        share of the question's concepts it holds: the sentence naming what was asked wins a
        near tie."""
        bm25, weight = self.retriever.bm25, self.retriever.weights.lexical
        if not weight or not concepts:
            return sims
        cover = [bm25.concept_cover(concepts, term_set(s))[0] for s in chunk.sentences]
        return sims + weight * np.asarray(cover, dtype=sims.dtype)

    def _source(self, hit: Hit, vector: np.ndarray) -> Source:
        chunk = hit.chunk
        highlights: tuple[str, ...] = ()
        if chunk.kind != "list" and len(chunk.sentences) > 1:
            sims = self._sentence_sims(chunk, vector)
            highlights = (chunk.sentences[int(np.argmax(sims))],)
        return Source(chunk.doc_id, chunk.section_title, clip(chunk.text), round(hit.score, 4),
                      chunk.doc_title, highlights, chunk.id, self._link(chunk), chunk.page)

    def _link(self, chunk: Chunk) -> str:
        """Where the passage lives: its page's URL, at its section's `#anchor` when the page
        has one, or at its PDF page."""
        url = self._urls.get(chunk.doc_id, "")
        if not url:
            return ""
        for heading in reversed(chunk.section):
            if anchor := self._anchors.get(chunk.doc_id, {}).get(heading):
                return f"{url}#{anchor}"
        return f"{url}#page={chunk.page}" if chunk.page else url

    @staticmethod
    def _distinct(hits: list[Hit]) -> list[Hit]:
        """Hits without list summaries that merely repeat passages already shown."""
        seen_lists = {h.chunk.section for h in hits if h.chunk.kind != "list"}
        return [h for h in hits if h.chunk.kind != "list" or h.chunk.section not in seen_lists] or hits

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
