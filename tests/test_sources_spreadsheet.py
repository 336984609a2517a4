from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook

from compliance.errors import ComplianceError
from compliance.sources.spreadsheet import cell_value, xlsx_rows

ENGINES = ["calamine", "openpyxl"]


@pytest.fixture
def workbook(tmp_path: Path) -> str:
    wb = Workbook()
    first = wb.active
    assert first is not None
    first.title = "Oversigt"
    first.append(["not the data"])
    ws = wb.create_sheet("Sager")
    ws.append(["Sagsnr", "Hændelse", "Dato", "Tidspunkt", "Beløb"])
    ws.append([12345, "Underretning modtaget", dt.datetime(2024, 3, 1), "09:15", 10.5])
    ws.append([None, None, None, None, None])
    ws.append([12345, "Kvittering sendt", dt.datetime(2024, 3, 4, 13, 30), None, 3.0])
    ws.append(["S-2", "Afgørelse", dt.datetime(2024, 3, 5), "10:00"])
    path = tmp_path / "export.xlsx"
    wb.save(path)
    return str(path)


@pytest.mark.parametrize("engine", ENGINES)
def test_rows_with_sheet_and_row_locations(workbook: str, engine: str) -> None:
    rows = list(xlsx_rows(workbook, "Sager", engine=engine))  # type: ignore[arg-type]
    assert [r.location for r in rows] == [
        "sheet Sager row 2",
        "sheet Sager row 4",
        "sheet Sager row 5",
    ]
    assert rows[0].values == {
        "Sagsnr": 12345,
        "Hændelse": "Underretning modtaget",
        "Dato": dt.date(2024, 3, 1),
        "Tidspunkt": "09:15",
        "Beløb": 10.5,
    }
    assert rows[1].values["Dato"] == dt.datetime(2024, 3, 4, 13, 30)
    assert rows[1].values["Tidspunkt"] == "" and rows[1].values["Beløb"] == 3
    assert rows[2].values["Beløb"] == ""  # short row padded
    assert all(r.source == workbook for r in rows)


def test_both_engines_agree(workbook: str) -> None:
    by_engine = [list(xlsx_rows(workbook, 1, engine=e)) for e in ("calamine", "openpyxl")]
    assert by_engine[0] == by_engine[1]


@pytest.mark.parametrize("engine", ENGINES)
def test_first_sheet_by_default_and_missing_sheet_is_an_error(workbook: str, engine: str) -> None:
    assert list(xlsx_rows(workbook, engine=engine)) == []  # type: ignore[arg-type]
    with pytest.raises(
        ComplianceError, match=r"no sheet 'Ark1' \(sheets: \['Oversigt', 'Sager'\]\)"
    ):
        list(xlsx_rows(workbook, "Ark1", engine=engine))  # type: ignore[arg-type]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_file_that_is_not_xlsx_is_a_clear_error(tmp_path: Path, engine: str) -> None:
    path = tmp_path / "export.xlsx"
    path.write_text("Sagsnr;Hændelse\n", encoding="utf-8")
    with pytest.raises(ComplianceError, match="cannot read as XLSX"):
        list(xlsx_rows(str(path), engine=engine))  # type: ignore[arg-type]


def test_cell_values() -> None:
    assert cell_value(None) == ""
    assert cell_value(12345.0) == 12345 and isinstance(cell_value(12345.0), int)
    assert cell_value(0.5) == 0.5
    assert cell_value(dt.datetime(2024, 3, 1)) == dt.date(2024, 3, 1)
    aware = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
    assert cell_value(aware) is aware
