"""Order-independent grouping of rows into cases, in flat memory for large exports.

Report modules export rows sorted by date, with the cases interleaved; a case's rows may be
anywhere in the file. :func:`group_rows` reads *all* rows before it yields any case, so a case
is never evaluated from a fragment, and yields each case once with its rows in file order (so
events at the same instant keep file order; see :mod:`compliance.sources.event_ids`).

Small inputs are grouped in memory. Past ``max_in_memory`` rows the rows spill to a temporary
SQLite database (standard library; the choice against DuckDB and an external sort is measured
in docs/adr/0009-grouping-large-exports.md): rows are appended with their sequence number, one
index on (case, sequence) is built by SQLite's external sorter, and cases are read back one at
a time. Either way cases come out in order of first appearance, so the output does not depend
on which path was taken.
"""

from __future__ import annotations

import contextlib
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from pickle import HIGHEST_PROTOCOL as _PROTOCOL
from pickle import dumps, loads

from compliance.sources.rows import Row

__all__ = ["DEFAULT_MAX_IN_MEMORY", "CaseRows", "group_rows"]

DEFAULT_MAX_IN_MEMORY = 100_000
_BATCH = 20_000


@dataclass(frozen=True, slots=True)
class CaseRows:
    """All rows of one case, in file order. ``location`` is where the case's first row is."""

    case_id: str
    rows: list[Row]

    @property
    def location(self) -> str:
        return self.rows[0].location


def group_rows(
    rows: Iterable[Row],
    case_of: str | Callable[[Row], str],
    *,
    max_in_memory: int = DEFAULT_MAX_IN_MEMORY,
    spill_dir: str | None = None,
) -> Iterator[CaseRows]:
    """Group ``rows`` into cases by ``case_of`` (a column name, or a function of the row).

    Cases are yielded in order of their first row, each with its rows in file order. Every key
    is a case, the empty string included: rows without a case id should be rejected (with their
    location) before grouping. At most ``max_in_memory`` rows are held in memory; beyond that
    they spill to a temporary database in ``spill_dir`` (default: the system temp directory),
    which is removed when the iteration ends or is abandoned.
    """
    key = _key_function(case_of)
    buffer: list[tuple[str, Row]] = []
    it = iter(rows)
    for row in it:
        buffer.append((key(row), row))
        if len(buffer) > max_in_memory:
            yield from _spilled(buffer, it, key, spill_dir)
            return
    yield from _in_memory(buffer)


def _key_function(case_of: str | Callable[[Row], str]) -> Callable[[Row], str]:
    if callable(case_of):
        return case_of
    column = case_of

    def key(row: Row) -> str:
        value = row.values.get(column)
        return "" if value is None else str(value).strip()

    return key


def _in_memory(buffer: list[tuple[str, Row]]) -> Iterator[CaseRows]:
    cases: dict[str, list[Row]] = {}
    for case_id, row in buffer:
        cases.setdefault(case_id, []).append(row)
    buffer.clear()
    for case_id, case_rows in cases.items():
        yield CaseRows(case_id, case_rows)


def _spilled(
    buffer: list[tuple[str, Row]],
    rest: Iterator[Row],
    key: Callable[[Row], str],
    spill_dir: str | None,
) -> Iterator[CaseRows]:
    with tempfile.TemporaryDirectory(prefix="compliance-group-", dir=spill_dir) as tmp:
        db = _spill_db(Path(tmp) / "rows.sqlite")
        with contextlib.closing(db):
            seq = _insert(db, 0, buffer)
            buffer.clear()
            batch: list[tuple[str, Row]] = []
            for row in rest:
                batch.append((key(row), row))
                if len(batch) >= _BATCH:
                    seq = _insert(db, seq, batch)
                    batch.clear()
            _insert(db, seq, batch)
            db.execute("CREATE INDEX rows_by_case ON rows (case_id, seq)")
            yield from _read_back(db)


def _spill_db(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    for pragma in (
        "journal_mode = OFF",  # a scratch database: nothing to recover after a crash
        "synchronous = OFF",
        "temp_store = FILE",  # the index sort spills to disk, not to memory
        "cache_size = -32768",  # 32 MiB page cache
    ):
        db.execute(f"PRAGMA {pragma}")
    db.execute("CREATE TABLE rows (seq INTEGER PRIMARY KEY, case_id TEXT NOT NULL, row BLOB)")
    db.execute("BEGIN")
    return db


def _insert(db: sqlite3.Connection, start: int, batch: list[tuple[str, Row]]) -> int:
    db.executemany(
        "INSERT INTO rows VALUES (?, ?, ?)",
        (
            (start + i, case_id, dumps((r.values, r.source, r.location, r.line), _PROTOCOL))
            for i, (case_id, r) in enumerate(batch)
        ),
    )
    return start + len(batch)


def _read_back(db: sqlite3.Connection) -> Iterator[CaseRows]:
    db.execute("COMMIT")
    cases = db.execute("SELECT case_id FROM rows GROUP BY case_id ORDER BY MIN(seq)")
    for (case_id,) in cases:
        found = db.execute("SELECT row FROM rows WHERE case_id = ? ORDER BY seq", (case_id,))
        yield CaseRows(case_id, [Row(*loads(blob)) for (blob,) in found])
