"""Questions that ask for an amount or a date, and texts that state one: the expected answer type
of classic question answering, reduced to the types a guide's near misses share: an amount
(among amounts, a proportion or a count of time) and a date. "What is the salary of a data
scientist?" over a guide that only describes what data scientists do is answered by a passage
with no figure in it; a passage that answers it would hold one."""

from __future__ import annotations

import re

#: Number words, the small ones alone for "one in four" and "20 to 1".
_ONE_TO_TEN = "one|two|three|four|five|six|seven|eight|nine|ten"
_NUMBER_WORDS = rf"{_ONE_TO_TEN}|eleven|twelve|fifteen|twenty|thirty|forty|fifty"

#: Currency signs, and the units a count of time names ("12-week", "how many days…").
_CURRENCY = "[$€£¥₹]"
_TIME_UNITS = "second|minute|hour|day|week|month|year|decade|centur"

#: Measures that are shares of a whole: their answer is a proportion ("5.3%", "one in four"),
#: not just any figure ("a 12-week internship" does not tell an acceptance rate).
_PROPORTIONS = r"percentage|percent|proportion|fraction|rates?|ratio"
#: Money by name: nouns only, and those that are verbs or shared with other sums too.
_MONEY_NOUNS = r"salary|salaries|wage|wages|stipend|income|compensation|tuition"
_MONEY_MEASURES = r"pay|cost|price|fee|fees|budget"
#: What "how much…" asks someone earns or pays, or something costs.
_SPENDING = r"make|makes|made|earn|earns|earned|pay|pays|paid|cost|costs|charge|charges"
#: Measures that are only nouns, so one word may come between them and "what" ("what SAT
#: score…", "what starting salary…"), where "which companies pay…" asks for companies.
_NOUN_MEASURES = (rf"{_MONEY_NOUNS}|gpa|score|scores"
                  r"|percentage|proportion|fraction|ratio|temperature|population")
#: Money and measures asked for by name ("what is the average salary…", "what GPA…", "what is
#: the acceptance rate…"; not "the number one…"): the nouns, those that are verbs too, the shares.
_MEASURES = (rf"{_NOUN_MEASURES}|{_MONEY_MEASURES}|number(?! one)|amount|age|"
             + _PROPORTIONS)
#: Questions asking for an amount: a count ("how many…"), a sum ("how much does … earn / cost",
#: "how much is…"), or a measure by name after "what" ("what GPA…", "what SAT score…", "what is
#: the average salary…", not the definition "what is steady income?"). Degree questions ("how
#: much does my GPA matter?") and yes-or-no ones ("does my GPA matter?") ask for none.
ASKS_AMOUNT = re.compile(
    r"^\W*(?:how many\b"
    r"|how much (?:is|are|was|were)\b"
    rf"|how much\b.*\b(?:{_SPENDING})\b"
    rf"|(?:what|which) (?:{_MEASURES})\b"
    rf"|(?:what|which) (?!(?:is|are|was|were)\b)\w+ (?:{_NOUN_MEASURES})\b"
    rf"|what(?:['’]s| is| are| was| were) (?:the|a|an|my|your|their)(?: \w+){{0,2}} (?:{_MEASURES})\b)",
    re.I,
)
#: What states an amount: a digit, a currency sign, a number word or a vague quantity ("a few",
#: "several"), since "how many…" is fairly answered without a figure.
STATES_AMOUNT = re.compile(
    rf"\d|{_CURRENCY}|\b(?:{_NUMBER_WORDS}|hundreds?|thousands?|millions?|billions?|dozens?|half|twice"
    r"|percent|few|several|couple|handful|single|double)\b",
    re.I,
)
#: A sum of money asked: what someone earns or pays, or what something costs ("how much do
#: interns make at Shopify?", "what is the tuition…"), not a count or a score.
ASKS_MONEY = re.compile(
    rf"^\W*(?:how much\b.*\b(?:{_SPENDING})\b|(?:what|which)\b.*\b(?:{_MONEY_NOUNS}|{_MONEY_MEASURES})\b)",
    re.I,
)
#: A count asked ("how many interns pay tuition?"): any figure tells it, money or not.
ASKS_COUNT = re.compile(r"^\W*how many\b", re.I)
#: What states money: a currency sign or name, a figure in thousands ("80k"), or none ("free").
STATES_MONEY = re.compile(
    rf"{_CURRENCY}|\b(?:dollars?|euros?|pounds?|yen|yuan|rupees?|pesos?|francs?|cents?|usd|eur|gbp"
    r"|shillings?|lira|rubles?|free|unpaid)\b|\b\d+(?:\.\d+)?\s?k\b",
    re.I,
)
#: A question asking for a proportion by name ("what percentage of…", "the acceptance rate…").
ASKS_PROPORTION = re.compile(rf"^\W*(?:what|which)\b.*\b(?:{_PROPORTIONS})\b", re.I)
#: What states a proportion: a percentage, a fraction, "one in four", "20 to 1", "for every", a
#: rate or ratio named, or a vague share ("the majority").
STATES_PROPORTION = re.compile(
    r"%|\bper ?cent|\b(?:half|halves|thirds?|quarters?|fifths?|sixths?|sevenths?|eighths?|ninths?"
    r"|tenths?|majority|minority|rates?|ratios?)\b|\bout of\b|\bfor every\b|\bin every\b"
    rf"|\b(?:\d+|{_ONE_TO_TEN}) (?:in|to) (?:\d|{_ONE_TO_TEN})",
    re.I,
)

#: A count of a unit of time ("how many days…", "how many vacation days…"): its answer names
#: that unit ("12 to 16 weeks" does not tell a number of days).
ASKS_DURATION = re.compile(
    rf"^\W*how many (?:\w+ )?({_TIME_UNITS})(?:s|y|ies)?\b", re.I)
_COUNT = (rf"(?:\d[\d,.]*|a|an|{_NUMBER_WORDS}|sixty|hundreds? of|thousands? of|few|several"
          r"|couple of|many|dozens?|half an?)")
#: A calendar year, decade or century tells a number of years ("beginning around 1700").
_YEARS = re.compile(r"\b1\d{3}s?\b|\b20\d\ds?\b|\bdecades?\b|\bcentur(?:y|ies)\b", re.I)


#: A figure counting time or money ("12-week", "12 to 16 weeks", "a few days", "$6,000 to
#: $10,000", "80k"), which tells no count of anything else.
_TIMES_OR_MONEY = re.compile(
    rf"\b{_COUNT}(?:\s+to\s+{_COUNT})?(?:[\s-]+\w+)?[\s-]+(?:{_TIME_UNITS})(?:s|y|ies)?\b"
    rf"|{_CURRENCY}\s?\d[\d,.]*\s?k?\b|\b\d[\d,.]*\s?(?:k\b|dollars?|euros?)",
    re.I,
)


def states_duration(text: str, unit: str) -> bool:
    """Whether `text` counts the time `unit` ("second" … "centur"): a number or a vague count
    before it ("12-week", "a few days"), or, for years and longer, a date."""
    if re.search(rf"\b{_COUNT}(?:[\s-]+\w+)?[\s-]+{unit}(?:s|y|ies)?\b", text, re.I):
        return True
    return unit in ("year", "decade", "centur") and bool(_YEARS.search(text))

#: A question asking for a date by name ("in what year…", "what is the application deadline…").
ASKS_DATE = re.compile(
    r"^\W*(?:(?:in |on |by )?(?:what|which)"
    r" (?:dates?|days?|months?|years?|decades?|centur(?:y|ies)|deadlines?)\b"
    r"|(?:what|when)(?:['’]s| is| are| was| were) (?:the|a|an|my|your|their)(?: \w+){0,2}"
    r" (?:dates?|deadlines?)\b)",
    re.I,
)
_MONTHS = (r"january|february|march|april|may|june|july|august|september|october|november|december"
           r"|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec")
#: What states a date: a month, a weekday, a season, a year (not the "000" of "$10,000"), a day of
#: the month, a century, or a year of study ("what year should I apply?": "in your junior year").
STATES_DATE = re.compile(
    rf"\b(?:{_MONTHS}|(?:mon|tues|wednes|thurs|fri|satur|sun)days?|spring|summer|autumn|fall|winter"
    r"|today|tomorrow|yesterday|weekly|daily|annually|yearly|centur(?:y|ies)|decades?|bc|ad|bce|ce"
    r"|freshman|sophomore|junior|senior|(?:first|second|third|fourth|final|last)[\s-]year)\b"
    r"|(?<![\d,.$])\b\d{3,4}s?\b(?![,.]\d)|\b\d{1,2}(?:st|nd|rd|th)\b",
    re.I,
)


def asks_amount(question: str) -> bool:
    return bool(ASKS_AMOUNT.search(question))


def states_amount(text: str) -> bool:
    return bool(STATES_AMOUNT.search(text))


#: The words a count asks about ("how many hard skills…" → "hard skills do").
COUNTED = re.compile(r"^\W*how many ((?:[\w'’-]+ ){0,2}[\w'’-]+)", re.I)


def _singular(word: str) -> str:
    """A plural's stem ("mistakes" → "mistake"), or "" for a word that is not one ("analysis",
    "class", "status")."""
    word = word.lower()
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "is", "us")) else ""


def listed(question: str, listing: str) -> bool:
    """A count ("how many mistakes…", "how many hard skills…") of the plural a list names in
    its heading or lead (`listing`: "My mistakes were", "Key Hard Skills & Qualifications"):
    the list states it by its members. The first plural counted must be that word."""
    m = COUNTED.search(question)
    counted = next((s for w in m.group(1).split() if (s := _singular(w))), "") if m else ""
    return bool(counted and listing and counted in {_singular(w) for w in re.findall(r"[A-Za-z]+", listing)})


def unstated(question: str, text: str, listing: str = "") -> bool:
    """The question asks for an amount or a date and `text` states none (for a proportion, no
    share; for a count of days or years, none of them; for a sum of money, no money; for a
    count of what the passage's list names, `listing`, the list itself; for a count of
    anything else, a figure other than one of time or money)."""
    if ASKS_DATE.search(question):
        return not STATES_DATE.search(text)
    if not asks_amount(question):
        return False
    if ASKS_PROPORTION.search(question):
        return not STATES_PROPORTION.search(text)
    if duration := ASKS_DURATION.search(question):
        return not states_duration(text, duration.group(1).lower())
    count = bool(ASKS_COUNT.search(question))
    if ASKS_MONEY.search(question) and not count:
        return not STATES_MONEY.search(text)
    if count:
        # "How many interns does FAIR hire?" is not told by "a 12-week program" or "$8,000
        # a month": a count of something else is told by a figure other than time or money.
        text = _TIMES_OR_MONEY.sub(" ", text)
    return not (states_amount(text) or listed(question, listing))
