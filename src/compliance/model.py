"""Timelines in, findings out.

``Timeline``/``Event`` are the pydantic models of docs/reference/timelines.md (they also produce the JSON
Schema). The engine works on a lean internal form, ``CaseEvents``, built by
:func:`normalize`, which accepts a model or a plain dict and validates either way with
located errors.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from operator import attrgetter
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from compliance.errors import TimelineError
from compliance.limits import ECHO_LIMIT, shorten
from compliance.status import STATUSES, VIOLATIONS, Status

__all__ = [
    "STATUSES",
    "VIOLATIONS",
    "CaseEvent",
    "CaseEvents",
    "Event",
    "Finding",
    "Status",
    "Subject",
    "Timeline",
    "normalize",
    "parse_instant",
]

Scalar = str | int | float | bool | dt.date


#: The documented forms (docs/reference/timelines.md): a calendar date ``YYYY-MM-DD``, or a datetime
#: ``YYYY-MM-DDThh:mm[:ss[.ffffff]]`` with ``Z`` or ``±hh:mm`` (without one only when a default
#: time zone is named). Python's ``fromisoformat`` also takes basic and week forms
#: (``20250630``, ``2025-W01-1``) and reads a CPR-like ``0102031234`` as 12 March 102: refused.
_DATE_FORM = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME_FORM = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2}(?::\d{2})?)?"
)


def parse_iso_text(text: str) -> dt.datetime | dt.date:
    """A date or datetime in one of the documented ISO 8601 forms; ValueError otherwise."""
    if _DATE_FORM.fullmatch(text):
        return dt.date.fromisoformat(text)
    if _DATETIME_FORM.fullmatch(text):
        return dt.datetime.fromisoformat(text)
    raise ValueError("not in a documented form")


def _parse_iso(value: Any) -> dt.datetime | dt.date:
    """A date (``YYYY-MM-DD``) or a datetime, offset or not; date/datetime objects pass."""
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return parse_iso_text(value.strip())
        except ValueError:
            raise ValueError(f"not an ISO 8601 date or datetime: {shorten(value)!r}") from None
    raise ValueError(f"expected an ISO 8601 date or datetime, got {type(value).__name__}")


def in_zone(naive: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """A naive local time read in ``tz``; a time the zone skips (spring forward) or shows twice
    (fall back) is an error rather than a silent guess."""
    first, second = naive.replace(tzinfo=tz, fold=0), naive.replace(tzinfo=tz, fold=1)
    if first.utcoffset() != second.utcoffset():
        back = first.astimezone(dt.UTC).astimezone(tz).replace(tzinfo=None)
        what = "does not exist" if back != naive else "is ambiguous (it occurs twice)"
        raise ValueError(
            f"local time {naive.isoformat()} {what} in {tz.key} (DST change); "
            "write it with its UTC offset"
        )
    return first


def parse_instant(value: Any, tz: ZoneInfo | None = None) -> dt.datetime | dt.date:
    """Parse an ISO 8601 instant with offset, or a date alone.

    A datetime without offset is an error unless ``tz`` names the time zone to assume.
    """
    parsed = _parse_iso(value)
    if not isinstance(parsed, dt.datetime):
        return parsed
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        if tz is None:
            raise ValueError(
                f"datetime without UTC offset: {shorten(str(value))} (add an offset such as "
                "+01:00, or name a default time zone)"
            )
        parsed = in_zone(parsed.replace(tzinfo=None), tz)
    return parsed


_AT_SCHEMA = {
    "anyOf": [{"type": "string", "format": "date-time"}, {"type": "string", "format": "date"}],
    "description": "ISO 8601 instant with UTC offset, or a date alone (precision = day)",
}
At = Annotated[Any, BeforeValidator(_parse_iso), WithJsonSchema(_AT_SCHEMA)]


class Event(BaseModel):
    """One event of a case (docs/reference/timelines.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, description="unique within the case")
    type: str = Field(min_length=1, description="event type from rules/vocabulary.yaml")
    at: At
    refs: list[str] = Field(default_factory=list, description="ids of earlier events")
    attrs: dict[str, Scalar] = Field(default_factory=dict)


class Subject(BaseModel):
    model_config = ConfigDict(extra="allow")
    birth_date: dt.date | None = None


class Timeline(BaseModel):
    """One case: its id, subject and events."""

    model_config = ConfigDict(extra="forbid")
    case_id: str = Field(min_length=1)
    subject: Subject = Field(default_factory=Subject)
    events: list[Event] = Field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Internal lean form


@dataclass(slots=True)
class CaseEvent:
    """A validated event in the engine's form (``Event`` is the public input model). ``instant`` of a date-only event is local 00:00."""

    id: str
    type: str
    instant: dt.datetime
    date: dt.date
    precise: bool
    refs: tuple[str, ...]
    attrs: Mapping[str, Any]
    key: tuple[float, str]  # (POSIX timestamp, id): total order, cheap to compare
    _when: str | None = None
    _label: str | None = None

    @property
    def ts(self) -> float:
        return self.key[0]

    @property
    def when(self) -> str:
        """The event's time as printed in findings (instant with offset, or date)."""
        if self._when is None:
            self._when = self.instant.isoformat() if self.precise else self.date.isoformat()
        return self._when

    @property
    def written_date(self) -> dt.date:
        """The date as printed in findings: in the event's own UTC offset for an instant (the
        first ten characters of ``when``), the local date for a date-only event."""
        return self.instant.date() if self.precise else self.date

    def label(self) -> str:
        """The event as echoed in explanations: long ids and types are shortened (built once:
        an event is echoed by every finding it triggers, answers or anchors)."""
        if self._label is None:
            eid, etype = self.id, self.type
            if len(eid) > ECHO_LIMIT or len(etype) > ECHO_LIMIT:
                eid, etype = shorten(eid), shorten(etype)
            self._label = f"{eid} {etype} {self.when}"
        return self._label


@dataclass(slots=True)
class CaseEvents:
    """A case ready for evaluation: events sorted by (instant, id), with lookup by id and type."""

    case_id: str
    birth_date: dt.date | None
    events: list[CaseEvent]
    by_id: dict[str, CaseEvent]
    by_type: dict[str, list[CaseEvent]]
    future_events: int = 0  # events after as_of, ignored (causality)
    subject: Mapping[str, Any] = field(default_factory=dict)
    #: read-only matching indexes built during one evaluation (matching.shared_index); the
    #: matcher is kept beside its index so that its ``id`` cannot be reused while cached;
    #: matchers are shared between rules (``Matcher.of``), so each use has its own key shape
    indexes: dict[tuple[Any, ...], tuple[Any, Any]] = field(default_factory=dict)

    def upto(self, as_of: dt.datetime) -> CaseEvents:
        return self.upto_timestamp(as_of.timestamp())

    def upto_timestamp(self, limit: float) -> CaseEvents:
        """:meth:`upto` an instant given as its POSIX timestamp."""
        if not self.events or self.events[-1].key[0] <= limit:  # in time order: all kept
            return self
        kept = [e for e in self.events if e.key[0] <= limit]
        if len(kept) == len(self.events):
            return self
        by_type: dict[str, list[CaseEvent]] = {}
        for e in kept:
            by_type.setdefault(e.type, []).append(e)
        return CaseEvents(
            self.case_id,
            self.birth_date,
            kept,
            {e.id: e for e in kept},
            by_type,
            len(self.events) - len(kept),
            self.subject,
        )


def _fail(reason: str, case_id: str | None, location: str | None = None) -> TimelineError:
    return TimelineError(reason, case_id=case_id, location=location)


_SCALARS = (str, int, float, bool, dt.date)
_SCALAR_TYPES = frozenset(_SCALARS)
_EVENT_KEYS = frozenset({"id", "type", "at", "refs", "attrs"})


_NO_ATTRS: Mapping[str, Any] = {}
_PLAIN = frozenset({str, int, float, bool})  # what JSON gives; anything else is checked fully


def _check_attrs(attrs: Any, case_id: str, i: int, eid: str) -> None:
    """attrs must map names to scalars; the location is only built for an error."""
    if type(attrs) is not dict and not isinstance(attrs, Mapping):
        raise _fail(
            "attrs must be an object of scalars", case_id, f"events[{i}] ({shorten(eid)}).attrs"
        )
    for k, v in attrs.items():
        if type(v) not in _SCALAR_TYPES and not isinstance(v, _SCALARS):
            raise _fail(
                f"attribute {k!r} must be a string, number, bool or date, got {type(v).__name__}",
                case_id,
                f"events[{i}] ({shorten(eid)}).attrs.{k}",
            )


@lru_cache(maxsize=16384)
def _midnight(day: dt.date, tz: ZoneInfo) -> tuple[dt.datetime, float]:
    """A date-only event's instant: local 00:00 (and its timestamp), memoised."""
    instant = dt.datetime.combine(day, dt.time(0, 0), tzinfo=tz)
    return instant, instant.timestamp()


def _offset_datetime_form(text: str) -> bool:
    """The common datetime form, ``YYYY-MM-DDThh:mm...±hh:mm``: worth ``fromisoformat`` first."""
    return (
        len(text) > 16
        and text[-6] in "+-"
        and text[-3] == ":"
        and text[4] == "-"
        and text[10] == "T"
        and text[13] == ":"
    )


def _at(value: Any, default_tz: ZoneInfo | None) -> dt.datetime | dt.date:
    """Fast paths for the common ISO strings; everything else via parse_instant."""
    if type(value) is str and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:  # YYYY-MM-DD: the week form (YYYY-Www-D) has its second hyphen elsewhere
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    if type(value) is str and _offset_datetime_form(value):
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            pass
    return parse_instant(value, default_tz)


class _OutOfRange(Exception):
    """A parsed instant that the calendar's zone cannot represent (years 1 to 9999)."""


Placed = tuple[dt.datetime, dt.date, float, bool]


def _placed(value: Any, tz: ZoneInfo, default_tz: ZoneInfo | None) -> Placed:
    """An event's ``at`` as (instant, local date, POSIX timestamp, precise); ValueError for a
    value that is not a documented date or datetime, _OutOfRange past the calendar's edge."""
    at = _at(value, default_tz)
    if isinstance(at, dt.datetime):
        return _placed_instant(at, tz)
    try:
        instant, ts = _midnight(at, tz)
    except (OverflowError, ValueError):
        raise _OutOfRange from None
    return instant, at, ts, False


def _placed_instant(at: dt.datetime, tz: ZoneInfo) -> Placed:
    """An aware datetime placed in the calendar's zone; _OutOfRange past its edge."""
    try:
        return at, at.astimezone(tz).date(), at.timestamp(), True
    except (OverflowError, ValueError):
        raise _OutOfRange from None


def _placed_text(text: str, tz: ZoneInfo, default_tz: ZoneInfo | None) -> Placed:
    """:func:`_placed` of a text, with the common datetime form (``...T hh:mm ... ±hh:mm``)
    parsed here rather than through :func:`_at` (the same checks, one call fewer)."""
    if _offset_datetime_form(text):
        try:
            at = dt.datetime.fromisoformat(text)
        except ValueError:
            return _placed(text, tz, default_tz)
        return _placed_instant(at, tz)
    return _placed(text, tz, default_tz)


#: How many ``at`` texts a zone's memo of placed texts holds before it starts afresh.
PLACED_MEMO_SIZE = 8192
#: ``at`` texts already placed, per (calendar zone, default zone). The same text recurs across
#: events and cases (dates, midnights, batch times); a text with fractional seconds rarely
#: does and is not kept, so a stream of such times does not push the recurring ones out. A
#: plain dict emptied when full: an LRU's bookkeeping cost more per event than its extra hits
#: saved. Values are immutable, errors are never kept; writes are idempotent (thread-safe).
_PLACED: dict[tuple[ZoneInfo, ZoneInfo | None], dict[str, Placed]] = {}


def _placed_memo(tz: ZoneInfo, default_tz: ZoneInfo | None) -> dict[str, Placed]:
    memo = _PLACED.get((tz, default_tz))
    if memo is None:
        memo = _PLACED.setdefault((tz, default_tz), {})
    return memo


def _case_header(
    data: Timeline | Mapping[str, Any],
) -> tuple[str, Any, Mapping[str, Any], Sequence[Any]]:
    """case_id, raw birth date, subject and raw events of a timeline (model or dict)."""
    if type(data) is dict:  # what a JSON parser gives: the checks below without ABCs
        fast = _dict_header(data)
        if fast is not None:
            return fast
    if isinstance(data, Timeline):
        raw_events: Sequence[Any] = [
            {"id": e.id, "type": e.type, "at": e.at, "refs": e.refs, "attrs": e.attrs}
            for e in data.events
        ]
        subject_map = data.subject.model_dump(exclude_none=True)
        return data.case_id, data.subject.birth_date, subject_map, raw_events
    if not isinstance(data, Mapping):
        raise _fail(f"a timeline must be an object, got {type(data).__name__}", None)
    cid = data.get("case_id")
    if isinstance(cid, int) and not isinstance(cid, bool):
        cid = str(cid)
    if not isinstance(cid, str) or not cid:
        raise _fail("missing or empty case_id", None, "case_id")
    unknown = set(data) - {"case_id", "subject", "events"}
    if unknown:
        raise _fail(f"unknown field(s) {sorted(unknown)}", cid)
    subject = data.get("subject") or {}
    if not isinstance(subject, Mapping):
        raise _fail("subject must be an object", cid, "subject")
    events = data.get("events") or []
    if not isinstance(events, list):
        raise _fail("events must be a list", cid, "events")
    return cid, subject.get("birth_date"), subject, events


_HEADER_KEYS = frozenset({"case_id", "subject", "events"})


def _dict_header(
    data: dict[str, Any],
) -> tuple[str, Any, Mapping[str, Any], Sequence[Any]] | None:
    """:func:`_case_header` of a plain dict whose parts have the plain types; None for
    anything else (the general path then gives the same answer or the located error)."""
    cid = data.get("case_id")
    subject = data.get("subject") or {}
    events = data.get("events") or []
    if (
        type(cid) is not str
        or not cid
        or type(subject) is not dict
        or type(events) is not list
        or not data.keys() <= _HEADER_KEYS
    ):
        return None
    return cid, subject.get("birth_date"), subject, events


def _birth_date(birth: Any, case_id: str) -> dt.date | None:
    if birth is None:
        return None
    if isinstance(birth, dt.datetime) or not isinstance(birth, dt.date | str):
        raise _fail("birth_date must be a date (YYYY-MM-DD)", case_id, "subject.birth_date")
    try:
        if isinstance(birth, dt.date):
            return birth
        if not _DATE_FORM.fullmatch(birth.strip()):
            raise ValueError
        return dt.date.fromisoformat(birth.strip())
    except ValueError:
        raise _fail(
            f"birth_date is not a date (YYYY-MM-DD): {shorten(str(birth))!r}",
            case_id,
            "subject.birth_date",
        ) from None


_event_key = attrgetter("key")
_new_object = object.__new__


def _later(a: CaseEvent, b: CaseEvent) -> bool:
    """``a.instant > b.instant`` by the timestamps when they differ (rounding to a float keeps
    the order of distinct instants or makes them equal, never reverses it), else exactly
    (comparing aware datetimes of two offsets asks each for its UTC offset)."""
    ta, tb = a.key[0], b.key[0]
    if ta != tb:
        return ta > tb
    return a.instant > b.instant


def _check_refs(events: list[CaseEvent], by_id: dict[str, CaseEvent], case_id: str) -> None:
    """Every ref names a known, earlier event."""
    for i, ev in enumerate(events):
        for r in ev.refs:
            target = by_id.get(r)
            if target is None:
                raise _fail(
                    f"refs unknown event {shorten(r)!r}",
                    case_id,
                    f"events[{i}] ({shorten(ev.id)}).refs",
                )
            if target.date > ev.date or (target.precise and ev.precise and _later(target, ev)):
                raise _fail(
                    f"refs {shorten(r)!r}, which happens later ({target.label()}); refs name earlier events",
                    case_id,
                    f"events[{i}] ({shorten(ev.id)}).refs",
                )


def _place_event(
    at_raw: Any,
    memo: dict[str, Placed],
    tz: ZoneInfo,
    default_tz: ZoneInfo | None,
    where: tuple[str, int, str],
) -> Placed:
    """An event's ``at`` placed (and kept in ``memo`` when it is a text that may recur), or
    the located error; ``where`` is (case id, index, event id)."""
    case_id, i, eid = where
    if at_raw is None or at_raw == "":
        raise _fail("event without 'at'", case_id, f"events[{i}] ({shorten(eid)}).at")
    try:
        if type(at_raw) is not str:
            return _placed(at_raw, tz, default_tz)
        place = _placed_text(at_raw, tz, default_tz)
    except ValueError as exc:
        raise _fail(str(exc), case_id, f"events[{i}] ({shorten(eid)}).at") from None
    except _OutOfRange:
        raise _fail(
            f"{shorten(str(at_raw))} is out of range in {tz.key} (years 1 to 9999)",
            case_id,
            f"events[{i}] ({shorten(eid)}).at",
        ) from None
    if len(at_raw) <= 25:  # YYYY-MM-DDThh:mm:ss+hh:mm; longer: fractional seconds
        if len(memo) >= PLACED_MEMO_SIZE:
            memo.clear()
        memo[at_raw] = place
    return place


def _event_refs(refs: Any, case_id: str, i: int, eid: str) -> tuple[str, ...]:
    """An event's ``refs`` (a list or tuple of ids) as a tuple, or the located error."""
    if type(refs) is not list and type(refs) is not tuple:
        raise _fail(
            "refs must be a list of event ids", case_id, f"events[{i}] ({shorten(eid)}).refs"
        )
    for r in refs:
        if type(r) is not str:
            raise _fail(
                "refs must be a list of event ids",
                case_id,
                f"events[{i}] ({shorten(eid)}).refs",
            )
    return tuple(refs)


def normalize(
    data: Timeline | Mapping[str, Any], tz: ZoneInfo, default_tz: ZoneInfo | None = None
) -> CaseEvents:
    """Validate a timeline (model or dict) and return the engine's internal form.

    ``tz`` is the calendar's zone used for local dates; ``default_tz`` is assumed for datetimes
    without an offset (otherwise those are errors). The per-event loop stays inline: it is the
    hot path of every evaluation (hence this function's length). Events that arrive in time
    order (most exports) are grouped by type as they come; others are sorted first.
    """
    case_id, birth, subject_map, raw_events = _case_header(data)
    birth_date = _birth_date(birth, case_id)
    memo = _placed_memo(tz, default_tz)

    events: list[CaseEvent] = []
    by_id: dict[str, CaseEvent] = {}
    by_type: dict[str, list[CaseEvent]] = {}
    with_refs = shuffled = False
    last: tuple[float, str] | None = None
    for i, raw in enumerate(raw_events):
        if type(raw) is not dict and not isinstance(raw, Mapping):
            raise _fail("an event must be an object", case_id, f"events[{i}]")
        try:  # the three keys every valid event has: subscripts are cheaper than .get
            eid, etype, at_raw = raw["id"], raw["type"], raw["at"]
        except KeyError:
            eid, etype, at_raw = raw.get("id"), raw.get("type"), raw.get("at")
        if type(eid) is not str:
            if isinstance(eid, int) and not isinstance(eid, bool):
                eid = str(eid)
            else:
                raise _fail("event without id", case_id, f"events[{i}].id")
        if not eid:
            raise _fail("event without id", case_id, f"events[{i}].id")
        if type(etype) is not str or not etype:
            raise _fail("event without type", case_id, f"events[{i}] ({shorten(eid)}).type")
        if not raw.keys() <= _EVENT_KEYS:
            extra = sorted(set(raw) - _EVENT_KEYS)
            raise _fail(f"unknown field(s) {extra}", case_id, f"events[{i}] ({shorten(eid)})")
        if eid in by_id:
            raise _fail(
                f"duplicate event id {shorten(eid)!r}", case_id, f"events[{i}] ({shorten(eid)})"
            )
        place = memo.get(at_raw) if type(at_raw) is str else None
        if place is None:
            place = _place_event(at_raw, memo, tz, default_tz, (case_id, i, eid))
        instant, date, ts, precise = place
        refs = raw.get("refs") or ()
        if refs:
            refs = _event_refs(refs, case_id, i, eid)
            with_refs = True
        attrs = raw.get("attrs") or _NO_ATTRS
        if attrs is not _NO_ATTRS and (
            type(attrs) is not dict or not _PLAIN.issuperset(map(type, attrs.values()))
        ):
            _check_attrs(attrs, case_id, i, eid)
        key = (ts, eid)
        # CaseEvent(eid, etype, instant, date, precise, refs, attrs, key) without the Python
        # frame of the dataclass's __init__ (about half its cost; tests/test_percase_normalize.py
        # checks that every field is set as __init__ sets it)
        ev = _new_object(CaseEvent)
        ev.id = eid
        ev.type = etype
        ev.instant = instant
        ev.date = date
        ev.precise = precise
        ev.refs = refs
        ev.attrs = attrs
        ev.key = key
        ev._when = None
        ev._label = None
        by_id[eid] = ev
        events.append(ev)
        if last is None or last < key:  # still in (instant, id) order: group as they come
            last = key
            same_type = by_type.get(etype)
            if same_type is None:
                by_type[etype] = [ev]
            else:
                same_type.append(ev)
        else:
            shuffled = True  # out of (instant, id) order: sorted and grouped below

    if with_refs:
        _check_refs(events, by_id, case_id)
    if shuffled:
        events.sort(key=_event_key)
        by_type = {}
        for e in events:
            by_type.setdefault(e.type, []).append(e)
    return CaseEvents(case_id, birth_date, events, by_id, by_type, 0, subject_map)


# ---------------------------------------------------------------------------------------------
# Findings


@dataclass(slots=True)
class Finding:
    """One obligation and its status as of ``as_of`` (docs/reference/findings.md). Field names are stable."""

    case_id: str
    rule: str
    version: str
    kind: str
    status: str
    severity: str
    partition: str | None
    trigger: str | None
    triggered_at: str | None
    due: str | None
    satisfied_by: str | None
    satisfied_at: str | None
    lateness_days: int | None
    precision: str
    source: dict[str, str]
    explain: list[str] = field(default_factory=list)
    occurrence: int | None = None
    anchored_at: str | None = None
    anchor: str | None = None  # how the clock start was found: ref | inferred | fallback
    count: int | None = None
    # internal, not serialised: sort key and due date object for agendas
    _due_key: dt.date | None = None

    @property
    def is_violation(self) -> bool:
        return self.status in VIOLATIONS

    def to_dict(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "rule": self.rule,
            "version": self.version,
            "kind": self.kind,
            "status": self.status,
            "severity": self.severity,
            "partition": self.partition,
            "trigger": self.trigger,
            "triggered_at": self.triggered_at,
            "anchored_at": self.anchored_at,
            "anchor": self.anchor,
            "due": self.due,
            "satisfied_by": self.satisfied_by,
            "satisfied_at": self.satisfied_at,
            "lateness_days": self.lateness_days,
            "precision": self.precision,
            "occurrence": self.occurrence,
            "count": self.count,
            "source": self.source,
            "explain": self.explain,
        }
