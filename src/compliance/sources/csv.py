"""Long-form CSV (``.csv``, ``.tsv``, ``.txt``): one event per row, the rows of a case
contiguous. Foreign exports are read through a ``ColumnMapping``. Streams case by case."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

from compliance.errors import ComplianceError, TimelineError
from compliance.sources.item import Item, error_item
from compliance.sources.long_form import (
    ATTR_PREFIX,
    REQUIRED_COLUMNS,
    SUBJECT_PREFIX,
    CaseAssembler,
    LongFormRow,
    prefixed,
)
from compliance.sources.mapping import ColumnMapping
from compliance.sources.options import ReadOptions

if TYPE_CHECKING:
    from _csv import Reader as CsvReader

__all__ = ["read"]

_FIRST_BLOCKS_REMEMBERED = 1_000_000  # bounds memory; past it non-contiguity goes unnoticed
_NumberedRow = tuple[int, list[str]]


def read(path: str, options: ReadOptions) -> Iterator[Item]:
    mapping = options.mapping or ColumnMapping()
    with _open_text(path) as fh:
        reader = csv.reader(fh, delimiter=_delimiter(fh, mapping))
        try:
            header = next(reader)
        except StopIteration:
            return
        except (csv.Error, UnicodeDecodeError) as exc:
            yield error_item(f"unreadable CSV header: {exc}", 1, path)
            return
        columns = _Columns.of(header, mapping)
        if columns.missing:
            yield error_item(
                f"CSV header lacks column(s) {columns.missing} (have {columns.names[:12]}); "
                "use a column mapping (--mapping)",
                1,
                path,
            )
            return
        rows = _numbered_rows(reader, path, len(header))
        yield from _cases(rows, columns, mapping, path)


def _open_text(path: str) -> IO[str]:
    try:
        return open(path, encoding="utf-8-sig", newline="", errors="surrogateescape")
    except OSError as exc:
        raise ComplianceError(f"{path}: cannot open: {exc.strerror}") from None


def _delimiter(fh: IO[str], mapping: ColumnMapping) -> str:
    """The mapping's delimiter, else ``;`` or ``,``, whichever the file's start has more of."""
    head = fh.read(8192)
    fh.seek(0)
    return mapping.delimiter or (";" if head.count(";") > head.count(",") else ",")


@dataclass
class _Columns:
    """Where each long-form column is in the header (by our name, through the mapping)."""

    names: list[str]
    case_id: int
    event_id: int
    type: int
    at: int
    refs: int | None
    attrs: dict[str, int]
    subject: dict[str, int]
    missing: list[str]

    @classmethod
    def of(cls, header: list[str], mapping: ColumnMapping) -> _Columns:
        index = {name: i for i, name in enumerate(h.strip() for h in header)}
        found = {ours: index.get(mapping.column(ours)) for ours in (*REQUIRED_COLUMNS, "refs")}
        attrs = prefixed(index, ATTR_PREFIX)
        attrs.update({a: index[c] for a, c in mapping.attrs.items() if c in index})
        subject = prefixed(index, SUBJECT_PREFIX)
        subject.update({a: index[c] for a, c in mapping.subject.items() if c in index})
        return cls(
            names=list(index),
            case_id=found["case_id"] or 0,
            event_id=found["event_id"] or 0,
            type=found["type"] or 0,
            at=found["at"] or 0,
            refs=found["refs"],
            attrs=attrs,
            subject=subject,
            missing=[ours for ours in REQUIRED_COLUMNS if found[ours] is None],
        )

    def row(self, cells: list[str], mapping: ColumnMapping) -> LongFormRow:
        attrs = {}
        for name, i in self.attrs.items():
            cell = cells[i].strip()
            if cell:
                attrs[name] = mapping.attr_value(name, cell)
        refs = cells[self.refs].strip() if self.refs is not None else ""
        return LongFormRow(
            event_id=cells[self.event_id].strip(),
            type=mapping.event_type(cells[self.type].strip()),
            at=mapping.date_or_text(cells[self.at]),
            refs=refs or None,
            attrs=attrs,
            subject={k: cells[i].strip() for k, i in self.subject.items() if cells[i].strip()},
        )


def _numbered_rows(reader: CsvReader, path: str, width: int) -> Iterator[_NumberedRow | Item]:
    """Non-blank rows padded to the header's width, with their line; unreadable rows as errors."""
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except (csv.Error, UnicodeDecodeError) as exc:
            line = reader.line_num
            yield error_item(f"unreadable CSV row: {exc}", line, path)
            continue
        if not cells or not any(c.strip() for c in cells):
            continue
        yield reader.line_num, cells + [""] * (width - len(cells))


class _CaseBlock:
    """The contiguous rows of one case, and the first reason (if any) to reject it."""

    def __init__(self, case_id: str, line: int, path: str, first_lines: dict[str, int]) -> None:
        self.case_id = case_id
        self.line = line
        self.path = path
        self.assembler = CaseAssembler(case_id)
        self.broken: TimelineError | None = None
        if case_id in first_lines:
            self.broken = TimelineError(
                f"rows of this case are not contiguous (first block at line {first_lines[case_id]});"
                " sort the export by case_id",
                case_id=case_id,
                line=line,
                source=path,
            )
        first_lines[case_id] = line
        if len(first_lines) > _FIRST_BLOCKS_REMEMBERED:
            first_lines.clear()

    def check(self, cells: list[str], line: int) -> None:
        if not self.case_id:
            self.reject(TimelineError("row without case_id", line=line, source=self.path))
        if any(_has_surrogates(c) for c in cells):
            self.reject(
                TimelineError(
                    "invalid UTF-8 in this row (export the file as UTF-8)",
                    case_id=self.case_id.encode("utf-8", "replace").decode() or None,
                    line=line,
                    source=self.path,
                )
            )

    def reject(self, error: TimelineError) -> None:
        self.broken = self.broken or error

    def item(self) -> Item:
        if self.broken is not None:
            return Item(self.line, self.path, error=self.broken)
        return Item(self.line, self.path, case=self.assembler.case)


def _cases(
    rows: Iterator[_NumberedRow | Item], columns: _Columns, mapping: ColumnMapping, path: str
) -> Iterator[Item]:
    block: _CaseBlock | None = None
    first_lines: dict[str, int] = {}  # case id -> line its latest block started on
    for entry in rows:
        if isinstance(entry, Item):
            yield entry
            continue
        line, cells = entry
        case_id = cells[columns.case_id].strip()
        if block is None or case_id != block.case_id:
            if block is not None:
                yield block.item()
            block = _CaseBlock(case_id, line, path, first_lines)
        block.check(cells, line)
        block.assembler.add(columns.row(cells, mapping))
    if block is not None:
        yield block.item()


def _has_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
        return False
    except UnicodeEncodeError:
        return True
