"""How the engine reads text: lower-cased words, stemmed content terms, and how specific a
word is in everyday English. Shared by BM25, the probes and answer shaping."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

_WORD = re.compile(r"[a-z0-9]+(?:[.'’-][a-z0-9]+)*")
STOPWORDS = frozenset(
    """
    a about above all also am an and any are as at be been being below between both but by
    can could did do does doing down during each few for from had has have having he her
    here hers him his how i if in into is it its itself just me more most my no nor not now
    of off on once only or other our out over own same she should so some such than that the
    their them then there these they this those through to too under until up very was we
    were what when where which while who whom why will with would you your yours get got
    give tell know want like need much many one really thing things way ways make anything
    something kind kinds type types please also ok okay hi hello hey thanks
    """.split()  # noqa: SIM905
)
#: Contractions as `words` splits them ("shouldn't" → "shouldnt", "shouldn") or as visitors type
#: them ("whats", "im"): function words, never a topic the corpus lacks. wordfreq calls most of
#: them rare ("shouldn" 1.0, "isn" 0.82), so as unknown words they made "why shouldn't I skip
#: networking?" look off topic (0.09). They stay search terms, as all words but stopwords do.
CONTRACTIONS = frozenset(
    """
    don dont doesn doesnt didn didnt isn isnt aren arent wasn wasnt weren werent wont shouldn
    shouldnt wouldn wouldnt couldn couldnt haven havent hasn hasnt hadn hadnt mustn mustnt
    needn neednt ain aint cant cannot im ive youre youve youd youll theyre theyve weve hes shes
    thats theres whats hows wheres whos whens whys lets
    """.split()  # noqa: SIM905
)

#: Chat shorthand, read as the words it stands for: "hw much do intrns get payed" asks how
#: much, and MiniLM reads "how" where "hw" means little to it. Only forms with one reading in
#: a question to a career site: not "r" (the R language) or "u" (the U.S.). Asides ("tbh",
#: "lol") go: spelt out, "to be honest" would search for "hone".
SHORTHAND = {
    "hw": "how", "wat": "what", "wht": "what", "ur": "your",
    "pls": "please", "plz": "please", "thx": "thanks", "ppl": "people", "smth": "something",
    "sth": "something", "bc": "because", "cuz": "because", "abt": "about", "b4": "before",
    "gonna": "going to", "wanna": "want to", "gotta": "got to", "yrs": "years",
    "uni": "university", "tbh": "", "btw": "", "imo": "", "idk": "", "rn": "", "lol": "",
    "lmao": "",
}

_stemmer = snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return str(_stemmer.stemWord(word))


#: Bumped when `words` reads text another way, so BM25's terms differ: an index built before
#: is rebuilt (`indexing.is_current`). 2: accents folded (`fold`).
TOKENIZER_VERSION = "2"
#: Letters with no decomposition into a base letter and an accent.
_LETTERS = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ß": "ss",
                          "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ı": "i"})


class _Folded(dict[int, str]):
    """Each character's form without accents, worked out the first time it is met: its NFKD
    decomposition without combining marks, after `_LETTERS`. Character by character this is
    the whole text's folding (NFKD only reorders the combining marks it drops), at the cost of
    a lookup per character, where normalising every passage again was half of `words`'s time."""

    def __missing__(self, code: int) -> str:
        bare = unicodedata.normalize("NFKD", chr(code).translate(_LETTERS))
        self[code] = folded = "".join(c for c in bare if not unicodedata.combining(c))
        return folded


_FOLDED = _Folded()


def fold(text: str) -> str:
    """`text` without accents ("Möngke" → "Mongke", "résumé" → "resume", "Skłodowska" →
    "Sklodowska"), as visitors type names, so both spellings are the same word."""
    return text if text.isascii() else text.translate(_FOLDED)


def words(text: str) -> list[str]:
    """Lower-cased word tokens, accents folded, hyphenated and dotted words also split into
    their parts."""
    out: list[str] = []
    for token in _WORD.findall(fold(text).lower().replace("’", "'")):
        token = token.removesuffix("'s")
        parts = re.split(r"[.'-]", token)
        out.append(token.replace("'", ""))
        if len(parts) > 1:
            out.extend(p for p in parts if p)
    return out


def terms(text: str) -> list[str]:
    """Content terms: stemmed words without stopwords."""
    return [stem(w) for w in words(text) if w not in STOPWORDS and len(w) > 1]


@lru_cache(maxsize=65536)
def term_set(text: str) -> frozenset[str]:
    """The set of a passage sentence's terms, cached: answers score the same sentences often."""
    return frozenset(terms(text))


@lru_cache(maxsize=65536)
def specificity(word: str) -> float:
    """How rare a word is in everyday English, 0 (very common) to 1 (unseen), from wordfreq's
    Zipf scale: 5.5 and up ("people", "stuff") is 0, 2.5 and down is 1 ("lasagna" is 3.1)."""
    from wordfreq import zipf_frequency

    return min(1.0, max(0.0, (5.5 - zipf_frequency(word, "en")) / 3.0))


def misspelt_stopword(word: str) -> str | None:
    """The stopword or contraction `word` is a slip of, two neighbouring letters swapped
    ("wihch", "sohuld"), unless `word` is itself an English word ("form")."""
    if len(word) < 4 or word in STOPWORDS:
        return None
    meant = _swaps().get(word)
    return meant if meant is not None and specificity(word) >= 1.0 else None


@lru_cache(maxsize=1)
def _swaps() -> dict[str, str]:
    """Every neighbouring-letter swap of each longer stopword and contraction."""
    out: dict[str, str] = {}
    for w in sorted(STOPWORDS | CONTRACTIONS):
        for i in range(len(w) - 1):
            if len(w) >= 4 and w[i] != w[i + 1]:
                out.setdefault(w[:i] + w[i + 1] + w[i] + w[i + 2 :], w)
    return out
