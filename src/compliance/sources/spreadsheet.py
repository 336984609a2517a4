"""XLSX exports, read row by row: python-calamine (fast, the default when installed) or
openpyxl in read-only mode (streaming, always installed). docs/adr/0010-xes-reader.md has the
measurements behind the default.

The first non-empty row of the sheet is the header; every later non-empty row is yielded with
its location ``sheet <name> row <n>`` (``n`` is the row number Excel shows). Cell values are
made uniform across the two engines:

- an empty cell is ``""`` (as in delimited text);
- a whole number stored as a float (Excel stores every number as a float) is an ``int``, so a
  case number 12345 does not become ``12345.0``;
- a date cell is a ``datetime.date``; a date-time cell a naive ``datetime.datetime`` (Excel has
  no time zones: the mapping names the zone). Excel stores a date as a date-time at midnight, so
  a naive date-time at exactly 00:00:00 is taken as a date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any, Literal

from compliance.errors import ComplianceError
from compliance.sources.item import Item
from compliance.sources.options import ReadOptions
from compliance.sources.rows import Row, check_header

__all__ = ["Engine", "cell_value", "read", "xlsx_rows"]

Engine = Literal["calamine", "openpyxl"]


def cell_value(value: Any) -> Any:
    """A cell as the readers yield it (see the module docstring)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None and value.time() == dt.time(0, 0):
            return value.date()
        return value
    return value


def _default_engine() -> Engine:
    try:
        import python_calamine  # noqa: F401
    except ImportError:
        return "openpyxl"
    return "calamine"


def xlsx_rows(
    path: str, sheet: str | int | None = None, engine: Engine | None = None
) -> Iterator[Row]:
    """The rows of one sheet (by name or 0-based index; default the first) of an XLSX file."""
    engine = engine or _default_engine()
    if engine == "calamine":
        name, first_row, cells = _calamine(path, sheet)
    else:
        name, first_row, cells = _openpyxl(path, sheet)
    header: list[str] | None = None
    for n, raw in enumerate(cells, first_row):
        values = [cell_value(v) for v in raw]
        if not any(v != "" for v in values):
            continue
        if header is None:
            header = [str(v).strip() for v in values]
            check_header(header, path, f"sheet {name} row {n}")
            continue
        values += [""] * (len(header) - len(values))
        yield Row(dict(zip(header, values, strict=False)), path, f"sheet {name} row {n}")


def _unreadable(path: str, exc: Exception) -> ComplianceError:
    return ComplianceError(f"{path}: cannot read as XLSX: {exc}")


def _calamine(path: str, sheet: str | int | None) -> tuple[str, int, Iterable[list[Any]]]:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(path)
        names = wb.sheet_names
        name = _sheet_name(path, names, sheet)
        ws = wb.get_sheet_by_name(name)
    except (CalamineError, OSError, ValueError) as exc:
        raise _unreadable(path, exc) from None
    # iter_rows always starts at the sheet's first row, empty leading rows included
    # (python-calamine issue 177), whatever ``ws.start`` says: numbering starts at 1
    return name, 1, ws.iter_rows()


def _openpyxl(path: str, sheet: str | int | None) -> tuple[str, int, Iterable[list[Any]]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise _unreadable(path, exc) from None
    name = _sheet_name(path, list(wb.sheetnames), sheet)
    ws = wb[name]

    def rows() -> Iterator[list[Any]]:
        try:
            for row in ws.iter_rows(values_only=True):
                yield list(row)
        finally:
            wb.close()

    return name, 1, rows()


def _sheet_name(path: str, names: list[str], sheet: str | int | None) -> str:
    if sheet is None:
        sheet = 0
    if isinstance(sheet, int):
        if 0 <= sheet < len(names):
            return names[sheet]
    elif sheet in names:
        return sheet
    raise ComplianceError(f"{path}: no sheet {sheet!r} (sheets: {names})")


def read(path: str, options: ReadOptions) -> Iterator[Item]:
    """The cases of an XLSX export (the mapping's ``sheet``, default the first)."""
    from compliance.sources.table import table_items

    mapping = options.mapping
    yield from table_items(xlsx_rows(path, mapping.sheet if mapping else None), path, mapping)
