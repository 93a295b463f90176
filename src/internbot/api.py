"""The HTTP API's request and response schemas (they document `/openapi.json`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_QUESTION = 1000
MAX_HISTORY = 20
#: A question as documented: 1 to 1,000 characters with at least one that is neither white
#: space nor a control character. The class is spelt out because `\s` differs between the
#: dialects that read it: pydantic's Rust regex, JSON Schema's ECMAScript (no U+0085) and
#: Python's `str.split`, which folds the question (U+001C–U+001F too). With `\S`, a
#: schema-valid "\x1e" folded to an empty question.
BLANK = r"\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
QuestionText = Annotated[str, Field(min_length=1, max_length=MAX_QUESTION, pattern=f"[^{BLANK}]")]
HistoryItem = Annotated[str, Field(max_length=MAX_QUESTION)]


def _trimmed(value: str) -> str:
    """White space folded; the schema's pattern and length bounds have already been checked."""
    return " ".join(value.split())


class AskRequest(BaseModel):
    """A question, with the chat's earlier questions and the page the widget sits on."""

    model_config = ConfigDict(extra="ignore")
    question: QuestionText = Field(description="1 to 1,000 characters, not only white space.",
                                   examples=["How much do ML interns make?"])
    history: list[HistoryItem] = Field(default_factory=list, max_length=MAX_HISTORY,
                               description="Earlier user questions of this chat, oldest first.")
    page_url: str = Field("", max_length=2048, description="The page the widget is embedded in.")
    page_title: str = Field("", max_length=512)

    @field_validator("question")
    @classmethod
    def _question(cls, value: str) -> str:
        return _trimmed(value)

    @field_validator("history")
    @classmethod
    def _history(cls, value: list[str]) -> list[str]:
        out = []
        for item in value:
            if len(item) > MAX_QUESTION:
                raise ValueError(f"each history item must be at most {MAX_QUESTION} characters")
            if item.strip():
                out.append(" ".join(item.split()))
        return out


class SourceOut(BaseModel):
    doc: str
    section: str
    text: str
    score: float
    doc_title: str = ""
    chunk: str = ""
    highlights: list[str] = Field(default_factory=list)
    #: The web page the passage comes from, for guides crawled from a site.
    url: str = ""
    #: The PDF page the passage starts on (0 when the guide is not a PDF).
    page: int = 0


class AskResponse(BaseModel):
    """The answer contract shared with `internbot ask --json` and `internbot eval`."""

    question: str
    answered: bool
    answer: str
    confidence: float = Field(ge=0, le=1)
    sources: list[SourceOut]
    suggestions: list[str]
    #: passage, list, curated (the site owner's own answer), smalltalk or fallback.
    kind: str = "passage"
    section: str = ""
    #: Answered with a confidence under `INTERNBOT_UNSURE_BELOW`; the answer says so first.
    unsure: bool = False


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    question: QuestionText
    answer: str = Field(max_length=5000)
    helpful: bool
    reason: str = Field("", max_length=1000)

    @field_validator("question")
    @classmethod
    def _question(cls, value: str) -> str:
        return _trimmed(value)


class FeedbackResponse(BaseModel):
    stored: bool
    id: int = 0


class ErrorResponse(BaseModel):
    error: str
