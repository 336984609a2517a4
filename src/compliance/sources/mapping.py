"""The column mapping: how a foreign tabular export maps to the long form (a small YAML file,
see docs/guide/sources.md), and how its cells become values.

Every key is optional. Besides column names (``columns``, ``attrs``, ``subject``), event types
(``types``) and values (``values``) a mapping may say how the source is read (``encoding``,
``delimiter``, ``sheet``, ``query``), how dates are written (``date_format``, ``time_format``,
``timezone``; ``columns: {at: [Dato, Tidspunkt]}`` combines a date and a time column) and how
a convention-following export is spread over columns (``subject_prefix``, ``attrs_rest``,
``lifecycle``; the presets in :mod:`compliance.sources.presets` use them)."""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from compliance.errors import ComplianceError

__all__ = ["ColumnMapping", "is_date_field"]

_TRUE_WORDS = {"true", "yes", "ja"}
_FALSE_WORDS = {"false", "no", "nej"}
_TIME_DIRECTIVES = re.compile(r"%[HIMSfp]")
_TIME_FORMATS = ("%H:%M", "%H:%M:%S", "%H.%M", "%H.%M.%S")


def is_date_field(name: str) -> bool:
    """A subject or attribute field that must hold a date (``birth_date``, ``decided_at``):
    a value there that does not match ``date_format`` rejects the case."""
    low = name.lower()
    return low.endswith(("date", "_at", "dato"))


@dataclass
class ColumnMapping:
    """How a foreign tabular export maps to the long form."""

    delimiter: str | None = None
    encoding: str | None = None  # delimited text; a BOM wins (sources/encoding.py)
    sheet: str | int | None = None  # XLSX: sheet name or 0-based index (default the first)
    query: str | None = None  # SQL sources: the query (or --query)
    columns: dict[str, Any] = field(default_factory=dict)  # our name -> their column(s)
    attrs: dict[str, str] = field(default_factory=dict)  # attr name -> their column
    subject: dict[str, str] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)  # their value -> our event type
    values: dict[str, dict[str, Any]] = field(default_factory=dict)  # attr -> {theirs: ours}
    date_format: str | None = None  # e.g. "%d-%m-%Y" (dates like 01-03-2024)
    time_format: str | None = None  # a separate time column (default %H:%M or %H:%M:%S)
    timezone: str | None = None  # the zone of local date-times (written with their offset)
    decimal_comma: bool = False
    subject_prefix: str | None = None  # columns "<prefix><name>" are subject fields
    attrs_rest: bool = False  # every column not otherwise mapped is an event attribute
    lifecycle: str | None = None  # the XES lifecycle column (non-complete appended to type)
    event_ids: str | None = None  # "generated": the export has no ids (also done per empty id)
    preset: str | None = None  # the preset this mapping came from (pm4py, xes)

    def __post_init__(self) -> None:
        if self.timezone:
            try:
                ZoneInfo(self.timezone)
            except (ZoneInfoNotFoundError, ValueError):
                raise ComplianceError(
                    f"unknown timezone {self.timezone!r} in the mapping"
                ) from None

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ColumnMapping:
        import yaml

        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8-sig")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ComplianceError(f"{path}: cannot read column mapping: {exc}") from None
        if not isinstance(data, dict):
            raise ComplianceError(f"{path}: a column mapping is a YAML mapping")
        unknown = set(data) - cls.known_keys()
        if unknown:
            raise ComplianceError(f"{path}: unknown mapping key(s) {sorted(unknown)}")
        try:
            return cls(**data)
        except ComplianceError as exc:
            raise ComplianceError(f"{path}: {exc}") from None

    @classmethod
    def known_keys(cls) -> set[str]:
        return {f.name for f in fields(cls)}

    @classmethod
    def from_preset(cls, name: str, base: ColumnMapping | None = None) -> ColumnMapping:
        """A preset (``pm4py``, ``xes``), keeping how ``base`` says the file is read."""
        from compliance.sources.presets import PRESETS

        data = {k: v for k, v in PRESETS[name].items() if k in cls.known_keys()}
        if base is not None:
            for key in ("delimiter", "encoding", "sheet", "query", "timezone", "date_format"):
                if getattr(base, key) is not None:
                    data[key] = getattr(base, key)
        return cls(**data, preset=name)

    def column(self, ours: str) -> str:
        """Their header for one of our column names (the first, if several are combined)."""
        theirs = self.columns.get(ours, ours)
        return str(theirs[0]) if isinstance(theirs, list) else str(theirs)

    def at_columns(self) -> list[str]:
        """The column(s) of an event's time: one, or a date and a time column to combine."""
        theirs = self.columns.get("at", "at")
        return [str(c) for c in theirs] if isinstance(theirs, list) else [str(theirs)]

    def event_type(self, theirs: str) -> str:
        return self.types.get(theirs, theirs)

    def attr_value(self, attr: str, cell: Any) -> Any:
        """A non-empty attribute cell: their value translated by ``values``, else converted."""
        table = self.values.get(attr)
        if table and isinstance(cell, str) and cell in table:
            return table[cell]
        return self.field_value(attr, cell)

    def field_value(self, name: str, cell: Any) -> Any:
        """A subject or attribute cell as a value; a date field (:func:`is_date_field`) that
        does not match ``date_format`` raises ValueError naming the field and the format."""
        if not isinstance(cell, str):
            return _typed(cell, self.timezone)
        if is_date_field(name) and self.date_format:
            return self.instant(cell, name)
        return self.cell_value(cell)

    def cell_value(self, text: str) -> Any:
        """Yes/no words as booleans, dates in ``date_format`` as ISO, decimal commas (if set) as
        numbers; anything else stays text. (Bare 1/0 stay text: they may be codes.)"""
        low = text.strip().lower()
        if low in _TRUE_WORDS:
            return True
        if low in _FALSE_WORDS:
            return False
        day = self.iso_date(text.strip())
        if day is not None:
            return day
        if self.decimal_comma and low.replace(",", "", 1).replace("-", "", 1).isdigit():
            return float(low.replace(",", "."))
        return text

    def date_or_text(self, text: str) -> str:
        """An ``at`` cell: ISO if it is in ``date_format``, else as given (stripped)."""
        stripped = text.strip()
        return self.iso_date(stripped) or stripped

    def iso_date(self, text: str) -> str | None:
        """``text`` in the mapping's ``date_format`` as ISO (an instant if the format has a
        time), else None."""
        if not self.date_format:
            return None
        try:
            parsed = dt.datetime.strptime(text, self.date_format)
        except ValueError:
            return None
        if _TIME_DIRECTIVES.search(self.date_format):
            return _local_iso(parsed, self.timezone)
        return parsed.date().isoformat()

    def instant(self, cell: Any, name: str, time_cell: Any = None) -> Any:
        """A date field's value (``at``, ``birth_date``): ISO text, or the cell as given when no
        ``date_format`` is set (the engine then says what is wrong with it). ``time_cell``: a
        separate time column's cell, combined with the date."""
        if not isinstance(cell, str):
            return self._typed_instant(cell, time_cell)
        text = cell.strip()
        time_text = _time_text(time_cell)
        if time_text:
            return self._combined(text, time_text, name)
        if not self.date_format:
            return text
        found = self.iso_date(text)
        if found is not None:
            return found
        if _is_iso(text):
            return text
        raise ValueError(f"{name}: {text!r} does not match date_format {self.date_format!r}")

    def _typed_instant(self, cell: Any, time_cell: Any) -> Any:
        if isinstance(cell, dt.date) and not isinstance(cell, dt.datetime):
            clock = _time_of(time_cell)
            if clock is not None:
                return _local_iso(dt.datetime.combine(cell, clock), self.timezone)
        return _typed(cell, self.timezone)

    def _combined(self, day: str, clock: str, name: str) -> str:
        day_format = self.date_format or "%Y-%m-%d"
        for time_format in (self.time_format,) if self.time_format else _TIME_FORMATS:
            try:
                parsed = dt.datetime.strptime(f"{day} {clock}", f"{day_format} {time_format}")
            except ValueError:
                continue
            return _local_iso(parsed, self.timezone)
        wanted = f"{day_format} + {self.time_format or ' or '.join(_TIME_FORMATS)}"
        raise ValueError(f"{name}: {day!r} {clock!r} does not match date + time format {wanted!r}")


def _time_text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, dt.time):
        return cell.strftime("%H:%M:%S")
    return str(cell).strip()


def _time_of(cell: Any) -> dt.time | None:
    if isinstance(cell, dt.time):
        return cell
    if isinstance(cell, dt.datetime):
        return cell.time()
    text = _time_text(cell)
    for time_format in _TIME_FORMATS:
        try:
            return dt.datetime.strptime(text, time_format).time()
        except ValueError:
            continue
    return None


def _is_iso(text: str) -> bool:
    try:
        dt.datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _local_iso(moment: dt.datetime, zone: str | None) -> str:
    """A wall-clock date-time as ISO: with the offset of ``zone`` when the mapping names one
    (so the instant is unambiguous), else as written (the engine's --tz then applies)."""
    if moment.tzinfo is None and zone:
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment.isoformat()


def _typed(cell: Any, zone: str | None) -> Any:
    """A typed cell (XLSX, Parquet, SQL) as JSON-ready value: dates and date-times as ISO."""
    if isinstance(cell, dt.datetime):
        return _local_iso(cell, zone)
    if isinstance(cell, dt.date):
        return cell.isoformat()
    if isinstance(cell, dt.time):
        return cell.isoformat()
    return cell
