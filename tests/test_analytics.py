"""The feedback store's privacy rules and the `internbot report` summary."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from internbot.analytics import group_similar, summarise, write_report
from internbot.cli import main
from internbot.store import AskLog, SQLiteStore, redact
from internbot.store.sqlite import MIGRATIONS


@pytest.mark.parametrize("text, expected", [
    ("reach me at first.last+tag@mail.example.co.uk", "reach me at [email]"),
    ("my number is +1 (555) 123-4567, thanks", "my number is [phone], thanks"),
    ("call 020 7946 0958", "call [phone]"),
    ("interns earn $6,000 to $10,000 per month", "interns earn $6,000 to $10,000 per month"),
    ("a 12 to 16 week internship in 2024", "a 12 to 16 week internship in 2024"),
])
def test_redaction(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_retention_purge(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "db.sqlite3", retention_days=30)
    store.log_asks([AskLog("old question", True, 0.9, "a", "s", "api")])
    store.add_feedback("old", "a", True)
    later = time.time() + 31 * 86400
    store.log_asks([AskLog("fresh question", True, 0.9, "a", "s", "api")])
    assert store.purge(now=time.time()) == 0
    assert store.purge(now=later) == 3  # 31 days on, everything is past retention
    assert store.asks() == [] and store.feedback() == []


def test_grouping_of_unanswered_questions() -> None:
    groups = group_similar(["visa for interns in Canada", "canada intern visa", "remote internships",
                            "visa requirements for interns in Canada"])
    assert len(groups[0]) == 3 and "remote internships" in groups[1]


def test_report_html_and_csv(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "db.sqlite3")
    store.log_asks([AskLog("How much do ML interns make?", True, 0.9, "a", "FAQs", "api")] * 3
                   + [AskLog("Do you sponsor visas?", False, 0.1, "fallback", "", "chat"),
                      AskLog("sponsor a visa for interns?", False, 0.2, "fallback", "", "api")])
    store.add_feedback("Which company is best?", "a", False, "too vague")
    store.add_feedback("How much do ML interns make?", "a", True)
    summary = summarise(store)
    assert summary.top_questions[0] == ("how much do ml interns make?", 3)
    assert summary.asked == 5 and summary.answered == 3
    assert any(len(g) == 2 for g in summary.gaps)  # the two visa questions, grouped
    assert summary.helpfulness[0][1:] == (1, 2)
    write_report(summary, tmp_path / "r.html")
    html = (tmp_path / "r.html").read_text()
    assert "Most asked" in html and "sponsor" in html and "50%" in html
    write_report(summary, tmp_path / "r.csv")
    rows = list(csv.reader((tmp_path / "r.csv").open()))
    assert rows[0] == ["section", "item", "count", "extra"] and len(rows) > 3


def test_an_unsure_answer_counts_as_a_gap(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "db.sqlite3")
    store.log_asks([AskLog("How much do ML interns make?", True, 0.9, "a", "FAQs", "api"),
                    AskLog("What is Google's dress code?", True, 0.6, "a", "Google", "chat")])
    assert summarise(store).gaps == []
    assert summarise(store, unsure_below=0.7).gaps == [["What is Google's dress code?"]]
    assert summarise(store, unsure_below=0.7).answered == 2  # still answered, just unsure


def test_report_command(tmp_path: Path) -> None:
    env = {"INTERNBOT_DATA": str(tmp_path)}
    result = CliRunner().invoke(main, ["report", "--out", str(tmp_path / "r.html")], env=env)
    assert result.exit_code == 1 and "no usage data" in result.output
    SQLiteStore(tmp_path / "internbot.sqlite3").log_asks([AskLog("q?", True, 0.9, "a", "s", "api")])
    result = CliRunner().invoke(main, ["report", "--since", "7", "--out", str(tmp_path / "r.html")],
                                env=env)
    assert result.exit_code == 0 and (tmp_path / "r.html").exists()


def test_schema_versions(tmp_path: Path) -> None:
    import sqlite3

    from internbot.errors import StoreSchemaError

    old = tmp_path / "old.sqlite3"  # a store from before schema versions: adopted as version 1
    db = sqlite3.connect(old)
    db.executescript("CREATE TABLE feedback (id INTEGER PRIMARY KEY, ts REAL NOT NULL, question "
                     "TEXT NOT NULL, answer TEXT NOT NULL, helpful INTEGER NOT NULL, reason TEXT "
                     "NOT NULL DEFAULT ''); INSERT INTO feedback VALUES (1, 1e9, 'q', 'a', 1, '');")
    db.close()
    store = SQLiteStore(old)
    assert store.schema_version() == 1 and len(store.feedback()) == 1
    store.close()
    grown = SQLiteStore(old, migrations=(*MIGRATIONS, "ALTER TABLE feedback ADD COLUMN page TEXT"))
    assert grown.schema_version() == 2
    grown.close()
    with pytest.raises(StoreSchemaError, match="schema version 2, newer than this internbot"):
        SQLiteStore(old)  # an older internbot never writes to a schema it does not know
