"""Questions that ask for an amount, and texts that state one: the expected answer type of
classic question answering, reduced to the one type a guide's near misses share. "What is the
salary of a data scientist?" over a guide that only describes what data scientists do is
answered by a passage with no figure in it; a passage that answers it would hold one."""

from __future__ import annotations

import re

#: Money and measures asked for by name ("what is the average salary…", "what GPA…").
_MEASURES = (r"salary|salaries|pay|wage|wages|stipend|income|compensation|cost|price|fee|fees"
             r"|gpa|percentage")
#: Questions asking for an amount: a count ("how many…"), a sum ("how much does … earn / cost",
#: "how much is…"), or a measure by name after "what" ("what GPA…", "what is the average
#: salary…", not the definition "what is steady income?"). Degree questions ("how much does my GPA
#: matter?") and yes-or-no ones ("does my GPA matter?") ask for none.
ASKS_AMOUNT = re.compile(
    r"^\W*(?:how many\b"
    r"|how much (?:is|are|was|were)\b"
    r"|how much\b.*\b(?:make|makes|made|earn|earns|earned|pay|pays|paid|cost|costs|charge|charges)\b"
    rf"|(?:what|which) (?:{_MEASURES})\b"
    rf"|what(?:['’]s| is| are| was| were) (?:the|a|an|my|your|their)(?: \w+){{0,2}} (?:{_MEASURES})\b)",
    re.I,
)
#: What states an amount: a digit, a currency sign, a number word or a vague quantity ("a few",
#: "several"), since "how many…" is fairly answered without a figure.
STATES_AMOUNT = re.compile(
    r"\d|[$€£¥₹]|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen"
    r"|twenty|thirty|forty|fifty|hundreds?|thousands?|millions?|billions?|dozens?|half|twice"
    r"|percent|few|several|couple|handful|single|double)\b",
    re.I,
)


def asks_amount(question: str) -> bool:
    return bool(ASKS_AMOUNT.search(question))


def states_amount(text: str) -> bool:
    return bool(STATES_AMOUNT.search(text))
