"""Typos and chat shorthand: what the spellers undo, and what they leave as typed."""

from __future__ import annotations

from internbot.config import Settings
from internbot.lexical import BM25
from internbot.spelling import english, is_transposition, rarity
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
