"""The same per-case obligations computed with durable-rules (a Rete engine) and with this engine.

durable-rules matches facts and joins them, but it has no calendar arithmetic, no notion of
"as of", and no absence-with-deadline: due dates, statuses and the "earliest unused satisfying
event" fallback must be Python code around it. This module therefore uses durable-rules for
what it can do — routing facts and joining satisfiers to triggers by reference — and computes
due dates with this project's calendar, so the comparison is about the engines, not about date
arithmetic. One ruleset; a session per case (sid = case id), deleted after each case.

Rules compared: dk.notification.assess (24 h), dk.notification.acknowledge (6 business days,
every reporter but an anonymous one), dk.investigation.complete (4 months from the referenced
notification).

Equal work (issue 18): both sides validate the same dict with the same ``normalize`` (which
sorts the events), take the periods parsed once (the engine compiles its rules once), keep
the facts in timeline order, and produce every case-dependent field of a finding (FIELDS:
also case_id, triggered_at, anchored_at, anchor, lateness_days and precision); bench/run.py
compares them field by field and counts the differences per field.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from compliance.calendar import CALENDARS
from compliance.engine import parse_as_of
from compliance.model import normalize
from compliance.periods import parse_period

CPH = ZoneInfo("Europe/Copenhagen")
RULES = ("dk.notification.assess", "dk.notification.acknowledge", "dk.investigation.complete")
_SEEN: dict[str, dict[str, Any]] = defaultdict(
    lambda: defaultdict(list)
)  # global, as durable needs
_READY = False
HANDLED = frozenset(
    {
        "notification_received",
        "notification_assessed",
        "notification_acknowledged",
        "investigation_started",
        "investigation_completed",
        "investigation_provisional_assessment",
    }
)


def _setup() -> None:
    global _READY
    if _READY:
        return
    from durable.lang import c, m, ruleset, when_all

    with ruleset("cmp"):

        @when_all(m.type == "notification_received")
        def note(ctx: Any) -> None:
            _SEEN[ctx.m.sid]["notes"].append(dict(ctx.m._d))

        @when_all(m.type == "investigation_started")
        def inv(ctx: Any) -> None:
            _SEEN[ctx.m.sid]["invs"].append(dict(ctx.m._d))

        @when_all(m.type == "notification_assessed")
        def assessed(ctx: Any) -> None:
            _SEEN[ctx.m.sid]["assessed"].append(dict(ctx.m._d))

        @when_all(m.type == "notification_acknowledged")
        def acked(ctx: Any) -> None:
            _SEEN[ctx.m.sid]["acked"].append(dict(ctx.m._d))

        @when_all(m.type == "investigation_completed")
        def done(ctx: Any) -> None:
            _SEEN[ctx.m.sid]["done"].append(dict(ctx.m._d))

        @when_all(m.type == "investigation_provisional_assessment")
        def prov(ctx: Any) -> None:
            _SEEN[ctx.m.sid]["done"].append(dict(ctx.m._d))

        # a join: the investigation's clock starts at the notification it references
        @when_all(
            c.n << (m.type == "notification_received"),
            c.i << ((m.type == "investigation_started") & (m.ref0 == c.n.eid)),
        )
        def anchor(ctx: Any) -> None:
            _SEEN[ctx.n.sid]["anchor"].append((ctx.i.eid, ctx.n.eid))

    _READY = True


def _fact(case_id: str, ev: Any, seq: int) -> dict[str, Any]:
    return {
        "sid": case_id,
        "id": seq,
        "eid": ev.id,
        "type": ev.type,
        "ts": ev.instant.timestamp(),
        "day": ev.date.toordinal(),
        "precise": ev.precise,
        "ref0": ev.refs[0] if ev.refs else "",
        "refs": list(ev.refs),
        "reporter": str(ev.attrs.get("reporter", "")),
        "when": ev.when,
    }


def _status(due: Due, sat: dict[str, Any] | None, as_of: dt.datetime) -> str:
    if sat is not None:
        if due.instant is not None and sat["precise"]:
            return "met" if sat["ts"] <= due.instant.timestamp() else "late"
        return "met" if dt.date.fromordinal(sat["day"]) <= due.day else "late"
    if due.instant is not None:
        return "overdue" if as_of > due.instant else "due"
    return "overdue" if as_of.astimezone(CPH).date() > due.day else "due"


def _match(
    trigs: list[dict[str, Any]], sats: list[dict[str, Any]]
) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    """The contract's matching (a ref wins, else earliest unused at/after): Python, not Rete.
    Each trigger with the event that satisfies it, or None."""
    used: set[str] = set()
    out: dict[str, dict[str, Any] | None] = {t["eid"]: None for t in trigs}
    for t in trigs:
        for s in sats:
            if s["eid"] not in used and t["eid"] in s["refs"]:
                out[t["eid"]] = s
                used.add(s["eid"])
                break
    for t in trigs:
        if out[t["eid"]] is None:
            for s in sats:
                after = (
                    s["ts"] >= t["ts"] if (s["precise"] and t["precise"]) else s["day"] >= t["day"]
                )
                if s["eid"] not in used and after:
                    out[t["eid"]] = s
                    used.add(s["eid"])
                    break
    return [(t, out[t["eid"]]) for t in trigs]


#: Every field of a finding that depends on the case, in this order: rule, trigger, status,
#: due, satisfied_by, satisfied_at, case_id, triggered_at, anchored_at, anchor,
#: lateness_days, precision, partition, occurrence, count. Not compared: version, kind,
#: severity and source (the rule file's data, not computed) and explain (prose).
Compared = tuple[Any, ...]
FIELDS = (
    "rule",
    "trigger",
    "status",
    "due",
    "satisfied_by",
    "satisfied_at",
    "case_id",
    "triggered_at",
    "anchored_at",
    "anchor",
    "lateness_days",
    "precision",
    "partition",
    "occurrence",
    "count",
)
DAY_SECONDS = 86_400
HOURS_24 = parse_period("24 hours")  # parsed once, as the engine compiles its rules once
MONTHS_4 = parse_period("4 months")


@dataclass(frozen=True)
class Due:
    """A due date, or a due instant (24 hours from a precise notification)."""

    day: dt.date
    instant: dt.datetime | None = None

    def text(self) -> str:
        return (self.instant or self.day).isoformat()


def _lateness(
    due: Due, status: str, event: dict[str, Any] | None, as_of: dt.datetime
) -> int | None:
    """Days late (the engine's rule, docs/reference/findings.md) of the fulfilling or closing
    event, or of ``as_of`` when there is none; None unless late, overdue or missed."""
    if status not in ("late", "overdue", "missed"):
        return None
    if due.instant is not None and (event is None or event["precise"]):
        when = event["ts"] if event is not None else as_of.timestamp()
        return max(1, math.ceil((when - due.instant.timestamp()) / DAY_SECONDS))
    day = dt.date.fromordinal(event["day"]) if event is not None else as_of.astimezone(CPH).date()
    return max(0, (day - due.day).days)


def _finding(
    rule: str,
    case_id: str,
    trig: dict[str, Any],
    due: Due,
    status: str,
    done: tuple[dict[str, Any] | None, dict[str, Any] | None],
    as_of: dt.datetime,
    anchor: tuple[dict[str, Any] | None, str | None] = (None, None),
) -> Compared:
    """One finding as the tuple of FIELDS; ``done`` = (satisfying event, closing event)."""
    sat, closer = done
    late_by = _lateness(due, status, sat if status == "late" else closer, as_of)
    start, how = anchor
    return (
        rule,
        trig["eid"],
        status,
        due.text(),
        sat["eid"] if sat else "",
        sat["when"] if sat else "",
        case_id,
        trig["when"],
        start["when"] if start else None,
        how,
        late_by,
        "instant" if due.instant is not None else "day",
        None,
        None,
        None,
    )


def _session(ce: Any) -> dict[str, Any]:
    """The case's facts through one durable-rules session: what its rules collected."""
    from durable.lang import assert_facts, delete_state

    _setup()
    sid = ce.case_id
    # durable-rules rejects a batch holding a fact that no rule handles: send only known types
    facts = [_fact(sid, e, i) for i, e in enumerate(ce.events) if e.type in HANDLED]
    if facts:
        assert_facts("cmp", facts)
    seen = _SEEN.pop(sid, {})
    delete_state("cmp", sid)
    return seen


def _in_order(facts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Facts in timeline order (durable-rules calls the actions in its own order)."""
    return sorted(facts, key=lambda f: f["id"])


def evaluate_durable(case: dict[str, Any], as_of: dt.datetime) -> list[Compared]:
    """Every case-dependent field (FIELDS) of the findings of the three rules, via one
    durable-rules session per case; the same validation as the engine's (``normalize``)."""
    ce = normalize(case, CPH).upto(as_of)
    seen = _session(ce)
    cid = ce.case_id
    notes = _in_order(seen.get("notes", []))
    out = []
    for n, s in _match(notes, _in_order(seen.get("assessed", []))):
        if n["precise"]:  # exact 24 h, DST-correct
            inst = dt.datetime.fromtimestamp(n["ts"] + DAY_SECONDS, CPH)
            due = Due(inst.date(), inst)
        else:
            due = Due(HOURS_24.add_to_date(dt.date.fromordinal(n["day"])))
        status = _status(due, s, as_of)
        out.append(_finding("dk.notification.assess", cid, n, due, status, (s, None), as_of))
    named = [n for n in notes if n["reporter"] != "anonymous"]  # a named reporter is confirmed to
    for n, s in _match(named, _in_order(seen.get("acked", []))):
        due = Due(CALENDARS["dk"].add_business_days(dt.date.fromordinal(n["day"]), 6))
        status = _status(due, s, as_of)
        out.append(_finding("dk.notification.acknowledge", cid, n, due, status, (s, None), as_of))
    out += _investigations(ce, seen, notes, as_of)
    return sorted(out, key=lambda f: f[:6])


def _investigations(
    ce: Any, seen: dict[str, Any], notes: list[dict[str, Any]], as_of: dt.datetime
) -> list[Compared]:
    """dk.investigation.complete: 4 months from the notification the investigation refs (the
    join durable-rules made), cancelled or missed by a case closure."""
    anchors = dict(seen.get("anchor", []))
    by_id = {n["eid"]: n for n in notes}
    closes = sorted((e for e in ce.events if e.type == "case_closed"), key=lambda e: e.key)
    out = []
    for i, s in _match(_in_order(seen.get("invs", [])), _in_order(seen.get("done", []))):
        start = by_id.get(anchors.get(i["eid"], ""))
        due = Due(MONTHS_4.add_to_date(dt.date.fromordinal((start or i)["day"])))
        status = _status(due, s, as_of)
        closer = next((e for e in closes if e.date >= dt.date.fromordinal(i["day"])), None)
        closing = None
        if closer is not None and (s is None or closer.date.toordinal() < s["day"]):
            status = "cancelled" if closer.date <= due.day else "missed"
            closing = {"day": closer.date.toordinal(), "precise": closer.precise}
        anchor = (start, "ref") if start is not None else (None, "fallback")
        done = (s, closing)
        out.append(
            _finding("dk.investigation.complete", ce.case_id, i, due, status, done, as_of, anchor)
        )
    return out


def evaluate_ours(engine: Any, case: dict[str, Any], as_of: dt.datetime) -> list[Compared]:
    res = engine.evaluate(case, as_of=as_of)
    return sorted(
        (
            f.rule,
            f.trigger or "",
            f.status,
            f.due or "",
            f.satisfied_by or "",
            f.satisfied_at or "",
            f.case_id,
            f.triggered_at,
            f.anchored_at,
            f.anchor,
            f.lateness_days,
            f.precision,
            f.partition,
            f.occurrence,
            f.count,
        )
        for f in res.findings
        if f.rule in RULES
    )


def differences(ours: list[Compared], theirs: list[Compared]) -> dict[str, int]:
    """Per field, how many findings (paired in order) differ; "findings" if the counts do."""
    if len(ours) != len(theirs):
        return {"findings": abs(len(ours) - len(theirs))}
    out: dict[str, int] = {}
    for a, b in zip(ours, theirs, strict=True):
        for name, x, y in zip(FIELDS, a, b, strict=True):
            if x != y:
                out[name] = out.get(name, 0) + 1
    return out


def as_of_instant(text: str) -> dt.datetime:
    return parse_as_of(text, CPH)
