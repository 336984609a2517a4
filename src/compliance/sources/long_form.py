"""The long form (docs/reference/timelines.md): one event per row — ``case_id, event_id, type, at``, optional
``refs``, ``attr.<name>`` and ``subject.<name>`` columns — and how rows become a case.

Every tabular source (CSV here; Parquet in ``compliance.dask``) turns its cells into
``LongFormRow``s and lets ``CaseAssembler`` build the case, so that refs, attributes and
subject data mean the same in every format."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

__all__ = [
    "ATTR_PREFIX",
    "REQUIRED_COLUMNS",
    "SUBJECT_PREFIX",
    "CaseAssembler",
    "LongFormRow",
    "prefixed",
    "split_refs",
]

REQUIRED_COLUMNS = ("case_id", "event_id", "type", "at")
ATTR_PREFIX = "attr."
SUBJECT_PREFIX = "subject."
T = TypeVar("T")


def split_refs(text: str) -> list[str]:
    """The event ids in a ``refs`` cell, separated by white space, ``|`` or ``,``."""
    return text.replace("|", " ").replace(",", " ").split()


def prefixed(columns: Mapping[str, T], prefix: str) -> dict[str, T]:
    """``{"attr.kind": x}`` -> ``{"kind": x}`` for the columns that start with ``prefix``."""
    return {
        name[len(prefix) :]: value for name, value in columns.items() if name.startswith(prefix)
    }


@dataclass
class LongFormRow:
    """One row, its cells already turned into values (``refs`` still the cell's text)."""

    event_id: Any
    type: Any
    at: Any
    refs: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)  # only cells with a value
    subject: dict[str, Any] = field(default_factory=dict)  # only cells with a value


class CaseAssembler:
    """The rows of one case, in order, as a timeline dict (docs/reference/timelines.md)."""

    def __init__(self, case_id: str) -> None:
        self.case: dict[str, Any] = {"case_id": case_id, "subject": {}, "events": []}

    def add(self, row: LongFormRow) -> None:
        event: dict[str, Any] = {"id": row.event_id, "type": row.type, "at": row.at}
        if row.refs:
            event["refs"] = split_refs(row.refs)
        if row.attrs:
            event["attrs"] = row.attrs
        self.case["subject"].update(row.subject)
        self.case["events"].append(event)
