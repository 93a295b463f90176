"""Questions asking for an amount, and passages stating one (the `unstated` evidence)."""

from __future__ import annotations

import numpy as np
import pytest

from internbot.amounts import asks_amount, listed, states_amount, unstated
from internbot.config import Settings


@pytest.mark.parametrize("question", [
    "What is the salary of a data scientist?",
    "What GPA does Google require for interns?",
    "what's the average pay for a junior developer?",
    "How many vacation days do interns get?",
    "how much do ML interns make?",
    "How much is the housing stipend?",
    "What's the acceptance rate for the Google AI Residency?",
    "What is the tuition for a master's in machine learning?",
    "What score do I need on the GRE?",
    "What SAT score do I need?",
    "What starting salary do ML interns get?",
    "What's the minimum age for a Google internship?",
    "What percentage of interns get return offers?",
])
def test_questions_asking_for_an_amount(question: str) -> None:
    assert asks_amount(question)


@pytest.mark.parametrize("question", [
    "How much does my GPA matter?",  # a degree
    "Does my GPA matter more than side projects?",  # yes or no
    "Which companies pay the most?",  # companies, not a sum
    "How much experience do I need?",
    "What is steady income?",  # a definition
    "What is the number one skill recruiters look for?",
    "What is income?",  # a definition
    "Which firms rate interns highly?",
    "Besides salary, what benefits might an intern package include?",
])
def test_questions_asking_for_something_else(question: str) -> None:
    assert not asks_amount(question)


def test_a_proportion_asked_needs_a_share_stated() -> None:
    rate = "What is the acceptance rate of the FAIR internship?"
    assert unstated(rate, "The FAIR internship program offers a 12-week immersive experience.")
    assert not unstated(rate, "Only 5.3% of applicants are admitted.")
    assert not unstated(rate, "About one in four applicants gets an offer.")
    assert not unstated("What was the ratio of settlers to soldiers?", "They were outnumbered 20 to 1.")
    assert not unstated("What proportion were Protestant?", "About one-eighth of the population.")
    # Asking what a rate is: the passage that defines it names it.
    assert not unstated("What is the time rate of change of electric charge?",
                        "Electric current is defined as the time rate of change of electric charge.")
    # Any figure answers an amount that is not a share; a question asking for none is never unstated.
    assert not unstated("How many weeks does it last?", "A 12-week program.")
    assert unstated("How many weeks does it last?", "An immersive program.")
    assert not unstated("What is steady income?", "No figure here.")


def test_a_count_of_time_needs_that_unit_counted() -> None:
    days = "How many vacation days do software engineers get at Microsoft?"
    assert unstated(days, "With a typical duration of 12 to 16 weeks, interns work closely with experts.")
    assert not unstated(days, "Engineers get a few days off, and 20 days of vacation after a year.")
    assert unstated("How many hours a week do ML interns work?", "The FAIR internship lasts 12 weeks.")
    assert not unstated("How many weeks is the FAIR internship?", "It offers a 12-week immersive experience.")
    # A date tells a number of years.
    assert not unstated("How many years have these practices existed?", "They began around 1700.")
    assert unstated("How many months did it take to write?", "He wrote it in Rotterdam.")


def test_a_date_asked_needs_a_date_stated() -> None:
    deadline = "What is the deadline for Google's machine learning internship applications?"
    assert unstated(deadline, "Renowned tech giants like Google offer prestigious programs.")
    assert not unstated(deadline, "Applications close on October 15th.")
    assert not unstated("In what month does recruiting start?", "The season kicks off in August.")
    assert not unstated("In what year was it founded?", "It was founded in 911.")
    assert not unstated("What day of the week is it held?", "It is held on Wednesdays.")
    assert unstated("What year was the Google AI Residency founded?", "A year-long program.")
    assert unstated("By what month do companies finish recruiting?",
                    "Interns earn $6,000 to $10,000 per month.")
    assert not unstated("What year of college should I apply?", "Many apply in their junior year.")
    assert not unstated("What is a good portfolio project?", "No date here.")  # asks for none


def test_a_sum_of_money_asked_needs_money_stated() -> None:
    """"How much do interns make at Shopify?" over "my two internships… at Shopify" is not
    answered by the "two"; a figure in money, or "free", is."""
    pay = "How much do software engineering interns make at Shopify?"
    assert unstated(pay, "I have had two internships, and I am now at my last one at Shopify.")
    assert not unstated(pay, "Interns at top companies earn $6,000 to $10,000 per month.")
    assert not unstated("What is the average salary of an intern?", "About 80k a year.")
    assert not unstated("How much does it cost to attend?", "Admission is free to the public.")
    assert not unstated("How many interns pay tuition?", "Two of them.")  # a count, not money


def test_what_states_an_amount() -> None:
    assert states_amount("Interns earn $8,000 a month.") and states_amount("It takes three minutes.")
    assert states_amount("A few solid projects are enough.")
    assert not states_amount("Data scientists analyse data and build models.")


def test_an_amount_the_top_passage_does_not_state_is_evidence(fake_index: Settings) -> None:
    from internbot.answerer import Answerer

    retriever = Answerer.from_settings(fake_index).retriever
    stated, silent, other = retriever.search_many([
        "How many minutes does a French press steep?",  # "for four minutes"
        "What is the price of a gooseneck kettle?",  # the kettle passage names no price
        "What is a gooseneck kettle?",
    ])
    assert stated.evidence.unstated == 0.0 and "four minutes" in stated.hits[0].chunk.text
    assert silent.evidence.unstated == 1.0 and "gooseneck" in silent.hits[0].chunk.text.lower()
    assert other.evidence.unstated == 0.0


def test_the_unstated_weight_is_fitted_on_the_amount_probes_alone() -> None:
    """The main fit never sees the feature; its own fit leaves every other weight as it was,
    and learns a weight only when the amount probes tell the classes apart."""
    from dataclasses import replace

    from internbot.answerability import FEATURES, fit, fit_unstated

    rng = np.random.default_rng(2)
    col = FEATURES.index("unstated")

    def rows(n: int, mean: float, unstated: float) -> np.ndarray:
        x = rng.normal(mean, 0.1, (n, len(FEATURES)))
        x[:, col] = rng.random(n) < unstated
        return x

    base = fit(rows(300, 0.7, 0.0), rows(300, 0.3, 0.0))
    base = replace(base, weights=tuple(0.0 if i == col else w for i, w in enumerate(base.weights)))
    told = fit_unstated(base, rows(100, 0.6, 0.1), rows(100, 0.6, 0.9))
    same = fit_unstated(base, rows(100, 0.6, 0.5), rows(100, 0.6, 0.5))
    assert told.weights[col] < -1.0 and abs(same.weights[col]) < 0.5
    keep = [i for i in range(len(FEATURES)) if i != col]
    assert [told.weights[i] for i in keep] == [base.weights[i] for i in keep]
    assert told.bias == base.bias


def test_amount_probes_come_from_passages_with_and_without_a_figure(fake_index: Settings) -> None:
    from internbot.answerer import Answerer
    from internbot.probes import make_probes

    retriever = Answerer.from_settings(fake_index).retriever
    probes = make_probes(retriever.chunks, retriever.bm25, "seed")
    assert probes.amount_in and probes.amount_off
    assert all(asks_amount(q) for q in probes.amount_in + probes.amount_off)
    assert not set(probes.amount_in) & set(probes.in_scope)


@pytest.mark.parametrize("question, listing, stated", [
    ("How many mistakes did Tatiana make?", "My mistakes were", True),
    ("How many hard skills do ML interns need?", "Key Hard Skills & Qualifications Needed", True),
    ("how many internships are there?", "Best Internships in Machine Learning", True),
    # The list names something else, or only in the singular ("intern" is not "interns").
    ("How many interns does Google hire?", "Best Internships in Machine Learning", False),
    ("how many machine learning interns?", "Characteristics of a Machine Learning Intern", False),
    ("How many mistakes did Tatiana make?", "", False),
    ("What are the mistakes?", "My mistakes were", False),
])
def test_a_count_of_what_a_list_names_is_stated_by_the_list(question: str, listing: str,
                                                              stated: bool) -> None:
    assert listed(question, listing) is stated
    if asks_amount(question):  # the passage itself states no figure
        assert unstated(question, "Not starting until the spring", listing) is not stated


def test_a_passage_names_its_list() -> None:
    from internbot.records import Chunk

    bullet = Chunk("g#1", "g", "Guide", ("Landing", "My mistakes were"), "bullet", "Not starting early",
                   ("Not starting early",))
    lead = Chunk("g#0", "g", "Guide", ("Traits",), "paragraph", "Interns share these traits:",
                 ("Interns share these traits:",))
    plain = Chunk("g#2", "g", "Guide", ("Traits",), "paragraph", "Interns learn fast.",
                  ("Interns learn fast.",))
    assert bullet.listing == "Landing My mistakes were"
    assert lead.listing == "Interns share these traits:" and plain.listing == ""


def test_a_count_of_something_else_is_not_told_by_time_or_money() -> None:
    fair = "The FAIR internship program offers a 12-week immersive experience in research."
    assert unstated("How many interns does FAIR hire each summer?", fair)
    assert unstated("How many people apply?", "Interns earn $6,000 to $10,000 per month, or 80k a year.")
    assert not unstated("How many companies did you apply to?", "I applied to over 60 companies in 3 months.")
    # A count of time is still told by time, and a figure beside one still counts.
    assert not unstated("How many weeks is the FAIR internship?", fair)
    assert not unstated("How many projects should I show?", "Pick 2-5 projects; it takes a few weeks.")
