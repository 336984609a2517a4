"""Tabular sources (delimited text, XLSX, Parquet, SQL) as cases: located rows → the mapping →
order-independent grouping → timelines with generated event ids.

Every tabular reader yields :class:`~compliance.sources.rows.Row`s and hands them here, so a
column, a date or a rejected row means the same in every format:

- the mapping is the user's (``--mapping``), else the ``pm4py`` preset when the header has
  pm4py's columns, else the long form's own names (``case_id``, ``type``, ``at``, optional
  ``event_id``, ``refs``, ``attr.<name>``, ``subject.<name>``);
- a row without a case id is rejected on its own, with its location;
- rows are grouped by case id (:func:`compliance.sources.grouping.group_rows`) before any case
  is yielded, so rows of one case may be anywhere and a case is never built from a fragment;
- a cell that cannot be converted rejects its case, naming the source, the row's location,
  the case and the field;
- events without an id get one (:mod:`compliance.sources.event_ids`), so same-instant events
  keep file order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from compliance.errors import TimelineError
from compliance.sources.event_ids import generate_event_ids
from compliance.sources.grouping import CaseRows, group_rows
from compliance.sources.item import Item, error_item
from compliance.sources.long_form import ATTR_PREFIX, SUBJECT_PREFIX, split_refs
from compliance.sources.mapping import ColumnMapping
from compliance.sources.presets import detect_preset
from compliance.sources.rows import Row

__all__ = ["table_items"]

_REQUIRED = ("case_id", "type", "at")
_LAST_NUMBER = re.compile(r"(\d+)\D*$")


def table_items(rows: Iterable[Row], source: str, mapping: ColumnMapping | None) -> Iterator[Item]:
    """The cases of a tabular source, one ``Item`` each (or a located error)."""
    it = iter(rows)
    first = next(it, None)
    if first is None:
        return
    columns = _Columns.of(list(first.values), _effective(mapping, first.values))
    if columns.missing:
        have = list(first.values)[:12]
        yield error_item(
            f"header lacks column(s) {columns.missing} (have {have}); "
            "use a column mapping (--mapping)",
            1,
            source,
        )
        return
    orphans: list[Item] = []
    grouped = group_rows(_with_case_ids(_chain(first, it), columns, orphans), columns.case_of)
    for case_rows in grouped:
        yield from orphans
        orphans.clear()
        yield columns.item(case_rows)
    yield from orphans


def _chain(first: Row, rest: Iterator[Row]) -> Iterator[Row]:
    yield first
    yield from rest


def _effective(mapping: ColumnMapping | None, header: Iterable[str]) -> ColumnMapping:
    if mapping is not None and mapping.preset:
        return ColumnMapping.from_preset(mapping.preset, mapping)
    if mapping is None or not mapping.columns:
        preset = detect_preset(header)
        if preset is not None:
            return ColumnMapping.from_preset(preset, mapping)
    return mapping or ColumnMapping()


def _with_case_ids(rows: Iterator[Row], columns: _Columns, orphans: list[Item]) -> Iterator[Row]:
    for row in rows:
        if columns.case_of(row):
            yield row
        else:
            orphans.append(_row_error(row, None, f"{columns.case_column}: row without a case id"))


def row_line(row: Row) -> int:
    """The row's line, or for sources without lines the last number of its location."""
    if row.line is not None:
        return row.line
    found = _LAST_NUMBER.search(row.location)
    return int(found.group(1)) if found else 0


def _row_error(row: Row, case_id: str | None, reason: str) -> Item:
    line = row_line(row)
    error = TimelineError(
        reason, case_id=case_id, source=row.source, line=line, location=row.location
    )
    return Item(line, row.source, error=error)


@dataclass
class _Columns:
    """Which of the source's columns hold what, through the mapping."""

    mapping: ColumnMapping
    case_column: str
    type_column: str
    at_columns: list[str]
    event_id: str | None
    refs: str | None
    attrs: dict[str, str]  # attr name -> column
    subject: dict[str, str]  # subject field -> column
    missing: list[str]

    @classmethod
    def of(cls, header: list[str], mapping: ColumnMapping) -> _Columns:
        names = set(header)
        at_columns = mapping.at_columns()
        missing = [ours for ours in ("case_id", "type") if mapping.column(ours) not in names]
        missing += [c for c in at_columns if c not in names]
        subject = {n[len(SUBJECT_PREFIX) :]: n for n in header if n.startswith(SUBJECT_PREFIX)}
        if mapping.subject_prefix:
            p = mapping.subject_prefix
            subject.update({n[len(p) :]: n for n in header if n.startswith(p)})
        subject.update({k: c for k, c in mapping.subject.items() if c in names})
        attrs = {n[len(ATTR_PREFIX) :]: n for n in header if n.startswith(ATTR_PREFIX)}
        attrs.update({k: c for k, c in mapping.attrs.items() if c in names})
        own = {mapping.column(o) for o in ("case_id", "type", "event_id", "refs")}
        own |= set(at_columns) | set(subject.values()) | set(attrs.values())
        if mapping.attrs_rest:
            attrs.update({n: n for n in header if n not in own and n != mapping.lifecycle})
        optional = {o: mapping.column(o) for o in ("event_id", "refs")}
        return cls(
            mapping=mapping,
            case_column=mapping.column("case_id"),
            type_column=mapping.column("type"),
            at_columns=at_columns,
            event_id=optional["event_id"] if optional["event_id"] in names else None,
            refs=optional["refs"] if optional["refs"] in names else None,
            attrs=attrs,
            subject=subject,
            missing=missing,
        )

    def case_of(self, row: Row) -> str:
        value = row.values.get(self.case_column)
        return "" if value is None else str(value).strip()

    def item(self, case_rows: CaseRows) -> Item:
        case_id = case_rows.case_id
        first = case_rows.rows[0]
        case: dict[str, Any] = {"case_id": case_id, "subject": {}, "events": []}
        given: list[str | None] = []
        for row in case_rows.rows:
            try:
                event, event_id = self.event(row, case["subject"])
            except ValueError as exc:
                return _row_error(row, case_id, str(exc))
            case["events"].append(event)
            given.append(event_id)
        ats = [str(e["at"]) for e in case["events"]]
        if any(not a for a in ats):
            row = case_rows.rows[ats.index("")]
            return _row_error(row, case_id, f"{'+'.join(self.at_columns)}: no time")
        for event, event_id in zip(case["events"], generate_event_ids(ats, given), strict=True):
            event["id"] = event_id
        return Item(row_line(first), first.source, case=case)

    def event(self, row: Row, subject: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
        """One row as an event (without its id) and the export's id for it, if any."""
        values, m = row.values, self.mapping
        kind = _text(values.get(self.type_column))
        if not kind:
            raise ValueError(f"{self.type_column}: no event type")
        if m.lifecycle:
            transition = _text(values.get(m.lifecycle)).lower() or "complete"
            kind = kind if transition == "complete" else f"{kind}+{transition}"
        time_cell = values.get(self.at_columns[1]) if len(self.at_columns) > 1 else None
        at = m.instant(values.get(self.at_columns[0]), self.at_columns[0], time_cell)
        event: dict[str, Any] = {"type": m.event_type(kind), "at": at}
        if self.refs is not None and (refs := _text(values.get(self.refs))):
            event["refs"] = split_refs(refs)
        attrs = self._values(values, self.attrs, m.attr_value)
        if attrs:
            event["attrs"] = attrs
        subject.update(self._values(values, self.subject, m.field_value))
        event_id = _text(values.get(self.event_id)) if self.event_id else ""
        return event, event_id or None

    @staticmethod
    def _values(values: dict[str, Any], columns: dict[str, str], convert: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, column in columns.items():
            cell = values.get(column)
            if cell is None or (isinstance(cell, str) and not cell.strip()):
                continue
            try:
                out[name] = convert(name, cell.strip() if isinstance(cell, str) else cell)
            except ValueError as exc:
                raise ValueError(f"{column}: {exc}") from None
        return out


def _text(cell: Any) -> str:
    return "" if cell is None else str(cell).strip()
