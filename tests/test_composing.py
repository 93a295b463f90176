"""The composer's choice and cut of an answer, on tiny guides with the hashing embedder: which
passage or list answers, and what an answer goes on with."""

from __future__ import annotations

from conftest import markdown_answerer, tiny_answerer

from internbot.records import Chunk, Hit

#: A handbook whose sections each end with project ideas, the last followed by a pointer to a
#: link the text lost, which the chunker files as the ideas' heading entry.
HANDBOOK = (
    "The Handbook\nEssential Skills\n1. Python\n"
    "Python is a widely used language, known for its readability and its libraries.\n"
    "Example Project Ideas\n"
    "  • Create a Python tool that scrapes websites and analyses their sentiment.\n"
    "  • Build a chatbot that answers questions for a customer service desk.\n"
    "  • Write a script that sorts the files in your downloads folder.\n"
    "freeCodeCamp has a couple of Python certifications to get you started.\n"
    "2. AI and Machine Learning\n"
    "Machine learning powers many of the products you use today, from search to maps.\n"
    "Example Project Ideas\n"
    "  • Develop a basic recommendation system, like a movie or book recommender.\n"
    "  • Create a simple model that classifies emails as spam or not spam.\n"
    "  • Implement a face recognition tool with a machine learning library.\n"
    "Here's a handbook on Machine Learning fundamentals you can check out.\n"
    "3. Databases\nLearn SQL well, since nearly every application stores its data in a database.\n")


def _chunk(chunks: list[Chunk], kind: str, text: str) -> Chunk:
    return next(c for c in chunks if c.kind == kind and text in c.text)


def _ranked(answerer, *picks: tuple[str, str, float]) -> list[Hit]:  # type: ignore[no-untyped-def]
    """Hits on the chunks of each (kind, text they hold, score), in that order."""
    return [Hit(_chunk(answerer.retriever.chunks, kind, text), score) for kind, text, score in picks]


def test_an_entry_only_pointing_to_a_lost_link_answers_with_its_list(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """"Can you suggest a machine learning project idea?" got "Example Project Ideas: Here's a
    handbook on Machine Learning fundamentals you can check out.": a heading and a pointer to a
    link. Read without its heading it only points ahead, so the ideas' list answers."""
    answerer = tiny_answerer(tmp_path, HANDBOOK)
    hits = _ranked(answerer, ("item", "Here's a handbook", 1.65), ("bullet", "recommendation system", 1.5))
    chunk, kind = answerer.composer.choose("Can you suggest a machine learning project idea?", hits)
    assert kind == "list" and "recommendation system" in chunk.text, chunk.text


RESUME = (
    "The Handbook\nPrepare your Résumé\n"
    "Precision and Presentation: Recruiters spend only seconds on a résumé, so keep it crisp and "
    "proofread every line.\n"
    "  • Good Example: A one-page résumé with clear sections and contact details on top.\n"
    "  • Bad Example: An unorganized résumé with long paragraphs and inconsistent formatting.\n"
    "  • Don't: Put a photo or fancy fonts on it.\n"
    "Find a Mentor\nA mentor reviews your projects and opens doors at companies.\n")


def test_a_counter_example_answers_when_the_question_asks_for_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A "Bad Example:" never answers alone, except the question that asks for the bad
    example: "what does a bad résumé look like?" got the section's advice instead. A "Don't:"
    answers what to avoid, not any question saying "don't"."""
    answerer = tiny_answerer(tmp_path, RESUME)
    hits = _ranked(answerer, ("bullet", "Bad Example", 1.4), ("paragraph", "Recruiters spend", 1.2))
    chunk, kind = answerer.composer.choose("What does a bad résumé look like?", hits)
    assert kind == "passage" and chunk.label == "Bad Example", chunk.text
    assert answerer.composer.choose("What does a strong résumé look like?", hits)[0] == hits[1].chunk
    hits = _ranked(answerer, ("bullet", "fancy fonts", 1.4), ("paragraph", "Recruiters spend", 1.2))
    assert answerer.composer.choose("What should I avoid on my résumé?", hits)[0] == hits[0].chunk
    assert answerer.composer.choose("What if I don't have a résumé yet?", hits)[0] == hits[1].chunk


OPEN_SOURCE = (
    "# Contribute to Open Source\n\n## How to get involved with open source\n\n"
    "Start by finding a project on GitHub and read its contributor's guideline. If you ever get "
    "stuck, most projects have a community and a public forum where you can ask for help.\n\n"
    "I am only going to recommend some of the bigger projects here:\n\n"
    "- freeCodeCamp: contribute to the curriculum or translate articles.\n"
    "- Strapi: a headless content management system.\n"
    "- React: the most popular JavaScript framework.\n\n")


def test_a_question_naming_a_lists_heading_and_a_word_of_the_passage_gets_the_passage(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """"What if I get stuck contributing to an open source project?" says most of the heading
    "How to get involved with open source", whose list names projects to join; "stuck" is said
    only in the passage, which answers it."""
    answerer = markdown_answerer(tmp_path, OPEN_SOURCE)
    hits = _ranked(answerer, ("paragraph", "get stuck", 1.7), ("list", "Strapi", 1.4))
    chunk, kind = answerer.composer.choose("What if I get stuck when I get involved with open source?", hits)
    assert kind == "passage" and chunk == hits[0].chunk, chunk.text
    chunk, kind = answerer.composer.choose("Which projects can I get involved with in open source?", hits)
    assert kind == "list", chunk.text


INTRO = (
    "# How to Build Your Résumé\n\n"
    "When asking for a résumé review, beginners almost always get the answer \"build more "
    "projects\".\n\n"
    "This is great advice, but you can do more to improve your odds, and several things at once.\n\n"
    "Another paragraph says nothing more about résumés than this one does.\n\n")


def test_an_answer_goes_on_with_the_passage_that_turns_on_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """"Besides building projects, what can I do?" got "…they almost always get the answer
    'build more projects'." The passage after it turns on it ("This is great advice, but you
    can do more…") and is among the best hits: it is shown too. One that only follows is not."""
    answerer = markdown_answerer(tmp_path, INTRO)
    chunks = answerer.retriever.chunks
    setup = _chunk(chunks, "paragraph", "build more")
    turn = _chunk(chunks, "paragraph", "great advice")
    other = _chunk(chunks, "paragraph", "Another paragraph")
    body = setup.text
    carried = answerer.composer.extender.carry_on(setup, body, 600, [Hit(setup, 1.3), Hit(turn, 1.1)])
    assert carried.startswith(body) and carried.endswith("several things at once."), carried
    extender = answerer.composer.extender
    assert extender.carry_on(setup, body, 600, [Hit(setup, 1.3), Hit(other, 1.2)]) == body
    assert extender.carry_on(turn, turn.text, 600, [Hit(turn, 1.3), Hit(other, 1.2)]) == turn.text


LINKEDIN = (
    "A Data Guide\nHow to Showcase Your Work\n"
    "Your online presence is your brand, so tend it like one.\n"
    "How to Craft an Impressive LinkedIn Portfolio\n"
    "LinkedIn is the platform for professional networking and job hunting.\n"
    "Here’s my step-by-step guide to building a stellar LinkedIn portfolio:\n"
    "\\My\\ LinkedIn Profile\\\n"
    "Use a Professional Headshot\nA clear, well-lit image speaks volumes.\n"
    "Use an Engaging Headline\nMore than your job title, convey your expertise in a line.\n"
    "Write a Summary\nCraft a narrative about your professional journey.\n"
    "Find a Mentor\nA mentor reviews your projects and opens doors at companies.\n")


def test_a_lead_in_followed_by_a_lost_pictures_caption_still_goes_on_with_its_list(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """"…to building a stellar LinkedIn portfolio: \\My\\ LinkedIn Profile\\": the caption of a
    screenshot the text lost ended the passage (as the chunker files it under a heading of its
    own), so the answer stopped at the lead-in. It goes on with the steps, without the caption."""
    from dataclasses import replace

    answerer = tiny_answerer(tmp_path, LINKEDIN)
    lead = _chunk(answerer.retriever.chunks, "paragraph", "step-by-step")
    caption = "\\My\\ LinkedIn Profile\\"
    entry = replace(lead, text=f"{lead.text} {caption}", sentences=(*lead.sentences, caption))
    body = answerer.composer.extender.go_on(entry, entry.text, 700)
    assert "Use a Professional Headshot" in body and "My\\ LinkedIn" not in body, body
    assert "Use a Professional Headshot" in answerer.composer.extender.go_on(lead, lead.text, 700)


INTERVIEWS = (
    "The Handbook\nPrepare for Interviews\n"
    "Conduct Mock Interviews\n"
    "  • Practice with friends, family, or professionals who can give you feedback.\n"
    "  • Simulate different interview formats so no scenario surprises you.\n"
    "Interview Preparation Tools\n"
    "  • Pramp: Engage in free mock technical and behavioral interviews.\n"
    "  • Rehearse your answers out loud, then record yourself and listen back.\n"
    "  • Read the company's engineering blog before the day.\n")


def test_a_question_after_a_place_takes_the_passage_naming_one(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """"Where can I do free mock interviews?" got "Practice with friends…", a little ahead of
    "Pramp: Engage in free mock… interviews": only the latter names a place to go. A question
    after where to begin, or where something is, keeps the best passage."""
    answerer = tiny_answerer(tmp_path, INTERVIEWS)
    hits = _ranked(answerer, ("bullet", "Practice with friends", 1.24), ("bullet", "Simulate", 1.16),
                   ("bullet", "Pramp", 1.15))
    chunk, _ = answerer.composer.choose("where can I do free mock interviews with other people?", hits)
    assert chunk.text.startswith("Pramp"), chunk.text
    from internbot.shaping import ASKS_PLACE, names_place

    for question in ("where do I start with mock interviews?", "Where was the mock interview held?",
                     "how can I do free mock interviews?"):
        assert not ASKS_PLACE.search(question), question
        assert answerer.composer.choose(question, hits)[0].text.startswith("Practice"), question
    far = _ranked(answerer, ("bullet", "Practice with friends", 1.40), ("bullet", "Pramp", 1.15))
    chunk, _ = answerer.composer.choose("is there a website for mock interviews?", far)
    assert chunk.text.startswith("Practice"), chunk.text
    chunks = answerer.retriever.chunks
    assert not names_place(_chunk(chunks, "bullet", "Rehearse"))  # "Rehearse" opens a sentence
    assert names_place(Chunk(id="x", doc_id="d", doc_title="D", section=(), kind="paragraph",
                             text="Take a course on platforms like Coursera or edX.",
                             sentences=("Take a course on platforms like Coursera or edX.",)))
    assert names_place(Chunk(id="y", doc_id="d", doc_title="D", section=(), kind="bullet",
                             text="dev.to: a blogging platform", sentences=("dev.to: a blogging platform",)))
