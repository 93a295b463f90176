"""Answerer behaviour with the fake embedder: contract, small talk, validation, several documents."""

from __future__ import annotations

import pytest
from conftest import BlurredEmbedder, CountingEmbedder, markdown_answerer, tiny_answerer

from internbot import conversation, smalltalk
from internbot.answerer import Answerer, is_follow_up
from internbot.config import Settings
from internbot.errors import QuestionError
from internbot.records import Query
from internbot.shaping import points_back
from internbot.sourcing import distinct


@pytest.fixture
def answerer(fake_index: Settings) -> Answerer:
    return Answerer.from_settings(fake_index)


@pytest.mark.parametrize("text, kind", [
    ("hi", "greeting"), ("Hello there!", "greeting"), ("thanks", "thanks"),
    ("ok thank you so much", "thanks"), ("what can you do?", "help"), ("bye", "bye"),
    ("tell me a joke about dogs", None), ("hi, how much do interns make?", None),
    ("What topics does this guide cover?", "help"), ("what does the guide cover", "help"),
    ("what topics are covered?", "help"), ("what does the guide cover about pay?", None),
])
def test_small_talk_classification(text: str, kind: str | None) -> None:
    assert smalltalk.classify(text) == kind


def test_small_talk_is_answered_without_retrieval(answerer: Answerer) -> None:
    a = answerer.ask("hello!")
    assert a.answered and a.kind == "smalltalk" and not a.sources
    assert "coffee" in a.answer.lower() or "brew" in a.answer.lower()


def test_sources_name_their_document_when_several(answerer: Answerer) -> None:
    a = answerer.ask("How long do I steep green tea?")
    assert a.sources and {s.doc for s in a.sources} <= {"coffee-guide", "tea-basics", "water"}
    assert a.sources[0].doc == "tea-basics"
    assert "Tea Basics" in a.answer  # with several documents, the answer names its document


def test_contract_shape(answerer: Answerer) -> None:
    data = answerer.ask("How much coffee should I use per cup?").to_dict()
    assert data["answered"] is True and "16 grams" in data["answer"]
    assert 0 <= data["confidence"] <= 1 and len(data["sources"]) >= 3
    assert all(len(s["text"]) <= 800 for s in data["sources"])
    assert len(data["answer"]) <= 800
    scores = [s["score"] for s in data["sources"]]
    assert scores[1:] == sorted(scores[1:], reverse=True)  # after the answer's own passage


def test_enumerating_question_gets_the_list(answerer: Answerer) -> None:
    a = answerer.ask("What are the popular brewing methods?")
    assert a.kind == "list"
    assert all(m in a.answer for m in ("French Press", "Pour Over", "Espresso"))


def test_out_of_scope_abstains_with_configurable_fallback(fake_index: Settings) -> None:
    from dataclasses import replace

    settings = replace(fake_index, fallback_text="No idea. Try: {topics}")
    a = Answerer.from_settings(settings).ask("zxqv wplk")
    assert not a.answered and a.kind == "fallback" and a.answer.startswith("No idea. Try: ")
    assert a.suggestions  # questions the guides can answer


def test_an_answer_in_the_unsure_band_says_so_first(fake_index: Settings) -> None:
    from dataclasses import replace

    question = "How much coffee should I use per cup?"
    sure = Answerer.from_settings(replace(fake_index, unsure_below=0.0)).ask(question)
    assert sure.answered and not sure.unsure and "16 grams" in sure.answer
    settings = replace(fake_index, abstain_threshold=0.0, unsure_below=sure.confidence + 0.01,
                       unsure_text="Not sure:")
    unsure = Answerer.from_settings(settings).ask(question)
    assert unsure.answered and unsure.unsure and unsure.to_dict()["unsure"] is True
    assert unsure.answer == "Not sure:\n\n" + sure.answer  # the same answer, with the line first
    below = Answerer.from_settings(replace(settings, abstain_threshold=sure.confidence + 0.005))
    refused = below.ask(question)
    assert not refused.answered and not refused.unsure  # abstaining is not answering unsure


def test_the_unsure_band_is_read_from_the_environment() -> None:
    from internbot.errors import InternbotError

    assert Settings.from_env({"INTERNBOT_UNSURE_BELOW": "0"}).unsure_below == 0.0
    assert Settings.from_env({"INTERNBOT_UNSURE_TEXT": "Hmm:"}).unsure_text == "Hmm:"
    with pytest.raises(InternbotError, match="between 0 and 1"):
        Settings.from_env({"INTERNBOT_UNSURE_BELOW": "70"})


@pytest.mark.parametrize("query, message", [
    (Query("   "), "empty"),
    (Query("x" * 1001), "1001 characters"),
    (Query("coffee?", tuple(["q"] * 21)), "21 items"),
])
def test_question_validation(answerer: Answerer, query: Query, message: str) -> None:
    with pytest.raises(QuestionError, match=message):
        answerer.ask_many([query])


def test_batch_equals_single(answerer: Answerer) -> None:
    questions = ["How hot should the water be?", "What is espresso?", "thanks"]
    batch = answerer.ask_many([Query(q) for q in questions])
    assert [a.answer for a in batch] == [answerer.ask(q).answer for q in questions]


@pytest.mark.parametrize("text, expected", [
    ("how long is it?", True), ("what about freelancing?", True), ("and which tools?", True),
    ("How much do ML interns make in the United States per month?", False),
    ("Which company is best?", False),
])
def test_follow_up_detection(text: str, expected: bool) -> None:
    assert is_follow_up(text) is expected


@pytest.mark.parametrize("text, expected", [
    ("how long is it?", True), ("who do interns work with there?", True), ("is that paid?", True),
    ("are there other companies?", False), ("Is there anything about Kaggle?", False),
    ("which one pays the most?", False), ("what about freelancing?", False),
])
def test_a_follow_up_points_back_only_by_a_pronoun(text: str, expected: bool) -> None:
    assert points_back(text) is expected


#: A section whose lead-in paragraph goes on with "By fundamentals, I mean:" and its list.
FUNDAMENTALS = (
    "A Data Guide\nLearn the Fundamentals\n"
    "Before the advanced material, make sure your fundamentals are firmly in place.\n"
    "By fundamentals, I mean:\n  • Statistics: distributions and tests.\n"
    "  • Probability: conditional events.\n  • Linear algebra: vectors and matrices.\n"
    "Find a Mentor\nA mentor reviews your projects and opens doors at companies.\n")


def test_a_question_naming_a_section_gets_the_list_its_text_introduces(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """"What fundamentals should I learn?" over "Learn the Fundamentals" (a paragraph, then
    "By fundamentals, I mean:" over bullets) is answered with that list, not the lead-in alone."""
    answer = tiny_answerer(tmp_path, FUNDAMENTALS).ask("Which fundamentals should I learn?")
    assert answer.kind == "list", answer.answer
    assert all(item in answer.answer for item in ("Statistics", "Probability", "Linear algebra"))


def test_a_plural_asked_in_other_words_gets_the_list_its_passage_introduces(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """"Which basics should I study?" names no heading ("basics", not "fundamentals") but asks
    for a plural: over the lead-in passage, the list its section goes on with answers."""
    from internbot.records import Hit

    answerer = tiny_answerer(tmp_path, FUNDAMENTALS)
    chunks = answerer.retriever.chunks
    lead = next(c for c in chunks if c.text.startswith("Before the advanced"))
    mentor = next(c for c in chunks if "mentor" in c.text)
    ranked = [Hit(lead, 1.6), Hit(mentor, 1.0)]
    chunk, kind = answerer.composer.choose("Which basics should I study first?", ranked)
    assert kind == "list" and "Probability" in chunk.text, chunk.text


def test_a_fact_question_naming_a_list_section_gets_the_passage(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """"How hard is contributing to open source?" says most of the heading "How to get involved
    with open source", whose section holds a list of projects, but asks about one fact: the passage that
    says how hard it is answers, not the list. A question after the list still gets it."""
    text = (
        "A Developer Guide\nHow to get involved with open source\n"
        "Contributing to open source is hard to get into at first, but maintainers welcome"
        " beginners who read the contributing guide.\n"
        "I recommend some of the bigger projects here.\n  • freeCodeCamp: the curriculum and translations.\n"
        "  • Strapi: a headless CMS written in Node.js.\n  • React: the most popular framework.\n"
        "Find a Mentor\nA mentor reviews your projects and opens doors at companies.\n")
    answerer = tiny_answerer(tmp_path, text)
    answer = answerer.ask("How hard is contributing to open source?")
    assert answer.kind == "passage" and "hard to get into" in answer.answer, answer.answer
    # Also after what the visitor says first.
    led = answerer.ask("I am new to coding, how hard is contributing to open source?")
    assert led.kind == "passage" and "hard to get into" in led.answer, led.answer
    listed = answerer.ask("What are the open source projects to get involved in?")
    assert listed.kind == "list", listed.answer


def test_a_question_asking_how_gets_the_entry_that_says_how_not_its_list(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """"How do I get started contributing to open source?" says the headings above a list of
    projects, but asks for a way: the entry's own text, which says how, answers. "Which open
    source projects…" still gets the list."""
    from internbot.records import Hit

    text = (
        "# A Developer Guide\n\n## Contribute to Open Source Projects\n\n"
        "This can be a hard one to get into as a beginner.\n\n"
        "### How to get involved with open source\n\n"
        "You can start by finding projects on GitHub, then read the open issues and the"
        " contributor's guideline.\n\n"
        "I recommend some of the bigger projects here.\n\n- freeCodeCamp: the curriculum.\n"
        "- Strapi: a headless CMS.\n- React: the most popular framework.\n\n")
    answerer = markdown_answerer(tmp_path, text)
    entry = next(c for c in answerer.retriever.chunks if c.kind == "item")
    projects = next(c for c in answerer.retriever.chunks if c.kind == "list")
    strapi = next(c for c in answerer.retriever.chunks if c.label == "Strapi")
    ranked = [Hit(entry, 1.9), Hit(projects, 1.7), Hit(strapi, 1.5)]
    chunk, kind = answerer.composer.choose("How do I get started contributing to open source?", ranked)
    assert (chunk, kind) == (entry, "passage")
    chunk, kind = answerer.composer.choose("Which open source projects are worth contributing to?", ranked)
    assert (chunk, kind) == (projects, "list")


def test_a_counter_example_never_answers_alone(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """"How do I show leadership on my resume?" ranked the section's "Bad Example: …" bullet
    first (it says "coding event" and "school club"); a counter-example shows what not to do,
    so the passage that says what to do answers."""
    from internbot.records import Hit

    text = (
        "# A Resume Guide\n\n## Highlight Leadership\n\n"
        "Enumerate instances where you led teams or organized events.\n\n"
        "- Good Example: Organized a local hackathon with 100 participants.\n"
        "- Bad Example: Participated in a coding event. Member of a school club.\n\n")
    answerer = markdown_answerer(tmp_path, text)
    by_label = {c.label: c for c in answerer.retriever.chunks if c.label}
    lead = next(c for c in answerer.retriever.chunks if c.text.startswith("Enumerate"))
    ranked = [Hit(by_label["Bad Example"], 1.3), Hit(lead, 1.2), Hit(by_label["Good Example"], 1.1)]
    chunk, _ = answerer.composer.choose("How do I show leadership on my resume?", ranked)
    assert chunk == lead


def test_a_list_item_that_only_names_something_answers_with_its_list(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """"Can my professors help me find an internship?" best matches the bullet "Professors",
    which alone says nothing: its list answers, that item marked first."""
    from internbot.records import Hit

    text = (
        "# A Networking Guide\n\n## Using Connections\n\n"
        "Here is a summary of people you can reach out to for a referral:\n\n"
        "- Alumni who work at the company you want\n- Friends who interned there\n- Professors\n\n")
    answerer = markdown_answerer(tmp_path, text)
    professors = next(c for c in answerer.retriever.chunks if c.text == "Professors")
    people = next(c for c in answerer.retriever.chunks if c.kind == "list")
    chunk, kind = answerer.composer.choose("Can my professors help me find an internship?",
                                           [Hit(professors, 1.2), Hit(people, 1.0)])
    assert (chunk, kind) == (people, "list")
    shown = answerer.composer.list_text(people, [Hit(professors, 1.2)], 800)
    assert "▸ Professors" in shown, shown


def test_a_plural_asked_for_gets_the_list_unless_the_best_item_is_about_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """"What pages should go on my website?" asks for the pages: the section's list answers,
    not a paragraph that ranks best after it. "What algorithms should I know?" is answered by
    the item about algorithms, and "Which data visualization libraries…" by the item it names."""
    from internbot.records import Hit

    text = (
        "# A Portfolio Guide\n\n## Your Website\n\nA website should have these pages:\n\n"
        "- About Page: who you are.\n- Portfolio Page: your best projects.\n"
        "- Contact Page: how to reach you.\n\n"
        "## Skills\n\nThese skills matter:\n\n"
        "- Machine Learning Algorithms: decision trees, neural networks and support vector machines.\n"
        "- Data Visualization: tools like Matplotlib or Seaborn.\n- Statistics: tests and distributions.\n\n"
        "## Find a Mentor\n\nA mentor reviews your website and your projects.\n")
    answerer = tiny_answerer(tmp_path, text, name="guide.md")
    chunks = answerer.retriever.chunks
    pages = next(c for c in chunks if c.kind == "list" and c.section == ("Your Website",))
    skills = next(c for c in chunks if c.kind == "list" and c.section == ("Skills",))
    mentor = next(c for c in chunks if c.text.startswith("A mentor"))
    by_label = {c.label: c for c in chunks if c.label}
    chunk, kind = answerer.composer.choose("What pages should go on my website?",
                                           [Hit(pages, 1.5), Hit(mentor, 1.2)])
    assert (chunk, kind) == (pages, "list")
    algorithms = by_label["Machine Learning Algorithms"]
    chunk, kind = answerer.composer.choose("What algorithms should I know?",
                                           [Hit(algorithms, 1.5), Hit(skills, 1.2)])
    assert (chunk, kind) == (algorithms, "passage")
    charts = by_label["Data Visualization"]
    chunk, kind = answerer.composer.choose("Which data visualization libraries should I use?",
                                           [Hit(charts, 1.5), Hit(skills, 1.2)])
    assert (chunk, kind) == (charts, "passage")


def test_evidence_spread_over_a_list_gets_the_list(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """When most of the best passages are items of one list and the question names none of them,
    it asks about the list: the answer is the list, the best item first and in full."""
    text = (
        "An Intern's Week\nInside the Internship\n"
        "We worked for a retail client on customer churn all summer long.\n"
        "My responsibilities were:\n"
        "  • Meetings: daily intern work started with a team meeting about the churn model.\n"
        "  • Research: daily intern work meant reading papers on churn models.\n"
        "  • Coding: daily intern work was coding churn models in Python.\n"
        "  • Slides: daily intern work ended with slides for the client.\n"
        "Finding a Mentor\nA mentor reviews your projects and opens doors at companies.\n")
    answerer = tiny_answerer(tmp_path, text)
    answer = answerer.ask("What was the daily intern work?")
    assert answer.kind == "list", answer.answer
    assert all(item in answer.answer for item in ("Meetings", "Research", "Coding", "Slides"))
    assert answer.answer.count("▸") == 1
    # The list the answer shows is its first source, though its items rank above it.
    assert answer.sources[0].text.count("• ") == 4, answer.sources
    assert len({s.chunk for s in answer.sources}) == len(answer.sources)
    # A question naming one item gets that item.
    named = answerer.ask("What did the daily intern work in Coding involve?")
    assert named.kind == "passage" and "Python" in named.answer, named.answer


def test_a_trimmed_answer_keeps_the_sentence_that_goes_on_about_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """"This is called…" after the answering sentence is its continuation, kept before other
    neighbours even when the budget is tight; `refers_back` sees past an opening bracket."""
    from dataclasses import replace

    from internbot.shaping import Policy, refers_back

    assert refers_back("(It has been adapted as a restaurant.)") and refers_back("This is called X.")
    assert not refers_back("Derived from Channing, these convictions spread.")
    # "All of this…" and "Questions like these…" point back too (item 82).
    assert refers_back("All of this set the stage for Merit's role.")
    assert refers_back("All this compares well.")
    assert refers_back("Questions like these can be a great way to learn.")
    assert not refers_back("Allison set the stage.") and not refers_back("All interns like this city.")
    filler = " ".join(f"Sentence {n} of the survey covers regional weather station number {n}."
                      for n in range(8))
    text = ("Immunity\nDefence\n" + filler + " The immune system identifies and eliminates tumors. "
            "This is called immune surveillance. " + filler + "\n")
    answerer = tiny_answerer(tmp_path, text, policy=replace(Policy(), trim_budget=60))
    answer = answerer.ask("How does the immune system identify and eliminate tumors?")
    assert "eliminates tumors" in answer.answer and "immune surveillance" in answer.answer, answer.answer
    assert "station number 3" not in answer.answer  # trimmed: the budget holds no neighbour


def test_an_answer_that_only_leads_in_goes_on(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """"…which I learned from my mistakes:" is followed by the list it introduces, and
    "Let's look at the differences." by the passage after it, not left hanging."""
    from internbot.shaping import points_ahead

    assert points_ahead("Let’s delve into their distinctions.") and points_ahead("Here are four:")
    assert not points_ahead("Internships are short.")
    text = (
        "Landing an Internship\n"
        "After my failed search I came up with four takeaways on internship hunting:\n"
        "  • Start early\n  • Use connections\n  • Practise interviews\n  • Build side projects\n"
        "Jobs and Internships\n"
        "Choosing between a paid job and an internship matters. Let's look at the differences.\n"
        "An internship lasts a few months, while a job is a long-term engagement with a salary.\n")
    answerer = tiny_answerer(tmp_path, text)
    takeaways = answerer.ask("What takeaways on internship hunting came after the failed search?")
    assert takeaways.kind == "passage" and "four takeaways" in takeaways.answer, takeaways.answer
    assert all(item in takeaways.answer for item in ("Start early", "Use connections", "Build side projects"))
    choice = answerer.ask("Choosing between a paid job and an internship?")
    assert "Let's look at the differences." in choice.answer and "long-term engagement" in choice.answer


def test_a_signpost_answers_with_what_it_announces(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """"In this section, we will cover…" matches the question best but says nothing: the answer is
    the list it announces; a signpost announcing nothing at hand gives way to a passage that says
    something; a question about the text itself still gets the signpost's words."""
    from internbot.shaping import about_the_text, only_points_ahead

    assert only_points_ahead(("In this section, we will cover ways of finding internships.",))
    assert not only_points_ahead(("Job boards list internships.",)) and not only_points_ahead(())
    assert about_the_text("What does this guide cover?") and not about_the_text("Where are jobs?")
    text = (
        "A Data Guide\nHere are the hacks that helped me find data science internships.\n"
        "Finding Data Science Internships\n"
        "In this section, we will cover ways of finding data science internships.\n"
        "  • Job Boards: LinkedIn and Glassdoor post openings every week.\n"
        "  • Referrals: classmates who interned can refer you to a recruiter.\n"
        "  • Career Services: the university office keeps a list of employers.\n"
        "Find a Mentor\nA mentor helps you find data science internships by opening doors.\n")
    answerer = tiny_answerer(tmp_path, text)
    where = answerer.ask("Ways of finding data science internships?")
    assert where.kind == "list" and "Job Boards" in where.answer and "Referrals" in where.answer, where.answer
    hacks = answerer.ask("What hacks helped you find data science internships?")
    assert "Here are the hacks" not in hacks.answer, hacks.answer
    about = answerer.ask("What does this section cover about finding data science internships?")
    assert "we will cover" in about.answer, about.answer


def test_a_question_the_guide_suggests_asking_answers_with_its_list(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A bullet that is itself a question ("What is the culture like at your company?")
    answers nothing alone: the answer is its list, that bullet marked. A bullet that answers
    is still the answer."""
    text = (
        "Landing an Internship\nPhone Calls With Engineers\n"
        "Here are the questions I asked engineers during every phone call:\n"
        "  • What is the culture like at your company?\n"
        "  • Is there an emphasis on work-life balance?\n"
        "  • What is your team working on?\n"
        "Starting Early\nThe recruiting season for big companies ends by December.\n"
        "Reasons to Start Early\n"
        "  • Deadlines: big companies close applications by December.\n"
        "  • Competition: fewer applicants apply in August.\n")
    answerer = tiny_answerer(tmp_path, text)
    asked = answerer.ask("What is the culture like at your company?")
    assert asked.kind == "list" and "▸ What is the culture like" in asked.answer, asked.answer
    assert "work-life balance" in asked.answer and "questions I asked" in asked.answer, asked.answer
    told = answerer.ask("When do big companies close applications?")
    assert told.kind != "list" and "Deadlines" in told.answer, told.answer


def test_the_step_after_or_before_a_named_one_answers(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """"What comes after the action?" matches the "Action" item best, but asks for the item
    after it in its list; "before" asks for the one before. A question naming no item of a
    list is answered as before."""
    from internbot.shaping import next_to

    assert next_to("What comes after the action in STAR?") == (1, "action in STAR")
    assert next_to("which step is before the task?") == (-1, "task")
    assert next_to("What comes after the internship?") == (1, "internship")
    assert next_to("What happened after 1066?") is None and next_to("How do I start?") is None
    text = (
        "Interview Guide\nThe STAR Method\nAnswer behavioural questions with the STAR method:\n"
        "  • Situation: describe the context you worked in.\n"
        "  • Task: explain the challenge you faced.\n"
        "  • Action: detail the steps you took to solve it.\n"
        "  • Result: share the outcome, with numbers where you can.\n"
        "After the Interview\nSend a thank-you note to your interviewer within a day.\n")
    answerer = tiny_answerer(tmp_path, text)
    after = answerer.ask("What comes after the action in the STAR method?")
    assert after.answer.startswith("Result: share the outcome"), after.answer
    before = answerer.ask("Which step comes before the task?")
    assert before.answer.startswith("Situation: describe"), before.answer
    last = answerer.ask("What comes after the result?")  # the last item: no next one, itself
    assert "Result" in last.answer, last.answer
    named = answerer.ask("What comes after the situation in an interview?")
    assert named.answer.startswith("Task: explain"), named.answer
    note = answerer.ask("What should I do after the interview?")
    assert "thank-you note" in note.answer, note.answer
    # Bullets without labels are members one passage each.
    plain = tiny_answerer(tmp_path / "plain", (
        "Internship Guide\nMy Takeaways\nI learned four things from my mistakes:\n"
        "  • Start early\n  • Grow your network\n  • Prepare for technical interviews\n"
        "  • Build side projects\nClosing\nGood luck with your search this year.\n"))
    second = plain.ask("What comes after start early in the takeaways?")
    assert second.answer.startswith("Grow your network"), second.answer
    # Numbered entries: the next entry is found past the named one's own bullets.
    entries = tiny_answerer(tmp_path / "entries", (
        "Internship Guide\nBest Programs\nHere are the programs worth applying to.\n"
        "1. Google Residency:\nA year of research with Google scientists.\n"
        "  • Mentors: every resident has two.\n  • Papers: most residents publish one.\n"
        "2. Microsoft Internship:\nTwelve weeks on a product team in Redmond.\n"
        "3. OpenAI Internship:\nResearch on large models with a small team.\n"
        "Applying\nSend your resume in the fall.\n"))
    after = entries.ask("Which program comes after the Google Residency?")
    assert after.answer.startswith("Microsoft Internship"), after.answer
    before = entries.ask("Which program comes before the OpenAI Internship?")
    assert before.answer.startswith("Microsoft Internship"), before.answer


def test_a_place_in_a_list_answers_with_that_member(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """"What is the last step?" and "step 2" get that member of the list answering, whether the
    list, one of its members or the passage leading into it came first; a list of numbered
    steps shows each step's name, not only "Step 1"."""
    from test_members import GUIDE

    answerer = tiny_answerer(tmp_path, GUIDE, name="guide.md")
    steps = answerer.ask("What are the steps of how to land one?")
    assert steps.kind == "list" and "• Step 2: Network with Intent" in steps.answer, steps.answer
    assert "• Step 2\n" not in steps.answer, steps.answer
    last = answerer.ask("What is the last step of how to land one?")
    assert last.answer.startswith("Step 3: Research Companies"), last.answer
    second = answerer.ask("What is step 2 of how to land one?")
    assert second.answer.startswith("Step 2: Network with Intent"), second.answer
    trait = answerer.ask("What is the second trait good interns share?")
    assert trait.answer.startswith("Grit"), trait.answer


def test_a_count_of_what_a_list_names_is_answered_by_the_list(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """"How many mistakes did I make?" over "My mistakes were:" reads the list as the count
    stated (no `unstated` evidence) and answers with the whole list; a count of something
    the passage does not list still finds no figure."""
    text = ("Landing an Internship\nLooking Back\nLast year I applied late and got no offer at all.\n"
            "My mistakes were:\n  • Not starting until the spring\n"
            "  • Not using my network\n  • Not preparing for technical interviews\n"
            "Applying\nI sent applications to many companies through their career pages.\n")
    answerer = tiny_answerer(tmp_path, text)
    count = answerer.ask("How many mistakes did I make?")
    assert count.kind == "list" and "Not using my network" in count.answer, count.answer
    evidence = answerer.retriever.search_many(["How many mistakes did I make?",
                                               "How many companies did I apply to?"])
    assert evidence[0].evidence.unstated == 0.0 and evidence[1].evidence.unstated == 1.0


def test_an_answer_that_points_back_starts_with_what_it_points_at(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """"These techniques form the foundation…" answers with the sentence before it, the one that
    names the techniques; a passage that opens on its own is left as it is."""
    from dataclasses import replace

    from internbot.shaping import Policy

    text = (
        "A Field Guide\n\nWhat is Machine Learning?\n\n"
        "Machine learning encompasses a diverse set of techniques, including supervised learning, "
        "unsupervised learning, and reinforcement learning.\n\n"
        "These techniques form the foundation for building models and systems that can analyse data, "
        "identify trends, and make informed decisions.\n\n"
        "Finding a Mentor\n\nA mentor reviews your projects and opens doors at companies.\n")
    answer = tiny_answerer(tmp_path / "on", text).ask(
        "Which techniques form the foundation for building models?")
    assert answer.answer.startswith("Machine learning encompasses a diverse set"), answer.answer
    assert "These techniques form the foundation" in answer.answer
    off = tiny_answerer(tmp_path / "off", text, policy=replace(Policy(), look_back=False)).ask(
        "Which techniques form the foundation for building models?")
    assert off.answer.startswith("These techniques"), off.answer
    mentor = tiny_answerer(tmp_path / "m", text).ask("What does a mentor review?")
    assert mentor.answer.startswith("A mentor reviews"), mentor.answer


def test_the_best_item_is_marked_even_when_its_summary_line_is_a_short_sentence(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A list's summary line may be only an item's short first sentence ("Coding challenges are
    a thing."); the item that answers is still the one shown first, marked and in full."""
    from internbot.records import Hit

    text = (
        "Interview Notes\nTechnical Interviews\nHere are the things I feel are important:\n"
        "  • Coding challenges are a thing. They are timed HackerRank-style problems before a call.\n"
        "  • Python is a good pick. It is fast to write and to debug in an interview.\n"
        "  • Stay calm. I thought I failed two final rounds and got offers for both.\n"
        "Finding a Mentor\nA mentor reviews your projects and opens doors at companies.\n")
    answerer = tiny_answerer(tmp_path, text)
    chunks = answerer.retriever.chunks
    summary = next(c for c in chunks if c.kind == "list")
    item = next(c for c in chunks if c.kind == "bullet" and c.text.startswith("Coding challenges"))
    shown = answerer.composer.list_text(summary, [Hit(item, 1.0)], 800)
    assert "▸ Coding challenges are a thing. They are timed HackerRank-style" in shown, shown
    assert shown.count("Coding challenges") == 1, shown


def test_sources_keep_a_list_summary_whose_items_are_not_shown() -> None:
    """A list summary beside its section's lead paragraph is no repeat: its items are not shown.
    It holds the lead's text, so it takes the lead's place; no source repeats another."""
    from internbot.records import Chunk, Hit

    def chunk(cid: str, kind: str, text: str) -> Chunk:
        return Chunk(cid, "g", "Guide", ("Projects",), kind, text, tuple(text.splitlines()))  # type: ignore[arg-type]

    lead = chunk("p", "paragraph", "Pick one of the bigger projects.")
    summary = chunk("l", "list", "Pick one of the bigger projects.\n• React: a UI library.\n• Strapi: a CMS.")
    react = chunk("b1", "bullet", "React: a UI library. Read its guide.")
    strapi = chunk("b2", "bullet", "Strapi: a CMS. Its community is welcoming.")
    hits = [Hit(lead, 0.9, 0.9, 0.0), Hit(summary, 0.8, 0.8, 0.0), Hit(react, 0.7, 0.7, 0.0)]
    assert [h.chunk.id for h in distinct(hits)] == ["l", "b1"]
    hits.append(Hit(strapi, 0.6, 0.6, 0.0))  # every item shown: the summary repeats them
    assert [h.chunk.id for h in distinct(hits)] == ["p", "b1", "b2"]
    # A worse hit whose text a better one holds adds nothing.
    part = chunk("s", "paragraph", "Strapi: a CMS.")
    assert [h.chunk.id for h in distinct([Hit(strapi, 0.9), Hit(part, 0.8), Hit(react, 0.7)])] \
        == ["b2", "b1"]
    # A worse hit holding a better one's text takes its place, and ranks by its own score.
    assert [h.chunk.id for h in distinct([Hit(part, 0.9), Hit(react, 0.8), Hit(strapi, 0.7)])] \
        == ["b1", "b2"]


def test_with_several_guides_a_title_is_lexical_evidence_for_its_passages(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Two guides with the same "Starting Early" passage: the question's words that only one
    guide's title holds rank that guide's passage first. A single guide adds no title."""
    from internbot.config import HASHING_MODEL
    from internbot.indexing import build

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    body = "## Starting Early\n\nThe season kicks off in August. Begin in September at the latest.\n"
    (corpus / "nursing.md").write_text("# Landing a nursing placement\n\n" + body, encoding="utf-8")
    (corpus / "software.md").write_text("# Landing a software internship\n\n" + body, encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", model=HASHING_MODEL,
                        model_sha256="", abstain_threshold=0.0)
    build(settings)
    answerer = Answerer.from_settings(settings)
    for topic, doc in (("software internships", "software"), ("nursing placements", "nursing")):
        hits = answerer.retriever.search_many([f"When should I start applying for {topic}?"], k=2)[0].hits
        assert hits[0].chunk.doc_id == doc
        assert hits[0].lexical > hits[1].lexical
    (corpus / "nursing.md").unlink()
    build(settings)
    bm25 = Answerer.from_settings(settings).retriever.bm25
    assert not bm25.knows("softwar")  # the title's words, in no passage of a lone guide


def test_a_guide_s_author_is_a_known_name_that_points_to_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """"By Tatiana Doyle" under a title is dropped from the text but kept as the author: a
    question naming her reads no unknown word and ranks her guide's passage first, even in a
    corpus of one guide; a passage without a byline carries no author. Naming her boosts her
    guide as the page the visitor reads would."""
    from internbot.config import HASHING_MODEL
    from internbot.corpus import byline
    from internbot.indexing import build
    from internbot.records import Chunk

    assert byline("A Title\nBy Maple Ong\nText.") == "Maple Ong"
    assert byline("A Title\n\nBy 1900, the city had grown.\n") == ""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    body = "Starting Early\nThe season kicks off in August. Begin in September at the latest.\n"
    (corpus / "doyle.txt").write_text("Landing an internship\nBy Tatiana Doyle\n" + body, encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", model=HASHING_MODEL,
                        model_sha256="", abstain_threshold=0.0)
    build(settings)
    question = "When does Tatiana Doyle begin the season?"
    alone = Answerer.from_settings(settings).retriever.search_many([question], k=2)[0]
    assert alone.unknown == "" and alone.evidence.corpus_cover == 1.0
    assert alone.hits[0].chunk.doc_author == "Tatiana Doyle"
    (corpus / "hof.txt").write_text("Finding an internship\nBy Grazietta Hof\n" + body, encoding="utf-8")
    (corpus / "plain.txt").write_text("Internships\n" + body, encoding="utf-8")
    build(settings)
    hits = Answerer.from_settings(settings).retriever.search_many([question], k=3)[0].hits
    assert hits[0].chunk.doc_id == "doyle" and hits[0].lexical > hits[1].lexical
    plain = next(h.chunk for h in hits if h.chunk.doc_id == "plain")
    assert plain.doc_author == "" and "doc_author" not in plain.to_dict()
    assert Chunk.from_dict(hits[0].chunk.to_dict()) == hits[0].chunk
    # Her first name alone points to her guide as the page a visitor reads does ("What did
    # Maple study?"): the same boost, so the same hits and scores.
    retriever = Answerer.from_settings(settings).retriever
    asked = "When does Tatiana begin the season?"
    named = retriever.search_many([asked], k=3)[0].hits
    paged = retriever.search_many([asked], k=3, doc_ids=["doyle"])[0].hits
    assert [(h.chunk.id, h.score) for h in named] == [(h.chunk.id, h.score) for h in paged]


def test_an_author_s_name_is_read_with_its_accents_folded() -> None:
    """"Hélène Müller" is "helene" and "muller", as a question's words are read, whether the
    visitor types the accents or not; a name two guides' authors share points to neither."""
    from internbot.retriever import _authors

    docs = [{"id": "a", "author": "Hélène Müller"}, {"id": "b", "author": "Tatev Aslanyan"},
            {"id": "c", "author": "Vahe Aslanyan"}]
    assert _authors(docs) == {"helene": "a", "muller": "a", "tatev": "b", "vahe": "c"}


def test_the_chat_history_never_carries_an_off_topic_question(answerer: Answerer) -> None:
    for history in ("How hot should the water be?", "How much coffee should I use per cup?"):
        for question in ("How do I fix my car?", "Where can I buy cheap flights?",
                         "What's a good recipe for banana bread?"):
            assert not answerer.ask(question, [history]).answered, (history, question)
        # A question with no topic of its own, or one pointing back, is read with the history.
        assert answerer.ask("Why?", [history]).answered
        assert answerer.ask("is it too hot?", [history]).answered


def test_a_follow_up_that_only_leans_on_the_history_keeps_its_own_answer(answerer: Answerer) -> None:
    alone = answerer.ask("and for black tea?")
    after = answerer.ask("and for black tea?", ["How hot should the water be?"])
    assert alone.answered and (after.answer, after.confidence) == (alone.answer, alone.confidence)


@pytest.mark.parametrize("history, lead", [
    (["How hot should the water be?", "thanks!"], "How hot should the water be?"),
    (["How hot should the water be?", "ok cool", "hello"], "How hot should the water be?"),
    # A follow-up pointing back is read with the question it follows.
    (["Tell me about green tea", "how long do I steep it?"],
     "Tell me about green tea how long do I steep it?"),
    (["Tell me about green tea", "What about coffee?"], "What about coffee?"),
    (["thanks"], ""),
])
def test_the_lead_is_the_chat_s_latest_question(history: list[str], lead: str) -> None:
    assert conversation.lead(history) == lead


def test_small_talk_between_questions_does_not_break_a_follow_up(answerer: Answerer) -> None:
    water = "How hot should the water be?"
    direct = answerer.ask("is it too hot?", [water])
    for remark in ("thanks!", "ok cool"):
        after = answerer.ask("is it too hot?", [water, remark])
        assert (after.answer, after.confidence) == (direct.answer, direct.confidence)


def test_doubtful_int8_readings_are_confirmed_in_float(fake_index: Settings) -> None:
    """With int8 questions, the readings near a line (confidence within the band of the
    abstain or unsure line, top passages nearly tied) are read again in float: with a band
    that takes in every question, the answers are the float model's to the letter; with a
    narrow one, a clear question is never read twice."""
    from dataclasses import replace

    from internbot.embedder import HashingEmbedder

    questions = ["How much coffee should I use per cup?", "How long do I steep green tea?",
                 "What is the best water temperature?", "how do I fix my car's brakes?",
                 "tea or coffee?", "cup", "is tap water ok?"]
    plain = Answerer.from_settings(fake_index)
    expected = [a.to_dict() for a in plain.ask_many([Query(q) for q in questions])]
    int8_alone = BlurredEmbedder(0.5)
    coarse = Answerer.from_settings(replace(fake_index, quantize=True, confirm_band=0),
                                    embedder=int8_alone)  # type: ignore[arg-type]
    assert coarse.exact is None
    moved = [a.to_dict() for a in coarse.ask_many([Query(q) for q in questions])]
    assert moved != expected  # the coarse model alone does change answers here

    everyone = Answerer.from_settings(replace(fake_index, quantize=True, confirm_band=1.0),
                                      embedder=(blurred := BlurredEmbedder(0.5)),  # type: ignore[arg-type]
                                      float_embedder=HashingEmbedder())
    assert everyone.exact is not None
    assert [a.to_dict() for a in everyone.ask_many([Query(q) for q in questions])] == expected
    # In a chat too: once read again in float, a follow-up's unknown word ("zebras") is
    # measured in float, for its reading joined to the history too (`conversation.own_words`):
    # the int8 stand-in reads each text once, in the first pass.
    chat = [Query("what about zebras?", ("How long do I steep green tea?",)),
            Query("and the grind for zebras?", ("How much coffee should I use per cup?",))]
    blurred.seen.clear()
    assert ([a.to_dict() for a in everyone.ask_many(chat)]
            == [a.to_dict() for a in plain.ask_many(chat)])
    assert "what about ?" in blurred.seen and len(set(blurred.seen)) == len(blurred.seen), blurred.seen

    narrow = Answerer.from_settings(replace(fake_index, quantize=True),  # the band is 0.1
                                    embedder=BlurredEmbedder(0.5),  # type: ignore[arg-type]
                                    float_embedder=(exact := CountingEmbedder()))
    clear, near = "How much coffee should I use per cup?", "is tap water ok?"
    assert narrow.ask(clear).confidence > 0.8 and not exact.seen
    assert 0.4 < narrow.ask(near).confidence < 0.6 and exact.seen[0] == near
    narrow.ask_many([Query(q) for q in questions])
    assert near in exact.seen and len(set(exact.seen)) < len(questions)


def test_the_sentence_saying_what_was_asked_of_the_subject_wins_the_tie(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Within a passage, a question word its every sentence says (the subject, "Iqbal") tells
    them apart less than one only a single sentence says ("critic"), however rare each is in
    the corpus: with equal cosines, the critic sentence scores best."""
    import numpy as np

    text = ("Poets\nIqbal\n"
            "Iqbal studied law and philosophy in England and Germany for several years. "
            "Iqbal came back to Lahore and practised law there for a long time. "
            "Iqbal wrote philosophical poetry while he practised law in Lahore. "
            "He was a critic of the Congress party of his day.\n"
            "Critics\nA critic reviews books and writes columns for the papers.\n"
            + "".join(f"Topic {n}\nSection {n} covers the weather station number {n}.\n"
                      for n in range(4)))
    answerer = tiny_answerer(tmp_path, text)
    retrieval = answerer.retriever.search_many(["Who was Iqbal a critic of?"], k=3, support=False)[0]
    chunk = next(h.chunk for h in retrieval.hits if "Lahore" in h.chunk.text)
    bm25 = answerer.retriever.bm25
    assert (bm25.idf("iqbal") or 0) > (bm25.idf("critic") or 0)  # the subject is the rarer word
    scores = answerer.trimmer.sentence_scores(chunk, np.zeros(len(chunk.sentences), np.float32),
                                                retrieval.concepts)
    assert "critic" in chunk.sentences[int(np.argmax(scores))], (chunk.sentences, scores)


def test_a_question_about_one_subsection_gets_its_passage_not_the_outline(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A section opening with an outline of its subsections: "What should I do once I've sent my
    applications?" reads as enumerating, but its best passage lies in one subsection the outline
    only names, so that passage answers. A question naming the section still gets the outline."""
    text = (
        "A Developer Guide\n1. Getting Ready\nA mentor reviews your projects and opens doors.\n"
        "2. How to Find Internships\n"
        "In this section, we'll dive into effective ways to find internships.\n"
        "Use Job Boards\nJob boards like LinkedIn post openings every week.\n"
        "Ask for Referrals\nClassmates who interned can refer you to a recruiter.\n"
        "Follow Up\nIf you have sent applications and heard nothing back in two weeks, send a"
        " polite follow-up email.\n"
        "3. After the Internship\nMany interns get a return offer for a full-time job.\n")
    answerer = tiny_answerer(tmp_path, text)
    after = answerer.ask("What should I do once I have sent my applications?")
    assert after.kind == "passage" and "polite follow-up email" in after.answer, after.answer
    ways = answerer.ask("What are the ways to find internships?")
    assert ways.kind == "list" and "Ask for Referrals" in ways.answer, ways.answer


def test_the_item_whose_whole_label_the_question_says_answers_over_a_better_ranked_sibling(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """"What does a machine learning engineer do?" ranked *Computer Vision Engineer* just above
    *Machine Learning Engineer* (all-mpnet-base-v2 does on the seed): the item the question
    names answers; one naming the best-ranked item keeps it."""
    from internbot.records import Hit

    text = (
        "A Career Guide\nBest Jobs in Machine Learning\n"
        "Here are some of the best jobs in machine learning:\n"
        "  • Computer Vision Engineer: computer vision engineers build models that read images.\n"
        "  • Machine Learning Engineer: machine learning engineers deploy models to production.\n"
        "  • Data Scientist: data scientists analyse data for decisions.\n"
        "Find a Mentor\nA mentor reviews your projects and opens doors at companies.\n")
    answerer = tiny_answerer(tmp_path, text)
    by_label = {c.label: c for c in answerer.retriever.chunks if c.label}
    ranked = [Hit(by_label[name], score) for name, score in (
        ("Computer Vision Engineer", 0.9), ("Machine Learning Engineer", 0.88), ("Data Scientist", 0.5))]
    chunk, kind = answerer.composer.choose("What does a machine learning engineer do?", ranked)
    assert (chunk.label, kind) == ("Machine Learning Engineer", "passage")
    chunk, kind = answerer.composer.choose("What does a computer vision engineer do?", ranked)
    assert (chunk.label, kind) == ("Computer Vision Engineer", "passage")


def test_a_passage_too_long_for_the_bubble_drops_its_least_similar_sentences_not_the_answer(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """"What should I attach when I ask someone to refer me?" kept every sentence of a long
    *Referrals* passage (all within the trim margin) and the bubble's cut fell inside the one
    saying "Attach your updated resume…". Over the room, the least similar sentences go first;
    the one naming what was asked stays whole."""
    import numpy as np

    steps = " ".join(f"Step {n}: think about referral step number {n} with care and patience for a while."
                     for n in range(1, 8))
    text = ("Referrals\nGet Referrals\n" + steps + " Attach your updated resume and the job description.\n"
            + "".join(f"Topic {n}\nSection {n} covers the weather station number {n}.\n" for n in range(4)))
    answerer = tiny_answerer(tmp_path, text)
    question = "What should I attach when I ask for a referral?"
    retrieval = answerer.retriever.search_many([question], k=3, support=False)[0]
    chunk = next(h.chunk for h in retrieval.hits if "Attach" in h.chunk.text)
    assert len(chunk.text) > 400
    flat = np.zeros(answerer.retriever.index.manifest.dim, np.float32)  # every sentence ties
    body = answerer.trimmer.trim(chunk, flat, retrieval.concepts, room=300)
    assert len(body) <= 300 and "Attach your updated resume and the job description." in body, body
    assert answerer.trimmer.trim(chunk, flat, retrieval.concepts) == chunk.text  # no room given: all kept


def test_a_sentence_between_kept_ones_goes_back_in_while_the_bubble_has_room(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """"Which company leads in machine learning?" kept the FAQ's sentences around "Google, with
    its AI Residency …, is often considered a leader." but not that one, the fact asked for:
    the answer skipped it and read as if no company were named."""
    import numpy as np

    said = [("Choosing a leader in this field depends on criteria that differ from one reader to the next, "
             "and on what they value."),
            ("Several companies are at the forefront of research and of products in this wide field today, "
             "in many countries."),
            "Google, with its residency programme and open-source frameworks, is often considered a leader.",
            ("Additionally, other companies invest heavily in research and in new products built on it too, "
             "year after year."),
            ("The landscape is dynamic, and the leadership position may shift as companies keep innovating "
             "in the years ahead.")]
    text = "FAQs\nWhich company leads?\n" + " ".join(said) + " " + " ".join(said[:2]) + "\n"
    answerer = tiny_answerer(tmp_path, text)
    chunk = next(c for c in answerer.retriever.chunks if "Google" in c.text)
    assert len(chunk.sentences) == 7 and len(chunk.text) > 500
    sims = np.asarray([0.9, 0.85, 0.2, 0.86, 0.84, 0.1, 0.1], np.float32)
    monkeypatch.setattr(answerer.trimmer, "sentence_sims", lambda chunk, vector: sims)
    monkeypatch.setattr(answerer.trimmer, "sentence_scores", lambda chunk, s, concepts: s)
    body = answerer.trimmer.trim(chunk, sims, frozenset(), room=700)
    assert body == " ".join(said), body
    narrow = answerer.trimmer.trim(chunk, sims, frozenset(), room=480)  # no room: the gap stays
    assert "Google" not in narrow and said[3] in narrow, narrow


def test_the_marked_item_of_a_list_answer_keeps_its_answering_sentence(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """"What Python features are handy in coding interviews?" marked the Python item of the
    list but showed its first two sentences, and the one naming defaultdict came third."""
    import numpy as np

    from internbot.records import Hit

    item = ("Personally, I have found Python to be a fantastic language for interviews of every kind. "
            "It keeps you from having to implement low-level structures, and is fast to write and debug. "
            "Useful things in Python for interviews are defaultdict, sorting with a lambda and joining.")
    text = ("Interviews\nTechnical Interviews\nI have a couple things that I feel are important:\n"
            f"  • {item}\n  • Coding challenges are a thing.\n  • Try not to psych yourself out!\n"
            "Projects\nSide projects show that you are passionate about what you do.\n")
    answerer = tiny_answerer(tmp_path, text)
    chunks = answerer.retriever.chunks
    bullet = next(c for c in chunks if c.kind == "bullet" and "defaultdict" in c.text)
    listing = next(c for c in chunks if c.kind == "list")
    assert len(bullet.text) > 260 and len(bullet.sentences) == 3
    sims = np.asarray([0.6, 0.3, 0.9], np.float32)
    monkeypatch.setattr(answerer.trimmer, "sentence_sims", lambda chunk, vector: sims)
    monkeypatch.setattr(answerer.trimmer, "sentence_scores", lambda chunk, s, concepts: s)
    cut = lambda c, n: answerer.trimmer.trim(c, sims, frozenset(), n)  # noqa: E731
    body = answerer.composer.list_text(listing, [Hit(bullet, 1.0)], 700, cut)
    marked = next(line for line in body.splitlines() if line.startswith("▸"))
    assert "defaultdict" in marked and "…" not in marked, body
    assert "defaultdict" not in answerer.composer.list_text(listing, [Hit(bullet, 1.0)], 700)


def test_an_entry_that_only_captions_a_lost_picture_answers_with_what_follows_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """"What goes on the contact page of my personal site?" got "Contact Page: \\Snippet from
    Contact Me page from \\Personal Website\\": the section's heading and the caption of a
    screenshot the text lost. The bullet after it says what the page should hold."""
    from internbot.records import Hit
    from internbot.shaping import says_nothing

    text = ("# Your Website\n\n## How to Build a Personal Website\n\nA website shows your work.\n\n"
            "### Press Releases Page\n\n- Your Moments in the Limelight: Chronicle any interviews or "
            "podcast appearances you have had.\n\nListing publications that have featured my work\n\n"
            "### Contact Page\n\n- Keep Communication Lines Open: Offer a straightforward channel, like a "
            "form or a scheduling tool, for peers and recruiters to reach you.\n\n"
            "\\Snippet from Contact Me page from \\Personal Website\\\n\n"
            "### Portfolio Page\n\nShow your three best projects with a short write-up of each one.\n")
    answerer = tiny_answerer(tmp_path, text, name="guide.md")
    chunks = answerer.retriever.chunks
    entry = next(c for c in chunks if c.kind == "item" and "Snippet" in c.text)
    portfolio = next(c for c in chunks if c.kind == "item" and "three best" in c.text)
    assert says_nothing(entry) and not says_nothing(portfolio)
    chunk, kind = answerer.composer.choose("What goes on the contact page of my personal site?",
                                           [Hit(entry, 1.3), Hit(portfolio, 0.9)])
    assert kind == "passage" and chunk.text.startswith("Keep Communication Lines Open"), chunk.text
