"""How the engine reads words (`tokens.py`): accents folded, so a name typed without them is
the corpus's word."""

from __future__ import annotations

import json

from conftest import tiny_answerer

from internbot.tokens import fold, terms, words


def test_accents_are_folded_so_a_name_typed_without_them_matches() -> None:
    assert words("Möngke Khan") == ["mongke", "khan"]
    assert words("Skłodowska-Curie") == ["sklodowska-curie", "sklodowska", "curie"]
    assert terms("résumé") == terms("resume")
    assert fold("plain ASCII stays") == "plain ASCII stays"


def test_an_index_whose_words_were_read_another_way_is_rebuilt(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from internbot.indexing import is_current

    answerer = tiny_answerer(tmp_path, "# Khans\n\n## Möngke\n\nMöngke Khan attacked the Song "
                             "dynasty in Sichuan.\n", name="khans.md")
    hits = answerer.retriever.search_many(["Where did Mongke Khan attack?"], k=1)[0]
    assert "Möngke" in hits.hits[0].chunk.text and hits.unknown == ""
    settings = answerer.settings
    digest = answerer.retriever.index.manifest.corpus_hash
    assert is_current(settings, digest)
    manifest = settings.index_dir / "manifest.json"
    data = json.loads(manifest.read_text())
    data["versions"]["tokenizer"] = "1"
    manifest.write_text(json.dumps(data))
    assert not is_current(settings, digest)
    # Names read the old way (`names.NAMES_VERSION`; none recorded before version 2) too.
    from internbot.names import NAMES_VERSION
    from internbot.tokens import TOKENIZER_VERSION

    data["versions"]["tokenizer"] = TOKENIZER_VERSION
    manifest.write_text(json.dumps(data))
    assert data["versions"]["names"] == NAMES_VERSION and is_current(settings, digest)
    del data["versions"]["names"]
    manifest.write_text(json.dumps(data))
    assert not is_current(settings, digest)


def test_names_and_the_visitor_s_capitalised_words_are_read_folded_too() -> None:
    from test_names import _chunk

    from internbot.names import names_of
    from internbot.retriever import _capitalised

    assert _capitalised("When did Möngke Khan visit Zürich?") == {"mongke", "khan", "zurich"}
    names = names_of([_chunk("khans", "the reign of Möngke was short"),
                      _chunk("khans", "after Möngke died the war stopped")])
    assert names.spoken["mongke"] == frozenset({"khans"})
