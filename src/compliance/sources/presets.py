"""Column mappings for exports that follow a known convention, so they need no mapping file.

The presets are data in the shape of ``ColumnMapping`` (``columns`` our name → their column,
``attrs``, ``subject``, ``types``, ``values``, ``date_format``, ``delimiter``) plus the keys the
mapping layer needs for a complete mapping (docs/guide/sources.md, "What the mapping layer
needs"):

- ``subject_prefix``: every column starting with it is a subject (case) field, named without
  the prefix (pm4py writes case attributes as ``case:<name>``);
- ``attrs_rest``: every column not otherwise mapped is an event attribute of the same name;
- ``lifecycle``: the column with the XES lifecycle transition (``complete`` keeps the activity
  as the type; any other transition gives ``<activity>+<transition>``);
- ``event_ids``: ``generated`` — the export has no event ids; they are made by
  :func:`compliance.sources.event_ids.generate_event_ids`.

``detect_preset`` names the preset a header matches, so a reader can apply it by itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

__all__ = ["PM4PY", "PRESETS", "XES", "detect_preset"]

# pm4py's flat event-log form (pm4py.convert_to_dataframe / write_csv), also what Celonis and
# Disco produce when asked for XES column names. time:timestamp is ISO 8601 ("2005-03-23
# 00:00:00+01:00"), so no date_format is needed.
PM4PY: Final[dict[str, Any]] = {
    "columns": {"case_id": "case:concept:name", "type": "concept:name", "at": "time:timestamp"},
    "attrs": {},
    "subject": {},
    "types": {},
    "values": {},
    "date_format": None,
    "subject_prefix": "case:",
    "attrs_rest": True,
    "lifecycle": "lifecycle:transition",
    "event_ids": "generated",
}

# XES (IEEE 1849) standard extensions, as compliance.sources.xes applies them: the trace's
# concept:name is the case id, the event's concept:name its type, time:timestamp its time,
# identity:id its id where present; other trace attributes are subject fields.
XES: Final[dict[str, Any]] = {
    "columns": {
        "case_id": "concept:name",
        "type": "concept:name",
        "at": "time:timestamp",
        "event_id": "identity:id",
    },
    "attrs": {},
    "subject": {},
    "types": {},
    "values": {},
    "date_format": None,
    "attrs_rest": True,
    "lifecycle": "lifecycle:transition",
    "event_ids": "generated",
}

PRESETS: Final[dict[str, dict[str, Any]]] = {"pm4py": PM4PY, "xes": XES}


def detect_preset(header: Iterable[str]) -> str | None:
    """``"pm4py"`` when a tabular header has pm4py's case, activity and timestamp columns."""
    names = {h.strip() for h in header}
    if set(PM4PY["columns"].values()) <= names:
        return "pm4py"
    return None
