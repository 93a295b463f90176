"""The question as it is embedded: misspellings corrected, acronyms spelt out, aliases added.

MiniLM reads words better than letters or misspelt word pieces, so the question the model
sees is the one BM25 already reads (`Retriever.encode`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np

from internbot.spelling import english
from internbot.tokens import SHORTHAND, STOPWORDS, misspelt_stopword, specificity, stem, terms, words

if TYPE_CHECKING:
    from internbot.aliases import Aliases
    from internbot.lexical import BM25


def _acronym(phrase: str) -> str:
    """The initials of a phrase of two or more words ("machine learning" → "ml"), else ""."""
    words = re.findall(r"[a-z]+", phrase.lower())
    return "".join(w[0] for w in words) if len(words) > 1 else ""


def _whole(word: str) -> str:
    """A pattern for `word` as a whole word (matched case-insensitively)."""
    return rf"\b{re.escape(word)}\b"


def replace_word(text: str, word: str, by: str) -> str:
    """`text` with every whole-word `word`, in any case, replaced by `by`."""
    return re.sub(_whole(word), by, text, flags=re.I)


def _named(said: str, text: str) -> bool:
    """`said` is written as a name in `text`: capitalised other than as its first word
    ("Meta's AI lab", "my CV"), or in capitals ("CV?")."""
    for m in re.finditer(_whole(said), text, flags=re.I):
        written = m.group(0)
        if any(c.isupper() for c in written[1:]) or (written[0].isupper() and text[: m.start()].strip()):
            return True
    return False


class Rewriter:
    """Rewrites questions against one corpus's vocabulary and alias groups."""

    def __init__(self, bm25: BM25, aliases: Aliases, *, respell: bool = True,
                 spell_out: bool = True, alias_embedding: bool = False) -> None:
        self.bm25 = bm25
        self.aliases = aliases
        self.fix_spelling, self.spell_acronyms, self.alias_embedding = respell, spell_out, alias_embedding

    def expand(self, text: str) -> str:
        """The question as it is embedded: acronyms spelt out (`spell_out`), and with
        `Weights.alias_embedding`, for each alias it says, the member of its group the corpus
        uses most appended (one short phrase each, as every extra token costs encoding time)."""
        if self.fix_spelling:
            text = self.respell(text)
        if self.spell_acronyms:
            text = self.spell_out(text)
        if not self.alias_embedding:
            return text
        extra: list[str] = []
        for said, others in self.aliases.matches(text):
            used = [(self._usage(m), m) for m in others]
            best = max(used, default=(0, ""))
            if best[0] > self._usage(said) and best[1] not in extra:
                extra.append(best[1])
        return f"{text} ({', '.join(extra)})" if extra else text

    def respell(self, text: str) -> str:
        """The question with each misspelt word ("learrning", "wihch") written as the corpus
        or English word it meant, as BM25 already reads it: MiniLM cuts an unknown spelling
        into word pieces that mean little. Only words no English dictionary knows are
        touched ("payed", "casual" stay), and only edit-distance slips, not stems. Chat
        shorthand standing alone ("hw", not part of "hw-2") is written out (`SHORTHAND`)."""
        out = text
        for w in dict.fromkeys(words(text)):
            if w in SHORTHAND:
                alone = rf"(?<![\w.'’-]){re.escape(w)}(?![\w'’-]|\.\w)"
                out = " ".join(re.sub(alone, SHORTHAND[w], out, flags=re.I).split())
                continue
            if (w in STOPWORDS or self.bm25.knows(stem(w)) or specificity(w) < 1.0
                    or not w.isalpha()):
                continue
            meant = misspelt_stopword(w) or self.bm25.speller.respelt(w) or english(w)
            if meant is not None:
                out = replace_word(out, w, meant)
        return out

    def spell_out(self, text: str) -> str:
        """The question with each acronym of an alias group ("ML") written as the long form
        it stands for ("machine learning"), when the corpus says that form more: MiniLM reads
        words better than letters, and "what is ML?" otherwise lands on whichever passage
        happens to say "ML" (the pay FAQ's title). One or two tokens more, not a phrase.

        A name or acronym the corpus never says ("Meta", "CV") is written as the member of its
        group the corpus says most ("Facebook", "résumé"): the model does not know they name
        one thing, and the question is then embedded in the guide's own words, as BM25 already
        reads it. A plain word ("salary") is left alone: the model reads it, and a group may
        hold other parts of speech ("paid")."""
        out = text
        for said, others in self.aliases.matches(text):
            used = self._usage(said)
            if not used and _named(said, text):
                best = max(((self._usage(m), m) for m in others), default=(0, ""))
                if best[0]:
                    out = replace_word(out, said, best[1])
                    continue
            if " " in said:
                continue
            long = [m for m in others if _acronym(m) == said and self._usage(m) > used]
            if long:
                out = replace_word(out, said, long[0])
        return out

    def _usage(self, phrase: str) -> int:
        """How many passages hold every term of `phrase` as written (not respelt: "meta" is
        not "metal"), together: how much the corpus uses it."""
        said = terms(phrase)
        if not said or any(not self.bm25.knows(t) for t in said):
            return 0
        if len(said) == 1:
            return self.bm25.df(said[0])
        rows = self.bm25.postings(said[0])
        for t in said[1:]:
            rows = np.intersect1d(rows, self.bm25.postings(t))
        return len(rows)
