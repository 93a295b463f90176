"""Chunking of the real article and of Markdown/HTML fixtures."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

from conftest import ARTICLE, DATA
from hypothesis import given, settings
from hypothesis import strategies as st

from internbot.chunking import build_sections, chunk_document, split_sentences
from internbot.corpus import ZERO_WIDTH, load_documents
from internbot.parsing import parse
from internbot.records import Chunk, Document


def article_chunks():  # type: ignore[no-untyped-def]
    doc = Document("guide", "How to Get a Machine Learning Internship", str(ARTICLE),
                   ARTICLE.read_text(encoding="utf-8"))
    return chunk_document(doc)


def section_paths(text: str) -> list[tuple[str, ...]]:
    """The section paths a plain-text guide parses into."""
    return [s.path for s in build_sections(parse(Document("h", "A Handbook", "h.txt", text)))]


def test_sections_of_the_article_are_found() -> None:
    top = {c.section[0] for c in article_chunks() if c.section}
    assert {
        "What is Machine Learning?",
        "Importance of Machine Learning Internships",
        "Key Hard Skills & Qualifications Needed for a Machine Learning Internship",
        "Ways to Secure an Internship in Machine Learning",
        "Best Internships in Machine Learning",
        "Characteristics and Skills of a Machine Learning Intern",
        "What Comes After the Internship?",
        "Best Jobs in Machine Learning",
        "FAQs",
    } <= top
    assert "Additional Posts" not in top  # navigation boilerplate is dropped
    assert not any("Image Credit" in c.text for c in article_chunks())


def test_bullets_are_kept_whole_with_their_label() -> None:
    bullets = [c for c in article_chunks() if c.kind == "bullet"]
    curiosity = next(c for c in bullets if c.label == "Curiosity")
    assert curiosity.text.startswith("Curiosity: A deep-seated curiosity")
    assert curiosity.text.endswith("tackle complex problems.")
    assert curiosity.section == ("Characteristics and Skills of a Machine Learning Intern",)
    assert len(bullets) == 25


def test_faq_pairs_stay_together() -> None:
    faqs = [c for c in article_chunks() if c.kind == "faq"]
    assert len(faqs) == 4
    pay = next(c for c in faqs if c.label == "How much do ML interns make?")
    assert pay.section == ("FAQs", "How much do ML interns make?")
    assert "$6,000 to $10,000" in pay.text and "housing stipends" in pay.text


def test_numbered_programs_become_entries_and_a_list() -> None:
    chunks = article_chunks()
    items = [c for c in chunks if c.kind == "item"]
    assert [c.label for c in items] == [
        "Google AI Residency", "Microsoft Research Internship",
        "Facebook AI Research (FAIR) Internship", "OpenAI Internship", "Research Institutions",
    ]
    assert "12 to 16 weeks" in items[1].text
    lists = [c for c in chunks if c.kind == "list" and c.section == ("Best Internships in Machine Learning",)]
    assert len(lists) == 1 and "• Google AI Residency:" in lists[0].text


def test_chunks_are_small_and_deterministic() -> None:
    first, second = article_chunks(), article_chunks()
    assert first == second
    assert all(0 < len(c.text) <= 800 for c in first)
    assert len({c.id for c in first}) == len(first)


def test_markdown_and_html_structure(tiny_corpus: Path) -> None:
    docs = {d.id: d for d in load_documents(tiny_corpus)}
    tea = chunk_document(docs["tea-basics"])
    assert docs["tea-basics"].title == "Tea Basics"
    green = next(c for c in tea if c.label == "Green tea")
    assert green.section == ("Types of Tea",) and "**" not in green.text
    water = chunk_document(docs["water"])
    assert docs["water"].title == "Water Quality for Brewing"
    assert any(c.section == ("Minerals",) and "Magnesium" in c.text for c in water)
    assert not any("secret" in c.text or "Blog" in c.text for c in water)


def test_sentence_splitter_respects_abbreviations() -> None:
    text = "Consider a master’s or Ph.D. in machine learning. Many interns get offers."
    assert split_sentences(text) == [
        "Consider a master’s or Ph.D. in machine learning.", "Many interns get offers."]


def _words(text: str) -> Counter[str]:
    """Words without list markers, numbering, a trailing colon or zero-width characters, which
    chunking may drop."""
    out: Counter[str] = Counter()
    for w in ZERO_WIDTH.sub("", text).split():  # the parser drops zero-width characters
        w = w.strip("•●▪◦‣∙·-*+").rstrip(":")
        if w and not re.fullmatch(r"\d{1,3}[.)]?", w):
            out[w] += 1
    return out


#: Paragraphs of words up to 30 characters: a longer run without a space may be cut anywhere
#: (`hard_wrap`), which the word counts below cannot follow; the test after this one covers it.
_WORD = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
                min_size=1, max_size=30)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(_WORD, min_size=1, max_size=10).map(" ".join), min_size=1, max_size=8),
       st.integers(min_value=80, max_value=800))
def test_chunker_loses_nothing_and_respects_the_bound(paragraphs: list[str], limit: int) -> None:
    text = "Title\n\n" + "\n\n".join(paragraphs)
    doc = Document("d", "Title", "d.txt", text)
    chunks = chunk_document(doc, max_chars=limit)
    assert chunks == chunk_document(doc, max_chars=limit)
    assert all(len(c.text) <= limit for c in chunks)
    passages = [c for c in chunks if c.kind != "list"]  # list chunks are declared summaries
    body = _words(" ".join(c.text for c in passages))
    headings = _words(" ".join(" ".join(c.section) for c in chunks))
    source = _words(text) - Counter({"Title": 1})
    # Nothing duplicated: no word occurs in passages more often than in the input.
    assert not (body - source)
    # Nothing lost: what is not in a passage was a heading.
    assert not (source - body - headings)


def test_a_word_longer_than_the_bound_is_cut_into_pieces_within_it() -> None:
    """Unbroken text (a URL, a hash) longer than the bound is cut anywhere, losing nothing."""
    word = "0123456789" * 25
    doc = Document("d", "Title", "d.txt", f"Title\n\nSee {word} for details.")
    chunks = chunk_document(doc, max_chars=80)
    assert all(len(c.text) <= 80 for c in chunks)
    assert "".join("".join(c.text.split()) for c in chunks) == f"See{word}fordetails."


def test_fixture_corpus_numbered_entries_and_faq() -> None:
    doc = Document("coffee", "How to Brew Great Coffee", "c.txt",
                   (DATA / "tiny" / "coffee-guide.txt").read_text())
    chunks = chunk_document(doc)
    assert {c.label for c in chunks if c.kind == "item"} == {"French Press", "Pour Over", "Espresso"}
    assert {c.label for c in chunks if c.kind == "faq"} == {
        "How much coffee should I use per cup?", "How hot should the water be?"}
    assert sum(c.kind == "list" for c in chunks) == 2


def test_list_titles_and_tables_of_contents() -> None:
    """"Prepare with the STAR Method:" over bullets titles a list; a contents list is dropped."""
    from internbot.parsing import parse
    from internbot.records import Document

    text = (
        "A Guide\nContents\n  • Interviews\n  • Offers\n  • Negotiation\n"
        "Interviews\nInterviews test how you think and talk about your work.\n"
        "Prepare with the STAR Method:\n  • Situation: the context.\n  • Task: the goal.\n"
        "  • Action: what you did.\nOffers\nAn offer arrives by e-mail, usually.\n"
        "Negotiation\nYou can negotiate politely and with numbers.\n"
    )
    blocks = parse(Document("g", "A Guide", "g.txt", text))
    assert ("heading", "Prepare with the STAR Method", 2) in [(b.kind, b.text, b.level) for b in blocks]
    assert "Interviews" not in [b.text for b in blocks if b.kind == "bullet"]
    assert next(b.text for b in blocks if b.kind == "bullet").startswith("Situation")
    assert "Contents" not in [b.text for b in blocks], "a heading over nothing but the contents goes too"


def test_a_heading_whose_body_opens_with_a_titled_list_is_a_heading() -> None:
    """"Practice and Rehearse" over "Conduct Mock Interviews:" and its bullets heads them, so
    a question about rehearsing finds the mock interviews under a path that says so."""
    from internbot.chunking import chunk_document
    from internbot.records import Document

    text = (
        "Interview Prep\nPrepare well before any interview, it pays off.\n"
        "Practice and Rehearse\nConduct Mock Interviews:\n"
        "  • Practice with friends who can give feedback.\n  • Simulate different formats.\n"
        "Plan Ahead\nPlan Your Travel:\n  • Map out your route.\n  • Arrive early.\n"
    )
    chunks = chunk_document(Document("g", "Guide", "g.txt", text))
    mock = next(c for c in chunks if c.text.startswith("Practice with friends"))
    assert mock.section[-2:] == ("Practice and Rehearse", "Conduct Mock Interviews")
    travel = next(c for c in chunks if c.text.startswith("Map out"))
    assert "Practice and Rehearse" not in travel.section and "Plan Ahead" in travel.section


def test_numbered_headings_that_outline_the_document_are_its_sections() -> None:
    """When plain headings sit between numbered ones, the numbers are the outline (level 1) and
    the plain headings their subsections; numbered entries within one section stay entries."""
    outline = (
        "A Handbook\n1. What Is an Internship?\nAn internship is a short job for learning.\n"
        "2. Internship vs a Job\nThey differ in length and pay.\nBenefits of Internships\n"
        "  • Experience: you learn by doing.\nDownsides of Internships\nThe pay is often low.\n"
        "3. How to Apply\nApply early in the autumn.\nTailor Your Résumé\nOne page, one role.\n"
    )
    paths = section_paths(outline)
    assert ("Internship vs a Job", "Benefits of Internships") in paths
    assert ("How to Apply", "Tailor Your Résumé") in paths
    assert ("What Is an Internship?",) in paths

    entries = (
        "A Guide\nPrograms\nThese are the best programs.\n1. Google Residency:\nA year of research.\n"
        "2. Meta AI:\nSummer research.\n3. Microsoft Research:\nTwelve weeks.\nFAQs\nAsk away.\n"
    )
    paths = section_paths(entries)
    assert ("Programs", "Meta AI") in paths and ("FAQs",) in paths


def test_a_numbered_section_may_open_on_a_subheading_and_follow_a_list_numbered_inside() -> None:
    """"3. Career Paths" whose body opens on its own sub-heading is a section, not a list's last
    item; a skills list numbered 1–3 inside section 2 neither takes section 3's place nor loses
    its own "3."; a numbered list's last item before a heading stays an item."""
    text = (
        "A Handbook\n1. What Is an Internship?\nAn internship is a short job for learning.\n"
        "Why It Matters\nIt is how most people start a career in software.\n"
        "2. Skills\nThese are the skills you will need as an intern.\n"
        "1. Languages\nJava runs everywhere and is taught widely.\n"
        "2. Cloud\nLearn the basics of one provider well.\n3. Testing\nWrite tests before you ship.\n"
        "3. Career Paths\nSetting Goals\nDecide where you want to be in five years.\n"
        "4. Projects\nPick projects you care about and finish them.\n"
        "Games\nBuild a small game with a friend.\n"
        "Fruit to Bring\nYou will want a snack.\n1. Apples\n2. Pears\n"
        "More Fruit\nBananas are good for you too, and cheap.\n"
    )
    paths = section_paths(text)
    assert ("Career Paths", "Setting Goals") in paths
    assert ("Skills", "Testing") in paths and ("Projects", "Games") in paths
    assert not any(p[:1] == ("Testing",) for p in paths)
    assert not any("Pears" in p for p in paths)


def test_sentence_case_headings_nest_under_title_case_ones_in_plain_text() -> None:
    """A plain-text guide styled with Title Case sections and sentence-case subsections keeps
    that outline; a guide in one case, or opening in sentence case, stays flat."""
    from internbot.chunking import build_sections
    from internbot.outline import heading_case
    from internbot.parsing import parse
    from internbot.records import Document

    assert heading_case("Contribute to Open Source Projects") == "title"
    assert heading_case("How to get involved with open source") == "sentence"
    assert heading_case("Attend meetups") == "sentence" and heading_case("FAQs") == ""

    def paths(text: str) -> list[tuple[str, ...]]:
        return [s.path for s in build_sections(parse(Document("g", "A Guide", "g.txt", text)))]

    styled = (
        "A Guide\nBuild Your Personal Brand\nBe visible online.\nHow can you build your brand?\n"
        "Tweet about your projects.\nShare Your Knowledge Online\nWrite for others.\nHow to start writing\n"
        "Try dev.to or hashnode.\nContribute to Open Source Projects\nIt is hard for beginners.\n"
        "How to get involved with open source\nRead the open issues first.\nAttend meetups\nMeet people.\n"
    )
    got = paths(styled)
    assert ("Contribute to Open Source Projects", "How to get involved with open source") in got
    assert ("Share Your Knowledge Online", "How to start writing") in got
    assert ("Contribute to Open Source Projects", "Attend meetups") in got
    assert ("Build Your Personal Brand",) in got
    # Opening in sentence case, or with too few of one case: the headings are all siblings.
    flat = styled.replace("Build Your Personal Brand", "Build your personal brand")
    assert ("How to get involved with open source",) in paths(flat.replace(
        "Share Your Knowledge Online", "Share your knowledge online").replace(
        "Contribute to Open Source Projects", "Contribute to open source projects"))
    assert ("How to start writing",) in paths(flat)


def test_steps_a_plain_text_section_announces_nest_under_it() -> None:
    """"…to building a stellar LinkedIn portfolio:" over headings with a paragraph each: those
    headings are its steps, up to the first heading over more text."""
    from internbot.chunking import build_sections
    from internbot.parsing import parse
    from internbot.records import Document

    def paths(text: str) -> list[tuple[str, ...]]:
        return [s.path for s in build_sections(parse(Document("g", "A Guide", "g.txt", text)))]

    steps = ("Use a Professional Headshot\nA clear, well-lit image speaks volumes.\n"
             "Use an Engaging Headline\nConvey your expertise.\nFor example, name your field.\n"
             "Share Your Experience\nDetail your roles.\n")
    guide = ("A Guide\nCraft a Proper Github Profile\nShow your code.\n"
             "Craft an Impressive LinkedIn Portfolio\nLinkedIn is where recruiters look.\n"
             "Here is my step-by-step guide to a stellar portfolio:\nMy LinkedIn Profile\n" + steps +
             "Create a Compelling Resume\nKeep it short.\nTailor it to the job.\nProofread it.\n")
    got = paths(guide)
    assert ("Craft an Impressive LinkedIn Portfolio", "Use a Professional Headshot") in got
    assert ("Craft an Impressive LinkedIn Portfolio", "Share Your Experience") in got
    assert ("Create a Compelling Resume",) in got and ("Craft a Proper Github Profile",) in got
    # Without the announcement, or with fewer than three such steps, they stay siblings.
    assert ("Use a Professional Headshot",) in paths(guide.replace(" to a stellar portfolio:", "."))
    two = guide.replace("Share Your Experience\nDetail your roles.\n", "")
    assert ("Use a Professional Headshot",) in paths(two)
    # A text without headings (a Wikipedia article's paragraphs) is left as it is.
    from internbot.parsing import parse_text
    assert [b.kind for b in parse_text("Just a paragraph of text.\nAnd another one.\n")] == [
        "paragraph", "paragraph"]


def test_bylines_and_photo_credits_are_no_sections() -> None:
    """"By Maple Ong" under the title and "Photo by Unsplash" / "Credits: …" captions are
    dropped, not taken for headings over the text that follows them."""
    from internbot.chunking import chunk_document
    from internbot.records import Document

    text = (
        "How to Intern Well\nBy Maple Ong\nInterns learn fast when they ask questions early.\n"
        "Get to Know Your Team\nMeet your coworkers at lunch and social events.\nPhoto by Unsplash\n"
        "Ask them what their role is.\nCredits: a ping-pong tournament\nPeople tend to be inclusive.\n"
    )
    chunks = chunk_document(Document("g", "How to Intern Well", "g.txt", text))
    assert {c.section for c in chunks} == {(), ("Get to Know Your Team",)}
    assert not any("Unsplash" in c.text or "ping-pong" in c.text or "Maple" in c.text for c in chunks)


def test_the_byline_the_parser_drops_is_the_author_read() -> None:
    """One position rule and one normaliser: a byline holding a zero-width space or a
    non-breaking space is both dropped from the text and read as the author; a "By …"
    line further down is text."""
    from internbot.corpus import byline
    from internbot.parsing import parse_text

    for text in ("Title\nBy Maple\u200b Ong\nBody text here.\n",
                 "Title\n\nA subtitle\nBy\u00a0Maple Ong\nBody text here.\n"):
        assert byline(text) == "Maple Ong"
        assert not any("Maple" in b.text for b in parse_text(text))
    late = "Title\nA subtitle\nBody text.\nBy Maple Ong\n"
    assert byline(late) == ""
    assert any("Maple" in b.text for b in parse_text(late))


def test_a_long_numbered_tip_is_still_its_own_entry() -> None:
    text = ("Tips\nSo here is my advice\n"
            "1. Personal projects matter as much as your grades\n"
            "Employers care about what you have built more than about your transcript.\n"
            "2. Keep testing the market - always apply even if you are not looking for a job right now\n"
            "Popular companies give out internships a year in advance, so just apply.\n")
    chunks = chunk_document(Document("tips", "Tips", "tips.txt", text))
    advance = next(c for c in chunks if "a year in advance" in c.text and c.kind != "list")
    assert advance.label.startswith("Keep testing the market")
    assert "transcript" not in advance.text


def test_a_list_leads_with_the_paragraph_before_it_not_a_closing_remark() -> None:
    text = ("Open Source\nHow to get involved\n"
            "Open source is a good way to learn how large projects are run in the open.\n"
            "I am only going to recommend some of the bigger projects here, to get started with.\n"
            "  • freeCodeCamp: contribute to the curriculum.\n  • Strapi: a modern CMS.\n"
            "  • React: the most popular JavaScript framework.\n"
            "Contributing might be hard to get into, but it strengthens your resume like nothing else.\n")
    chunks = chunk_document(Document("oss", "Open Source", "oss.txt", text))
    summary = next(c for c in chunks if c.kind == "list")
    assert summary.sentences[0].startswith("I am only going to recommend")
    assert not any("hard to get into" in s for s in summary.sentences)
    assert any("hard to get into" in c.text for c in chunks if c.kind == "paragraph")
    bullets_first = chunk_document(Document("b", "B", "b.txt", "B\nTools\n  • one: a\n  • two: b\n"
                                            "  • three: c\nThat is all there is to say about tools.\n"))
    assert next(c for c in bullets_first if c.kind == "list").sentences[0].startswith("• one")


def test_a_sentence_is_embedded_with_its_section_path_and_label() -> None:
    """What a sentence vector reads: the section path (or the title, before any heading), then an
    item's label when the path does not name it."""
    chunk = Chunk("d#1", "d", "Guide", ("So here's my advice", "Keep testing the market"), "paragraph",
                  "Microsoft gives out internships a year in advance.",
                  ("Microsoft gives out internships a year in advance.",))
    assert chunk.sentence_texts() == ["So here's my advice › Keep testing the market: "
                                      "Microsoft gives out internships a year in advance."]
    item = replace(chunk, section=("Best Internships",), kind="bullet", label="Microsoft Research",
                   sentences=("It lasts 12 to 16 weeks.",))
    assert item.sentence_texts() == ["Best Internships › Microsoft Research: It lasts 12 to 16 weeks."]
    intro = replace(chunk, section=(), sentences=("Read this first.",))
    assert intro.sentence_texts() == ["Guide: Read this first."]
    # The passage's own text, in a corpus of several guides, is led by its guide's title too.
    assert chunk.search_text(titled=True).startswith("Guide › So here's my advice › Keep testing")
    assert intro.search_text(titled=True) == intro.search_text() == f"Guide: {intro.text}"
    # Under a deep path, only the two innermost headings: the outer ones drown the sentence.
    deep = replace(chunk, section=("How to Find Internships", "Interview Preparation Tools", "Free Ones"),
                   kind="bullet", label="Pramp", sentences=("Engage in free mock interviews.",))
    assert deep.sentence_texts() == ["Interview Preparation Tools › Free Ones › Pramp: "
                                     "Engage in free mock interviews."]


def test_a_sub_heading_repeated_under_every_topic_nests_under_each() -> None:
    """"Example Project Ideas" after each of "Java", "Python" and "Linux", at their level in plain
    text: each list of ideas goes under its topic, not beside it with no word of it."""
    from internbot.chunking import build_sections
    from internbot.parsing import parse
    from internbot.records import Document

    def paths(text: str) -> list[tuple[str, ...]]:
        return [s.path for s in build_sections(parse(Document("g", "A Guide", "g.txt", text)))]

    def guide(topics: tuple[str, ...]) -> str:
        return "A Guide\n" + "".join(
            f"{topic}\n{topic} is a skill interns use every day at work.\nExample Project Ideas\n"
            f"Try these to practise {topic} at home.\n• Build a {topic} tool that sorts files.\n"
            for topic in topics) + "Keep Learning\nPractice every week.\n"

    got = paths(guide(("Java", "Python", "Linux")))
    assert ("Linux", "Example Project Ideas") in got and ("Java", "Example Project Ideas") in got
    assert ("Example Project Ideas",) not in got
    assert ("Keep Learning",) in got
    # Twice is not yet a pattern: the headings keep the levels plain text gave them.
    assert ("Example Project Ideas",) in paths(guide(("Java", "Python")))
