"""Aliases: the built-in table, the corpus's synonyms.txt, and compact list answers."""

from __future__ import annotations

import hashlib
import json

import pytest

from internbot import indexing
from internbot.aliases import BUILT_IN, BUILT_IN_VERSION, Aliases, read_synonyms
from internbot.answerer import Answerer
from internbot.config import Settings
from internbot.corpus import corpus_hash, load_documents, settings_text
from internbot.indexing import build, is_current


def test_built_in_aliases_expand_both_ways() -> None:
    aliases = Aliases()
    assert "facebook" in aliases.expansions("Is Meta's AI lab a good place to intern?")
    assert "artificial intelligence" in aliases.expansions("Is Meta's AI lab a good place to intern?")
    assert "ml" in aliases.expansions("what is machine learning")
    assert aliases.expansions("how do I brew coffee") == []


def test_synonyms_file_is_read_and_extends_retrieval(fake_settings: Settings) -> None:
    (fake_settings.corpus_dir / "synonyms.txt").write_text(
        "# house words\ncuppa, green tea\nlonely\n", encoding="utf-8")
    assert read_synonyms(fake_settings.corpus_dir) == [("cuppa", "green tea")]
    build(fake_settings)
    answerer = Answerer.from_settings(fake_settings)
    assert answerer.retriever.aliases.expansions("how long do I steep a cuppa?") == ["green tea"]
    assert answerer.ask("how long do I steep a cuppa?").sources[0].doc == "tea-basics"


def test_changing_synonyms_makes_the_index_stale(fake_index: Settings) -> None:
    docs = load_documents(fake_index.corpus_dir)
    assert is_current(fake_index, corpus_hash(docs, settings_text(fake_index.corpus_dir)))
    (fake_index.corpus_dir / "synonyms.txt").write_text("java, coffee\n", encoding="utf-8")
    assert not is_current(fake_index, corpus_hash(docs, settings_text(fake_index.corpus_dir)))


def test_list_answers_fit_a_chat_bubble(fake_index: Settings) -> None:
    a = Answerer.from_settings(fake_index).ask("What are the essential equipment for a grinder?")
    assert a.kind == "list"
    body = a.answer.split("\n\n(Source:")[0]
    items = [line for line in body.splitlines() if line.startswith(("•", "▸"))]
    assert len(items) == 3 and items[0].startswith("▸ Grinder")
    assert all(len(line) <= 200 for line in items[1:]) and "Kettle" in body and "Scale" in body


def test_an_acronym_is_embedded_as_the_long_form_the_corpus_uses(fake_settings: Settings) -> None:
    (fake_settings.corpus_dir / "synonyms.txt").write_text("gt, green tea\nbt, black coffee\n",
                                                           encoding="utf-8")
    build(fake_settings)
    retriever = Answerer.from_settings(fake_settings).retriever
    # The guides say "green tea", never "GT": the question is embedded in their words.
    assert retriever.expand("How long do I steep GT?") == "How long do I steep green tea?"
    assert retriever.expand("how hot for gt") == "how hot for green tea"
    # Only an acronym is rewritten, and only towards a form the corpus says more.
    assert retriever.expand("How long do I steep green tea?") == "How long do I steep green tea?"
    assert retriever.expand("Is BT strong?") == "Is BT strong?"  # "black coffee" is never said


def test_a_name_the_corpus_never_says_is_embedded_as_the_member_it_says(fake_settings: Settings) -> None:
    """"Meta" for "Facebook": the model does not know they name one thing, so a name or acronym
    of an alias group that the guides never use is embedded as the member they use most."""
    (fake_settings.corpus_dir / "synonyms.txt").write_text("sencha, green tea\n", encoding="utf-8")
    build(fake_settings)
    retriever = Answerer.from_settings(fake_settings).retriever
    assert retriever.expand("How long do I steep Sencha?") == "How long do I steep green tea?"
    assert retriever.expand("is SENCHA strong?") == "is green tea strong?"
    # A plain word is left to the model (a group may mix parts of speech), as is a question's
    # first word, capitalised as any first word is.
    assert retriever.expand("how long do I steep sencha?") == "how long do I steep sencha?"
    assert retriever.expand("Sencha: how long?") == "Sencha: how long?"


def test_an_alias_the_corpus_never_says_is_an_unknown_word(fake_settings: Settings) -> None:
    (fake_settings.corpus_dir / "synonyms.txt").write_text("cuppa, green tea\nbrolly, umbrella\n",
                                                           encoding="utf-8")
    build(fake_settings)
    retriever = Answerer.from_settings(fake_settings).retriever
    # "cuppa" is excused: the guides say it as "green tea".
    cuppa, brolly = retriever.search_many(["how long do I steep a cuppa?",
                                           "which brolly should I take to the tea shop?"])
    assert cuppa.unknown == ""
    # Neither "brolly" nor "umbrella" is in any guide: an alias excuses nothing then, and the
    # question reads as asking about something the corpus lacks ("what GPA…" over the seed).
    assert brolly.unknown == "brolly" and brolly.evidence.corpus_cover < 1.0


def test_the_built_in_table_is_pinned_to_its_version() -> None:
    """An index holds the built-in groups as BM25 terms: changing the table without bumping
    BUILT_IN_VERSION would leave every existing index current with stale terms."""
    digest = hashlib.sha256(repr(BUILT_IN).encode()).hexdigest()[:16]
    assert (BUILT_IN_VERSION, digest) == (1, "655dc17fe12f8fe6"), \
        "aliases.BUILT_IN changed: bump BUILT_IN_VERSION, then pin the new digest here"


def test_an_index_built_with_another_built_in_table_is_stale(
        fake_index: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    docs = load_documents(fake_index.corpus_dir)
    digest = corpus_hash(docs, settings_text(fake_index.corpus_dir))
    manifest = fake_index.index_dir / "manifest.json"
    assert json.loads(manifest.read_text())["aliases_version"] == BUILT_IN_VERSION
    assert is_current(fake_index, digest)
    monkeypatch.setattr(indexing, "BUILT_IN_VERSION", BUILT_IN_VERSION + 1)
    assert not is_current(fake_index, digest)
    assert build(fake_index, if_needed=True) is not None  # rebuilt, with the new table's version
    assert json.loads(manifest.read_text())["aliases_version"] == BUILT_IN_VERSION + 1
