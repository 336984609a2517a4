"""The column mapping: how a foreign tabular export maps to the long form (a small YAML file,
see docs/guide/auditors.md), and how its cells become values."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from compliance.errors import ComplianceError

__all__ = ["ColumnMapping"]

_TRUE_WORDS = {"true", "yes", "ja"}
_FALSE_WORDS = {"false", "no", "nej"}


@dataclass
class ColumnMapping:
    """How a foreign CSV export maps to the long form."""

    delimiter: str | None = None
    columns: dict[str, str] = field(default_factory=dict)  # our name -> their column
    attrs: dict[str, str] = field(default_factory=dict)  # attr name -> their column
    subject: dict[str, str] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)  # their value -> our event type
    values: dict[str, dict[str, Any]] = field(default_factory=dict)  # attr -> {theirs: ours}
    date_format: str | None = None  # e.g. "%d-%m-%Y" (dates like 01-03-2024)
    decimal_comma: bool = False

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ColumnMapping:
        import yaml

        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8-sig")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ComplianceError(f"{path}: cannot read column mapping: {exc}") from None
        if not isinstance(data, dict):
            raise ComplianceError(f"{path}: a column mapping is a YAML mapping")
        allowed = {f.name for f in fields(cls)}
        unknown = set(data) - allowed
        if unknown:
            raise ComplianceError(f"{path}: unknown mapping key(s) {sorted(unknown)}")
        return cls(**data)

    def column(self, ours: str) -> str:
        """Their header for one of our column names."""
        return self.columns.get(ours, ours)

    def event_type(self, theirs: str) -> str:
        return self.types.get(theirs, theirs)

    def attr_value(self, attr: str, cell: str) -> Any:
        """A non-empty attribute cell: their value translated by ``values``, else converted."""
        table = self.values.get(attr)
        return table[cell] if table and cell in table else self.cell_value(cell)

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
        """``text`` in the mapping's ``date_format`` (e.g. 01-03-2024) as ISO, else None."""
        if not self.date_format:
            return None
        try:
            return dt.datetime.strptime(text, self.date_format).date().isoformat()
        except ValueError:
            return None
