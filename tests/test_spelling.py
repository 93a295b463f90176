"""Typos and chat shorthand: what the spellers undo, and what they leave as typed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from internbot.config import Settings
from internbot.lexical import BM25, LexicalBuilder
from internbot.spelling import Speller, english, false_starts, is_transposition, rarity
from internbot.tokens import misspelt_stopword

BM = BM25.build(["Apply early to the OpenAI internship.", "Interns learn causal inference.",
                 "Ask your mentor for feedback on your resume."])


def test_neighbouring_letters_swapped_are_corrected_even_in_a_short_word() -> None:
    """difflib rates a swap in a six-letter word 0.83, under the speller's cutoff, so "itnern"
    and "oepnai" were words the corpus lacks, as foreign as "lasagna"."""
    for typed, meant in (("itnerns", "interns"), ("oepnai", "openai"), ("mnetor", "mentor")):
        terms, unknown = BM.analyse(f"should I ask the {typed}")
        assert unknown == [] and BM.speller.surface.get(meant) in terms, typed


def test_a_real_word_is_taken_as_typed() -> None:
    assert is_transposition("casual", "causal")
    assert BM.analyse("casual dress code")[1] == ["casual", "dress", "code"]


def test_an_everyday_word_is_not_read_as_a_corpus_word_an_edit_away() -> None:
    """"rust" is no "trust" and "bread" no "read": the corpus lacking an everyday word is
    what says the question is about something else ("how do I bake banana bread?"). A slip,
    even one everyday writing often makes ("definately"), is still corrected."""
    bm = BM25.build(["Trust your team.", "Read the docs first.", "Interns are definitely paid."])
    assert bm.analyse("should interns trust Rust?")[1] == ["rust"]
    assert bm.analyse("how do I bake banana bread?")[1] == ["bake", "banana", "bread"]
    assert bm.analyse("are interns definately paid?")[1] == []
    assert bm.speller.respelt("rust") is None and bm.speller.respelt("definately") is not None


def test_a_misspelt_stopword_is_a_stopword() -> None:
    assert misspelt_stopword("wihch") == "which" and misspelt_stopword("sohuld") == "should"
    assert misspelt_stopword("form") is None  # an English word, not "from" mistyped
    assert BM.analyse("Sohuld I apply early?") == BM.analyse("Should I apply early?")


def test_a_misspelt_word_the_corpus_lacks_is_as_rare_as_the_word_meant() -> None:
    """"backgrond" is no rarer than "background": as an unknown word it weighs as the word
    meant, not as an unseen one (which says "off topic")."""
    assert english("backgrond") == "background" and english("dfeine") == "define"
    assert rarity("backgrond") == rarity("background") < 0.6
    assert english("payed") is None and english("lasagna") is None  # English words as typed
    assert english("smth") is None  # too short to guess: "smith"?


def test_chat_shorthand_reads_as_the_words_it_stands_for() -> None:
    """"tbh" is an aside, not "to be honest", whose "honest" would search for "hone"."""
    assert BM.analyse("tbh hw much are interns paid lol") == BM.analyse("how much are interns paid")
    assert BM.analyse("ppl") == BM.analyse("people")


def test_the_embedded_question_is_respelt(fake_index: Settings) -> None:
    from internbot import index as store
    from internbot.embedder import load_embedder
    from internbot.retriever import Retriever

    retriever = Retriever(store.load(fake_index.index_dir), load_embedder(fake_index))
    assert retriever.expand("Sohuld I buy a grnider?") == "should I buy a grinder?"
    assert retriever.expand("hw do I brew coffee tbh") == "how do I brew coffee"
    assert retriever.expand("is a casual kettle ok") == "is a casual kettle ok"
    for kept in ("Is R or Python better for brewing?", "Which U.S. kettle lol-proof?"):
        assert retriever.expand(kept) == kept  # "r", "u" are no shorthand; parts stay


def _model(meanings: dict[str, str]) -> Callable[[list[str]], np.ndarray]:
    """A fake model: a word's vector is its meaning's (itself unless `meanings` says), so words
    of one meaning have cosine 1 and any two others 0."""
    ids: dict[str, int] = {}

    def encode(texts: list[str]) -> np.ndarray:
        rows = [ids.setdefault(meanings.get(t, t), len(ids)) for t in texts]
        return np.eye(max(rows) + 1, dtype=np.float32)[rows]

    return encode


def test_an_everyday_word_is_read_as_a_longer_corpus_word_only_if_it_means_the_same() -> None:
    """"free" in "free lunch" is no "freelancers" (it sent "are there free courses?" to the
    freelancing bullet); "meet" still finds "meetups" and "math" "mathematics"."""
    builder = LexicalBuilder()
    for text in ("Some work as freelancers.", "Go to meetups.", "Learn mathematics."):
        builder.add(text)
    bm = builder.finish(_model({"meet": "meet", "meetups": "meet", "math": "math",
                                "mathematics": "math"}))
    assert bm.speller.false_starts == {"free"}
    terms, unknown = bm.analyse("free lunch for interns")
    assert "free" in unknown and bm.speller.surface["freelancers"] not in terms
    assert bm.speller.surface["meetups"] in bm.analyse("where can I meet people")[0]
    assert bm.speller.surface["mathematics"] in bm.analyse("how much math")[0]
    # Without a model every such reading stays, as before the list existed.
    assert BM25.build(["Some work as freelancers."]).speller.correct("free") is not None


def test_only_everyday_words_the_corpus_lacks_are_judged() -> None:
    readings = Speller({"freelancers": "freelanc", "ujazdowski": "ujazdowski", "free": "free",
                        "mathematics": "mathemat"}).prefix_readings(lambda w: False)
    assert readings == {"math": "mathematics"}  # "free" is a corpus word; "ujazdow" no English one
    assert false_starts({"free": "freelancers"}, _model({})) == ["free"]
    assert false_starts({}, _model({})) == []


def test_false_starts_are_saved_with_the_lexical_index(tmp_path: Path) -> None:
    builder = LexicalBuilder()
    builder.add("Some work as freelancers.")
    builder.finish(_model({})).save(tmp_path)
    assert BM25.load(tmp_path).speller.false_starts == {"free"}
    (tmp_path / "false_starts.json").unlink()  # an index from before calibration 14
    assert BM25.load(tmp_path).speller.false_starts == frozenset()


def test_an_index_build_judges_its_corpus_words(fake_index: Settings) -> None:
    starts = json.loads((fake_index.index_dir / "lexical" / "false_starts.json").read_text())
    assert isinstance(starts, list) and starts == sorted(starts)
