"""Duplicate JSON keys and duplicate header columns are refused with a located error instead
of silently keeping one of the values (src/compliance/sources/duplicate_keys.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from compliance.cli import app
from compliance.errors import ComplianceError
from compliance.sources import read_cases

EVENTS = (
    '{"id": "e1", "type": "notification_received", "at": "2024-03-01"}, '
    '{"id": "e2", "type": "investigation_started", "type": "case_closed", "at": "2024-03-04"}'
)
DUPLICATED = '{"case_id": "c-2", "events": [' + EVENTS + "]}"
CLEAN = '{"case_id": "c-1", "events": [{"id": "e1", "type": "x", "at": "2024-03-01"}]}'


def _file(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("lazy", [False, True])
def test_jsonl_duplicate_key_names_line_case_key_and_path(tmp_path: Path, lazy: bool) -> None:
    path = _file(tmp_path, "cases.jsonl", CLEAN + "\n" + DUPLICATED + "\n")
    first, second = (item.parsed() for item in read_cases(path, lazy=lazy))
    assert first.case is not None and second.case is None and second.error is not None
    error = second.error
    assert (error.line, error.case_id, error.source) == (2, "c-2", path)
    assert "duplicate key 'type' in events[1]" in str(error)


def test_json_array_element_and_single_object_are_checked(tmp_path: Path) -> None:
    path = _file(tmp_path, "cases.json", f"[{CLEAN},\n {DUPLICATED}]")
    items = list(read_cases(path))
    assert items[0].case is not None
    assert items[1].error is not None and items[1].error.line == 2
    single = _file(
        tmp_path,
        "case.json",
        DUPLICATED.replace('"case_id": "c-2"', '"case_id": "c-2", "case_id": "c-3"'),
    )
    (item,) = read_cases(single)
    assert item.error is not None and "duplicate key 'case_id' in the case object" in str(
        item.error
    )


@pytest.mark.parametrize(
    "text",
    [
        '{"case_id": "c", "events": [], "subject": {"note": "a \\":\\" b", "x": 1}}',  # \": in a value
        '{"case_id" : "c", "events" : []}',  # spacing before the colon: exact path, no duplicate
        '{"case_id": "c", "events": [], "subject": {"a\\\\": 1}}',  # a key ending in a backslash
    ],
)
def test_unusual_but_valid_json_is_not_refused(tmp_path: Path, text: str) -> None:
    json.loads(text)
    (item,) = read_cases(_file(tmp_path, "case.json", text))
    assert item.error is None and item.case is not None


def test_spaced_duplicate_keys_are_still_found(tmp_path: Path) -> None:
    text = '{"case_id" : "c", "events" : [], "events" : []}'
    (item,) = read_cases(_file(tmp_path, "case.jsonl", text))
    assert item.error is not None and "duplicate key 'events'" in str(item.error)


def test_csv_duplicate_header_column_is_a_located_error(tmp_path: Path) -> None:
    path = _file(tmp_path, "export.csv", "case_id;type;at;at\nc1;x;2024-03-01;2024-03-02\n")
    with pytest.raises(ComplianceError) as err:
        list(read_cases(path))
    assert f"{path}: line 1: column 'at' appears twice in the header (columns 3 and 4)" in str(
        err.value
    )


def test_blank_header_cells_are_not_duplicates(tmp_path: Path) -> None:
    path = _file(tmp_path, "export.csv", "case_id,type,at,,\nc1,x,2024-03-01,,\n")
    (item,) = read_cases(path)
    assert item.case is not None


def test_xlsx_duplicate_header_names_sheet_and_row(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Sager"
    sheet.append([])
    sheet.append(["case_id", "type", "type", "at"])
    sheet.append(["c1", "x", "y", "2024-03-01"])
    path = str(tmp_path / "export.xlsx")
    book.save(path)
    with pytest.raises(ComplianceError) as err:
        list(read_cases(path))
    assert "sheet Sager row 2: column 'type' appears twice in the header (columns 2 and 3)" in str(
        err.value
    )


def test_audit_of_a_csv_with_a_duplicate_column_exits_2(tmp_path: Path) -> None:
    path = _file(tmp_path, "export.csv", "case_id,type,at,type\nc1,x,2024-03-01,y\n")
    res = CliRunner().invoke(app, ["audit", path, "--rules", "dk", "--as-of", "2024-06-01"])
    assert res.exit_code == 2
    assert "column 'type' appears twice" in res.stderr


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_rows_below_leading_empty_rows_keep_their_sheet_row_numbers(
    tmp_path: Path, engine: str
) -> None:
    from compliance.sources.spreadsheet import xlsx_rows

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A3"], sheet["B3"], sheet["A4"], sheet["B4"] = "case_id", "type", "c1", "x"
    path = str(tmp_path / "export.xlsx")
    book.save(path)
    (row,) = xlsx_rows(path, engine=engine)  # type: ignore[arg-type]
    assert row.location == "sheet Sheet row 4"
