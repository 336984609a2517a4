from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from compliance.errors import ComplianceError
from compliance.sources.sql import display_url, query_rows


@pytest.fixture
def database(tmp_path: Path) -> str:
    path = tmp_path / "sager.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE haendelser (sagsnr TEXT, haendelse TEXT, dato TEXT, tid TEXT)")
        db.executemany(
            "INSERT INTO haendelser VALUES (?, ?, ?, ?)",
            [
                ("S-2", "Underretning modtaget", "2024-03-01", "14:00"),
                ("S-1", "Underretning modtaget", "2024-03-01", "09:15"),
                ("S-1", "Kvittering sendt", "2024-03-03", "10:00"),
                ("S-3", "Afgørelse", "2024-04-01", "08:00"),
            ],
        )
    return f"sqlite:///{path}"


def test_query_rows_with_query_row_locations(database: str) -> None:
    rows = list(
        query_rows(
            database,
            "SELECT sagsnr, haendelse, dato, tid FROM haendelser WHERE dato < :before "
            "ORDER BY sagsnr, dato",
            {"before": "2024-04-01"},
            batch_rows=2,
        )
    )
    assert [r.location for r in rows] == ["query row 1", "query row 2", "query row 3"]
    assert rows[0].values == {
        "sagsnr": "S-1",
        "haendelse": "Underretning modtaget",
        "dato": "2024-03-01",
        "tid": "09:15",
    }
    assert rows[2].values["sagsnr"] == "S-2"
    assert rows[0].source == database


def test_a_failing_query_names_the_database_and_the_reason(database: str) -> None:
    with pytest.raises(
        ComplianceError, match=r"sqlite:///.*sager\.db: query failed: no such table: sager"
    ):
        list(query_rows(database, "SELECT * FROM sager"))


def test_a_bad_url_is_a_clear_error() -> None:
    with pytest.raises(ComplianceError, match="cannot use this database URL"):
        list(query_rows("nosuchdialect://u@h/db", "SELECT 1"))


def test_passwords_never_appear(database: str) -> None:
    url = "postgresql+psycopg://auditor:hemmeligt@db.example/sager"
    assert "hemmeligt" not in display_url(url) and "auditor:***@db.example" in display_url(url)
    with pytest.raises(ComplianceError) as err:
        list(query_rows("nosuchdialect://auditor:hemmeligt@h/db", "SELECT 1"))
    assert "hemmeligt" not in str(err.value)
