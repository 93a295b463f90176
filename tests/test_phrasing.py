"""A chat question's own words: wrappers set aside, the visitor's statements kept as context."""

from __future__ import annotations

import pytest

from internbot.answerer import Answerer
from internbot.config import Settings
from internbot.phrasing import Focused, focus, says_little


@pytest.mark.parametrize("text, question", [
    ("Hi! I was wondering, what math background is required?", "what math background is required?"),
    ("Can you tell me how much ML interns make? Thanks!", "how much ML interns make?"),
    ("hey there, quick question: do I need a PhD?", "do I need a PhD?"),
    ("Sorry if this is a dumb question, but do I need a PhD?", "do I need a PhD?"),
    ("Could you help me? What is the STAR method?", "What is the STAR method?"),
    ("Good evening. I have a question about internships: what is the STAR method?",
     "what is the STAR method?"),
    ("Do you know if Google pays interns?", "Google pays interns?"),
    ("what is the salary thank u", "what is the salary"),
    ("Please tell me about the Google AI Residency", "the Google AI Residency"),
    ("Hmm, would you mind telling me what the STAR method is?", "what the STAR method is?"),
    ("Me and my roommate were wondering: is Python enough?", "is Python enough?"),
])
def test_wrappers_are_set_aside(text: str, question: str) -> None:
    assert focus(text) == Focused(question)


@pytest.mark.parametrize("text", [
    "What is the STAR method? How do I use it?",
    "Is it ok to email professors directly?",
    "What does Dr. Smith say about the U.S. Army?",  # abbreviations end no sentence
    "M.S. or PhD?",
    "As a person gets older, what does the skin produce less of?",  # a clause of time, not a role
    "Being a student is hard, what should I do?",
    "hello", "Thanks!", "I am a PhD student.",  # nothing would be left: the words stay
    "Also, what about Google?",  # a follow-up's cue stays
    "Tell me about Google AI Residency",  # the engine's own suggestions are asked as they are
    "How much land did John Pell. own in total?",  # a question's stray full stop ends nothing
    "In what year did Rev. Elie Prioleau become a pastor?",
    "I know Python, SQL, etc. and more",
])
def test_a_question_without_wrapping_is_left_alone(text: str) -> None:
    assert focus(text) == Focused(text)


def test_statements_beside_the_question_are_its_context() -> None:
    assert focus("I'm a second-year CS student. What should I learn first?") == Focused(
        "What should I learn first?", "I'm a second-year CS student.")
    assert focus("What is the STAR method? I'm asking because my interview is tomorrow.") == Focused(
        "What is the STAR method?", "I'm asking because my interview is tomorrow.")
    # A short clause saying who the visitor is, ahead of the question in the same sentence.
    assert focus("hi, so I'm a bootcamp grad and how much do ML interns make?") == Focused(
        "how much do ML interns make?", "I'm a bootcamp grad")
    assert focus("As someone with no experience, how do I start?") == Focused(
        "how do I start?", "As someone with no experience")
    assert focus("I'm switching careers from finance, is Python enough?") == Focused(
        "is Python enough?", "I'm switching careers from finance")
    # A longer one says what the visitor's situation is, which the question may be about.
    long = "I'm a college student so I can't afford office365, are google docs an ok alternative?"
    assert focus(long) == Focused(long)
    # Statements alone, with no question among them, are the question.
    assert focus("I'd like to know about salaries. And perks.").context == ""
    # A query typed after whole sentences, without a question mark, is the question.
    assert focus("Hello! Long-time lurker here. Define machine learning") == Focused(
        "Define machine learning", "Long-time lurker here.")
    assert focus("Long-time lurker here. Microsoft internship length").question == (
        "Microsoft internship length")
    # In chat, a statement ends at its full stop before a lower-case word too.
    assert focus("Hi, I'm new here. ml intern salary") == Focused("ml intern salary", "I'm new here.")
    assert focus("I just finished my second year. ml internship pay?") == Focused(
        "ml internship pay?", "I just finished my second year.")


@pytest.mark.parametrize("text, question", [
    ("which plotting tools does the guide mention?", "which plotting tools?"),
    ("What does the guide say about salaries?", "What salaries?"),
    ("Does this article talk about visas?", "visas?"),
    ("According to the guide, what GPA do I need?", "what GPA do I need?"),
    ("Which Python libraries are listed in this post?", "Which Python libraries are listed?"),
    ("Hi! Is Kaggle covered in the guide? Thanks", "Is Kaggle covered?"),
    ("Does the guide recommend Kaggle?", "Kaggle?"),
    ("Does the article have any tips on networking?", "networking?"),
])
def test_naming_the_guide_itself_is_set_aside(text: str, question: str) -> None:
    assert focus(text) == Focused(question)


@pytest.mark.parametrize("text, question", [
    # A guide's author is its "I": its story is told in the first person.
    ("What mistakes did the author make looking for an internship?",
     "What mistakes did I make looking for an internship?"),
    ("what was the author's day to day as an intern?", "what was my day to day as an intern?"),
])
def test_the_author_of_the_guide_is_its_first_person(text: str, question: str) -> None:
    assert focus(text) == Focused(question)


@pytest.mark.parametrize("text", [
    "What does the guide cover?",  # nothing else names a topic: the words stay
    "What is this guide about?",
    "Who is the author?",
    "Who was the author of the Principia?",  # someone else's author
    "What is located on the site of The Weaving House currently?",
    "How can I copy just the text from gmail?",
])
def test_a_question_about_the_guide_or_other_texts_keeps_its_words(text: str) -> None:
    assert focus(text) == Focused(text)


def test_a_question_of_everyday_words_says_little() -> None:
    assert says_little("What are my options?") and says_little("Is there a faster way?")
    assert not says_little("What is the salary of a data scientist?")


def test_a_wrapped_question_gets_the_plain_question_s_answer(fake_index: Settings) -> None:
    answerer = Answerer.from_settings(fake_index)
    for plain, wrapped in [
        ("How much coffee should I use per cup?",
         "Hi! Quick question: How much coffee should I use per cup? Thanks a lot!"),
        # A question naming its own topic is asked alone, without the visitor's statement.
        ("How long do I steep green tea?", "I'm new to brewing at home. How long do I steep green tea?"),
    ]:
        got, alone = answerer.ask(wrapped), answerer.ask(plain)
        assert got.question == wrapped  # the visitor's words are echoed as they were
        assert (got.answer, got.confidence) == (alone.answer, alone.confidence)


def test_the_visitor_s_statements_answer_a_question_that_points_at_them(fake_index: Settings) -> None:
    answerer = Answerer.from_settings(fake_index)
    joined = answerer.ask("I drink green tea. How long do I steep it?")
    assert joined.sources[0].doc == "tea-basics"


def test_the_visitor_s_statements_never_turn_an_answer_into_i_don_t_know(fake_index: Settings) -> None:
    answerer = Answerer.from_settings(fake_index)
    for question in ("How hot should the water be?", "What water is best?", "How much should I use?"):
        assert says_little(question)  # so the visitor's statement is joined to it first…
        plain = answerer.ask(question)
        for intro in ("Long-time lurker here.", "Greetings from a sleepy hobbyist astronomer."):
            got = answerer.ask(f"{intro} {question}")
            # …but the joined reading abstains, and the plain question has its answer.
            assert got.answered and (got.answer, got.confidence) == (plain.answer, plain.confidence)
