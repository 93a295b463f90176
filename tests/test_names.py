"""The corpus's proper names (`names.py`): which words are names, which documents speak of
each, and the question that names what its passage's guide never speaks of."""

from __future__ import annotations

import json

from internbot.answerer import UNNAMED_SHARE
from internbot.names import Names, names_of
from internbot.records import Chunk


def _chunk(doc: str, text: str, kind: str = "paragraph", label: str = "") -> Chunk:
    sentences = tuple(s.strip() + "." for s in text.split(".") if s.strip())
    return Chunk(id=f"{doc}#{abs(hash(text)) % 1000}", doc_id=doc, doc_title=doc.title(),
                 section=("Part",), kind=kind, text=text, sentences=sentences, label=label)


STORY = [
    _chunk("story", "I spent my last summer interning at Shopify. The work was fun"),
    _chunk("story", "My team at Shopify shipped a new checkout page"),
    _chunk("story", "Stay on the Radar: follow up politely after two weeks", kind="bullet",
           label="Stay on the Radar"),
    _chunk("story", "Stay on the Radar: follow up again after a week", kind="bullet",
           label="Stay on the Radar"),
    _chunk("story", "Tips\n• Use the Schools Filter: find alumni\n• Use the Schools Filter: message them",
           kind="list"),
]
PAY = [_chunk("pay", "Interns are well paid. Most earn between 6,000 and 10,000 dollars a month"),
       _chunk("pay", "Pay depends on the company and the city")]


def test_a_name_is_capitalised_after_a_lower_case_word_and_not_in_a_heading() -> None:
    names = names_of([*STORY, *PAY])
    assert "shopify" in names.spoken
    assert names.spoken["shopify"] == frozenset({"story"})  # two of its passages say it
    assert "radar" not in names.spoken  # only in a bullet's title-cased label
    assert "schools" not in names.spoken  # only in a list summary, counted on its own passages
    assert "interns" not in names.spoken and "the" not in names.spoken
    once = names_of([_chunk("a", "I interned at Shopify"), _chunk("a", "then at Shopify again"),
                     _chunk("b", "Some work at Shopify")])
    assert once.spoken["shopify"] == frozenset({"a"})  # one passage of b is a passing mention


def test_a_word_capitalised_once_is_a_name_when_it_stands_alone() -> None:
    """"platforms like Netflix" names Netflix though it says it once; "automated Applicant
    Tracking Systems" is a term in title case, and "Applicant" no name; "skills, Python"
    counts after a comma, "Interns. Python" after a sentence's end does not."""
    names = names_of([
        _chunk("a", "Recommendation systems power platforms like Netflix"),
        _chunk("a", "Keywords get you past automated Applicant Tracking Systems"),
        _chunk("a", "You need hard skills, Python above all"),
        _chunk("a", "Hire interns. Kaggle helps"),
    ])
    assert {"netflix", "python"} <= set(names.spoken)
    assert not {"applicant", "tracking", "kaggle"} & set(names.spoken)
    assert names.spoken["netflix"] == frozenset()  # one passage: no guide speaks of it
    assert names.unspoken("How much does Netflix pay ML engineers?", PAY[0]) == "netflix"


def test_a_question_naming_what_the_passage_s_guide_never_speaks_of() -> None:
    names = Names({"shopify": frozenset({"story"}), "google": frozenset({"story", "other"})})
    pay = PAY[0]
    assert names.unspoken("How much do Shopify interns get paid?", pay) == "shopify"
    assert names.unspoken("How much do interns get paid?", pay) == ""
    assert names.unspoken("What did you do at Shopify?", STORY[1]) == ""  # the passage says it
    assert names.unspoken("Did Shopify pay well?", STORY[2]) == ""  # its guide speaks of it
    # A name two guides speak of is a theme of the corpus: a passage may be about it unsaid.
    assert names.unspoken("How much do Google interns get paid?", pay) == ""


def test_a_name_said_as_its_alias_counts_as_said() -> None:
    """"Meta" asks about the corpus's "Facebook" (an alias group): the same check applies, and
    a passage saying either form holds it."""
    names = Names({"facebook": frozenset({"story"})})
    meta = [("meta", ["facebook"])]
    assert names.unspoken("How do I prepare for an interview at Meta?", PAY[0], meta) == "meta"
    assert names.unspoken("How do I prepare for an interview at Meta?", PAY[0]) == ""  # no alias
    said = _chunk("pay", "Meta pays interns well")
    assert names.unspoken("How much does Meta pay interns?", said, meta) == ""
    assert names.unspoken("How much does Meta pay interns?", STORY[0], meta) == ""  # its guide


def test_the_index_keeps_the_names_and_a_question_naming_an_unspoken_one_abstains(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Built from two guides, the index knows "Shopify" as the story's; asked of the pay guide's
    passage, "how much do Shopify interns earn?" names what that guide never speaks of, and
    its confidence is halved, under the boundary."""
    from dataclasses import replace

    from internbot.answerer import Answerer
    from internbot.config import HASHING_MODEL, Settings
    from internbot.indexing import build, is_current

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "story.md").write_text(
        "# My Story\n\n## Summer\n\nI spent last summer interning at Shopify, on checkout.\n\n"
        "## Mentor\n\nMy mentor at Shopify reviewed my code every day.\n", encoding="utf-8")
    (corpus / "pay.md").write_text(
        "# Intern Pay\n\n## Pay\n\nInterns earn between 6,000 and 10,000 dollars a month.\n",
        encoding="utf-8")
    (corpus / "synonyms.txt").write_text("shopify, shop app\n", encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", model=HASHING_MODEL,
                        model_sha256="")
    build(settings)
    answerer = Answerer.from_settings(settings)
    names = answerer.retriever.index.names
    assert names is not None and names.spoken["shopify"] == frozenset({"story"})
    assert "names.json" in answerer.retriever.index.manifest.files
    pay = next(c for c in answerer.retriever.chunks if "6,000" in c.text)
    assert names.unspoken("How much do Shopify interns earn a month?", pay) == "shopify"
    plain = answerer.retriever.search_many(["How much do interns earn a month?"], k=5)[0]
    assert plain.hits[0].chunk.id == pay.id and plain.unnamed == ""
    alias = answerer.retriever.search_many(["how much do shop app interns earn a month?"], k=5)[0]
    assert alias.hits[0].chunk.id == pay.id and alias.unnamed == "shop app"  # said as its alias
    calibrated = answerer.calibration.confidence(plain.evidence)
    assert answerer.confidence(replace(plain, unnamed="shopify")) == calibrated * UNNAMED_SHARE
    assert calibrated * UNNAMED_SHARE < 0.5  # the fitted model's boundary
    digest = answerer.retriever.index.manifest.corpus_hash
    assert is_current(settings, digest)
    (tmp_path / "index" / "names.json").unlink()  # as an index built before names were kept
    manifest = tmp_path / "index" / "manifest.json"
    data = json.loads(manifest.read_text())
    del data["files"]["names.json"]
    manifest.write_text(json.dumps(data))
    assert not is_current(settings, digest)


def test_a_name_the_visitor_gives_that_the_corpus_never_says_abstains(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """"how much do ML interns make in Germany?" was answered by the intern pay passage: the
    corpus never says "Germany", an everyday word (rarity 0.2) but a name as the visitor writes
    it. Lower-cased, or opening the question, a word is not read as a name."""
    from conftest import tiny_answerer

    from internbot.retriever import _capitalised

    assert _capitalised("how much do ML interns make in Germany?") == {"germany"}
    assert _capitalised("Germany pays well, right? What about I'd and I'm") == frozenset()
    answerer = tiny_answerer(tmp_path, "# Pay\n\n## Intern Pay\n\nMachine learning interns earn "
                             "between 6,000 and 10,000 dollars a month in the United States.\n",
                             name="pay.md")
    named = answerer.retriever.search_many(["how much do interns earn in Germany?"], k=3)[0]
    assert named.unknown == "germany" and named.unnamed == "germany"
    assert named.evidence.foreign == 1.0  # a name is as specific as a word can be
    plain = answerer.retriever.search_many(["how much do interns earn in germany?"], k=3)[0]
    assert plain.unknown == "germany" and plain.unnamed == "" and plain.evidence.foreign < 0.5
    assert answerer.confidence(named) == answerer.calibration.confidence(named.evidence) * UNNAMED_SHARE
