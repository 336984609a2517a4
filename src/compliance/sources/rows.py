"""A located row: what every tabular reader (delimited text, XLSX, Parquet, SQL) yields.

``location`` says where the row is in its source in the source's own terms — ``line 12``,
``sheet Sager row 5``, ``row group 3 row 17``, ``query row 42`` — so that a rejected row or case
can always be found again. ``line`` is the 1-based physical line of a text file (None for
sources without lines).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from compliance.errors import ComplianceError, TimelineError

__all__ = ["Row", "check_header", "row_error"]


@dataclass(frozen=True, slots=True)
class Row:
    """One row of a tabular export: its cells by column name, and where it came from."""

    values: dict[str, Any]
    source: str
    location: str
    line: int | None = None


def row_error(reason: str, source: str, location: str, line: int | None = None) -> TimelineError:
    """A located error for a row that cannot be read (never raised by the readers for one bad
    row: they stop only when the source as a whole is unreadable)."""
    return TimelineError(reason, source=source, line=line, location=location)


def check_header(header: list[str], source: str, location: str) -> None:
    """Refuse a header that names a column twice: the rows are keyed by column name, so one
    of the two columns would silently be lost. Blank names (empty trailing columns of a
    spreadsheet export) are not compared. Raises :class:`ComplianceError` (exit 2)."""
    if len(set(header)) == len(header):
        return  # the common case: one set, no scan
    seen: dict[str, int] = {}
    for number, name in enumerate(header, 1):
        if not name:
            continue
        if name in seen:
            raise ComplianceError(
                f"{source}: {location}: column {name!r} appears twice in the header (columns "
                f"{seen[name]} and {number}); rename one in the export or select the columns "
                "you need, since rows are read by column name"
            )
        seen[name] = number
