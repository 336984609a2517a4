"""Generated event ids for exports that have none (deterministic, documented).

Scheme (docs/guide and docs/adr/0009-grouping-large-exports.md): an event without an id gets

    ``<at>#<n>``

where ``<at>`` is the event's time exactly as mapped (ISO 8601: ``2024-03-01`` or
``2024-03-01T09:30:00+01:00``) and ``<n>`` is its 1-based position among the events of the same
case with the same ``<at>``, counted in file order and zero-padded to the width of the largest
such count in the case (at least 2 digits): ``2024-03-01#01``, ``2024-03-01#02``.

Why this form:

- **Deterministic and stable.** The id depends only on the case's own rows with the same time,
  in file order — not on other cases, not on how cases are interleaved, not on events at other
  times. Adding a later event to a case, or re-exporting the file sorted differently across
  cases, leaves every existing id unchanged.
- **Unique within the case.** Distinct times give distinct prefixes; equal times are numbered.
- **Ties keep file order.** The engine orders events by (instant, id); events at the same
  instant have the same ``<at>`` prefix and zero-padded counters, so their ids sort in file
  order. (Two spellings of the same instant, e.g. ``...+01:00`` and ``...Z``, sort by text;
  exports use one spelling.)
- **Readable.** A finding that cites ``2024-03-01#02`` tells the auditor which row it was.

Ids in the export, where present, are always kept; only empty ones are generated. A generated id
that collides with an id given in the export is suffixed with ``~`` until unique.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

__all__ = ["ID_SEPARATOR", "event_id", "generate_event_ids"]

ID_SEPARATOR = "#"
MIN_WIDTH = 2


def event_id(at: str, occurrence: int, width: int = MIN_WIDTH) -> str:
    """The id of the ``occurrence``-th (1-based, file order) event at ``at`` in its case."""
    if occurrence < 1:
        raise ValueError(f"occurrence is 1-based, got {occurrence}")
    text = at.strip()
    if not text:
        raise ValueError("an event without a time cannot get a generated id")
    return f"{text}{ID_SEPARATOR}{occurrence:0{max(width, MIN_WIDTH)}d}"


def generate_event_ids(ats: Sequence[str], given: Sequence[str | None] | None = None) -> list[str]:
    """Ids for the events of one case, in file order.

    ``ats``: each event's mapped time; ``given``: the export's ids (None or "" where missing),
    which are kept. Returns one id per event, unique within the case.
    """
    if given is not None and len(given) != len(ats):
        raise ValueError(f"{len(ats)} times but {len(given)} ids")
    keep = [(g or "").strip() for g in given] if given is not None else [""] * len(ats)
    missing = [i for i, g in enumerate(keep) if not g]
    per_at = Counter(ats[i].strip() for i in missing)
    width = max([MIN_WIDTH, *(len(str(c)) for c in per_at.values())])
    taken = {g for g in keep if g}
    seen: Counter[str] = Counter()
    ids = list(keep)
    for i in missing:
        at = ats[i].strip()
        seen[at] += 1
        new = event_id(at, seen[at], width)
        while new in taken:
            new += "~"
        taken.add(new)
        ids[i] = new
    return ids
