"""What the endpoints do, free of HTTP: check a request body, evaluate, shape the answer.

Bodies are parsed with orjson and the timeline is validated by the engine itself (one pass,
located errors); the envelope (``as_of``, ``rules``, limits) is checked here. Every error is a
:class:`Problem`; inside a batch or an agenda a bad case becomes an error record instead and
the others go on.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from compliance import CALENDARS, Engine, Result, parse_period
from compliance.errors import ComplianceError, TimelineError
from compliance.periods import Period, PeriodError
from compliance.privacy import mask_bytes, mask_cpr, pseudonym
from compliance.service.config import Limits
from compliance.service.packs import PackState
from compliance.service.problems import Problem

log = logging.getLogger("compliance.service")

__all__ = [
    "Request",
    "agenda",
    "batch_lines",
    "case_error",
    "dumps",
    "evaluate_one",
    "parse_body",
    "parse_horizon",
    "result_dict",
]


@dataclass(frozen=True)
class Request:
    """A checked request: the engine for the chosen packs, the instant, the raw cases."""

    engine: Engine
    rules_version: str
    as_of: dt.datetime
    cases: list[Any]
    body: dict[str, Any]
    pseudonym_key: bytes | None
    limits: Limits


def _invalid(detail: str, **extra: Any) -> Problem:
    return Problem(422, "invalid-request", "The request is not valid", detail, **extra)


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise Problem(400, "malformed-json", "The body is not JSON", str(exc)) from None
    if not isinstance(body, dict):
        raise _invalid(f"the body must be a JSON object, got {type(body).__name__}")
    return body


def _as_of(value: Any, tz: ZoneInfo) -> dt.datetime:
    if not isinstance(value, str) or not value.strip():
        raise _invalid("as_of is required: an ISO 8601 instant with UTC offset", field="as_of")
    text = value.strip()
    try:
        parsed: dt.date = (
            dt.date.fromisoformat(text) if len(text) == 10 else dt.datetime.fromisoformat(text)
        )
    except ValueError:
        raise _invalid(
            f"as_of is not an ISO 8601 instant: {mask_cpr(text)!r}", field="as_of"
        ) from None
    if isinstance(parsed, dt.datetime):
        if parsed.utcoffset() is None:
            raise _invalid("as_of needs a UTC offset, e.g. +02:00 or Z", field="as_of")
        return parsed
    return dt.datetime.combine(parsed, dt.time.max, tzinfo=tz)


def _engine(state: PackState, rules: Any) -> tuple[Engine, str]:
    if rules is not None and (
        not isinstance(rules, list) or not all(isinstance(r, str) for r in rules)
    ):
        raise _invalid("rules must be a list of pack ids", field="rules")
    try:
        return state.engine_for(rules or None)
    except KeyError as exc:
        raise _invalid(
            f"rule pack {exc.args[0]!r} is not loaded; loaded: {', '.join(state.pack_ids)}",
            field="rules",
        ) from None


def parse_body(
    raw: bytes,
    state: PackState,
    limits: Limits,
    pseudonym_key: bytes | None,
    *,
    single: bool,
    allowed: frozenset[str] = frozenset(),
) -> Request:
    """Check the envelope of an evaluate (``single``), batch or agenda body."""
    body = _json_object(raw)
    key = "timeline" if single else "cases"
    known = {key, "as_of", "rules", *allowed}
    extra = sorted(set(body) - known)
    if extra:
        raise _invalid(f"unknown field(s) {extra}; allowed: {sorted(known)}")
    if key not in body:
        raise _invalid(f"'{key}' is required", field=key)
    cases = [body[key]] if single else body[key]
    if not isinstance(cases, list):
        raise _invalid("cases must be a list of timelines", field="cases")
    if len(cases) > limits.max_cases:
        raise Problem(
            422,
            "limit-exceeded",
            "Too many cases in one request",
            f"{len(cases)} cases; the limit is {limits.max_cases} per request",
            limit=limits.max_cases,
        )
    engine, version = _engine(state, body.get("rules"))
    as_of = _as_of(body.get("as_of"), engine.tz)
    return Request(engine, version, as_of, cases, body, pseudonym_key, limits)


def _check_size(case: Any, limits: Limits) -> None:
    events = case.get("events") if isinstance(case, Mapping) else None
    if isinstance(events, list) and len(events) > limits.max_events:
        raise Problem(
            422,
            "limit-exceeded",
            "Too many events in one case",
            f"{len(events)} events; the limit is {limits.max_events} per case",
            limit=limits.max_events,
        )


def _case_problem(exc: ComplianceError, key: bytes | None) -> Problem:
    if isinstance(exc, TimelineError):
        case_id = exc.case_id
        if case_id and key:
            case_id = pseudonym(case_id, key)
        return Problem(
            422,
            "invalid-timeline",
            "The timeline cannot be evaluated",
            mask_cpr(exc.reason),
            case_id=case_id,
            location=exc.location,
        )
    return Problem(422, "evaluation-failed", "A rule could not be applied", mask_cpr(str(exc)))


def evaluate_one(req: Request, case: Any) -> Result:
    """Evaluate one case of the request; every failure is a Problem."""
    _check_size(case, req.limits)
    try:
        return req.engine.evaluate(case, as_of=req.as_of)
    except ComplianceError as exc:
        raise _case_problem(exc, req.pseudonym_key) from None


def _record(f: Any, key: bytes | None) -> dict[str, Any]:
    d: dict[str, Any] = f.to_dict()
    if key:
        d["case_id"] = pseudonym(d["case_id"], key)
    return d


def result_dict(result: Result, rules_version: str, key: bytes | None) -> dict[str, Any]:
    """The evaluate answer for one case (schema: ``EvaluationResult``)."""
    records = {id(f): _record(f, key) for f in result.findings}
    nxt = result.next_change_at
    return {
        "case_id": pseudonym(result.case_id, key) if key else result.case_id,
        "as_of": result.as_of.isoformat(),
        "rules_version": rules_version,
        "findings": [records[id(f)] for f in result.findings],
        "violations": [records[id(f)] for f in result.violations],
        "agenda": [records[id(f)] for f in result.upcoming],
        "next_change_at": nxt.isoformat() if nxt is not None else None,
        "ignored_future_events": result.ignored_future_events,
        "unknown_event_types": result.unknown_event_types,
    }


def dumps(obj: Any) -> bytes:
    """JSON bytes with every CPR-shaped value masked."""
    return mask_bytes(orjson.dumps(obj))


def case_error(index: int, case: Any, problem: Problem, key: bytes | None) -> dict[str, Any]:
    """An error record for one case of a batch or agenda (schema: ``CaseError``)."""
    body = problem.body()
    cid = body.pop("case_id", None)
    if cid is None and isinstance(case, Mapping) and isinstance(case.get("case_id"), str):
        cid = pseudonym(case["case_id"], key) if key else case["case_id"]
    return {"index": index, "case_id": cid, **body}


_CASE_BUG = Problem(500, "internal-error", "Internal error", "the error was logged; it is a bug")


def _evaluate_or_error(req: Request, i: int, case: Any) -> Result | dict[str, Any]:
    """The result for case ``i`` of a batch or agenda, or its error record; never raises, so
    one case (even one that hits a bug) cannot end the others."""
    try:
        return evaluate_one(req, case)
    except Problem as p:
        return case_error(i, case, p, req.pseudonym_key)
    except Exception as exc:
        log.error("internal error on case %d of a batch: %s", i, type(exc).__name__)
        return case_error(i, case, _CASE_BUG, req.pseudonym_key)


def batch_lines(req: Request) -> Iterator[bytes]:
    """One NDJSON line per case, in order; a bad case is an error line; a summary closes."""
    evaluated = 0
    for i, case in enumerate(req.cases):
        result = _evaluate_or_error(req, i, case)
        if isinstance(result, dict):
            yield dumps({"index": i, "error": result}) + b"\n"
            continue
        evaluated += 1
        line = {"index": i, "result": result_dict(result, req.rules_version, req.pseudonym_key)}
        yield dumps(line) + b"\n"
    n = len(req.cases)
    yield (
        dumps({"summary": {"cases": n, "evaluated": evaluated, "rejected": n - evaluated}}) + b"\n"
    )


_SHORT = {"d": "days", "w": "weeks", "m": "months", "y": "years"}


def parse_horizon(value: Any) -> Period:
    if not isinstance(value, str):
        raise _invalid("horizon must be a string such as '14d'", field="horizon")
    text = value.strip().lower()
    if text[:-1].isdigit() and text[-1:] in _SHORT:
        text = f"{text[:-1]} {_SHORT[text[-1]]}"
    try:
        period = parse_period(text)
    except PeriodError as exc:
        raise _invalid(f"horizon: {exc}", field="horizon") from None
    if period.unit == "hours":
        raise _invalid("horizon: use days, weeks, months or years", field="horizon")
    return period


def _due_date(due: str, tz: ZoneInfo) -> dt.date:
    if len(due) == 10:
        return dt.date.fromisoformat(due)
    return dt.datetime.fromisoformat(due).astimezone(tz).date()


def agenda(req: Request) -> dict[str, Any]:
    """Overdue obligations and those due within the horizon, over all cases, soonest first."""
    tz = req.engine.tz
    try:
        until = parse_horizon(req.body.get("horizon", "14d")).add_to_date(
            req.as_of.astimezone(tz).date(), CALENDARS["dk"]
        )
    except (OverflowError, ValueError):  # the date arithmetic leaves the calendar
        raise _invalid("horizon: reaches past the year 9999", field="horizon") from None
    items: list[tuple[dt.date, str, str, dict[str, Any]]] = []
    errors = []
    for i, case in enumerate(req.cases):
        result = _evaluate_or_error(req, i, case)
        if isinstance(result, dict):
            errors.append(result)
            continue
        for f in result.findings:
            if f.due is None or f.status not in ("overdue", "due"):
                continue
            day = _due_date(f.due, tz)
            if f.status == "overdue" or day <= until:
                items.append((day, f.case_id, f.rule, _record(f, req.pseudonym_key)))
    items.sort(key=lambda t: t[:3])
    return {
        "as_of": req.as_of.isoformat(),
        "until": until.isoformat(),
        "rules_version": req.rules_version,
        "items": [t[3] for t in items],
        "errors": errors,
    }
