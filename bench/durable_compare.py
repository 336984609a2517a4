"""The same per-case obligations computed with durable-rules (a Rete engine) and with this engine.

durable-rules matches facts and joins them, but it has no calendar arithmetic, no notion of
"as of", and no absence-with-deadline: due dates, statuses and the "earliest unused satisfying
event" fallback must be Python code around it. This module therefore uses durable-rules for
what it can do — routing facts and joining satisfiers to triggers by reference — and computes
due dates with this project's calendar, so the comparison is about the engines, not about date
arithmetic. One ruleset; a session per case (sid = case id), deleted after each case.

Rules compared: dk.notification.assess (24 h), dk.notification.acknowledge (6 business days,
every reporter but an anonymous one), dk.investigation.complete (4 months from the referenced notification).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
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


def _status(
    due_day: dt.date | None,
    due_inst: dt.datetime | None,
    sat: dict[str, Any] | None,
    as_of: dt.datetime,
) -> str:
    as_of_day = as_of.astimezone(CPH).date()
    if sat is not None:
        if due_inst is not None and sat["precise"]:
            return "met" if sat["ts"] <= due_inst.timestamp() else "late"
        return "met" if dt.date.fromordinal(sat["day"]) <= (due_day or dt.date.max) else "late"
    if due_inst is not None:
        return "overdue" if as_of > due_inst else "due"
    return "overdue" if as_of_day > (due_day or dt.date.max) else "due"


def _match(
    trigs: list[dict[str, Any]], sats: list[dict[str, Any]]
) -> dict[str, dict[str, Any] | None]:
    """The contract's matching (a ref wins, else earliest unused at/after): Python, not Rete."""
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
    return out


Compared = tuple[str, str, str, str, str, str]  # rule, trigger, status, due, satisfied_by/_at


def _done(s: dict[str, Any] | None) -> tuple[str, str]:
    return (s["eid"], s["when"]) if s is not None else ("", "")


def evaluate_durable(case: dict[str, Any], as_of: dt.datetime) -> list[Compared]:
    """(rule, trigger id, status, due, satisfied_by, satisfied_at) for the three rules, via one
    durable-rules session: every field of a finding that both sides compute."""
    from durable.lang import assert_facts, delete_state

    _setup()
    ce = normalize(case, CPH).upto(as_of)
    sid = ce.case_id
    # durable-rules rejects a batch holding a fact that no rule handles: send only known types
    facts = [_fact(sid, e, i) for i, e in enumerate(ce.events) if e.type in HANDLED]
    if facts:
        assert_facts("cmp", facts)
    seen = _SEEN.pop(sid, {})
    delete_state("cmp", sid)
    key = lambda f: (f["ts"], f["eid"])  # noqa: E731
    notes = sorted(seen.get("notes", []), key=key)
    out = []
    day24 = parse_period("24 hours")
    for t, s in _match(notes, sorted(seen.get("assessed", []), key=key)).items():
        n = next(x for x in notes if x["eid"] == t)
        if n["precise"]:
            inst = dt.datetime.fromtimestamp(n["ts"] + 86400, CPH)  # exact 24 h, DST-correct
            status = _status(None, inst, s, as_of)
            out.append(("dk.notification.assess", t, status, inst.isoformat(), *_done(s)))
        else:
            d = day24.add_to_date(dt.date.fromordinal(n["day"]))
            status = _status(d, None, s, as_of)
            out.append(("dk.notification.assess", t, status, d.isoformat(), *_done(s)))
    prof = [n for n in notes if n["reporter"] != "anonymous"]  # a named reporter is confirmed to
    for t, s in _match(prof, sorted(seen.get("acked", []), key=key)).items():
        n = next(x for x in prof if x["eid"] == t)
        d = CALENDARS["dk"].add_business_days(dt.date.fromordinal(n["day"]), 6)
        status = _status(d, None, s, as_of)
        out.append(("dk.notification.acknowledge", t, status, d.isoformat(), *_done(s)))
    invs = sorted(seen.get("invs", []), key=key)
    anchors = dict(seen.get("anchor", []))
    by_id = {n["eid"]: n for n in notes}
    four = parse_period("4 months")
    closes = sorted((e for e in ce.events if e.type == "case_closed"), key=lambda e: e.key)
    for t, s in _match(invs, sorted(seen.get("done", []), key=key)).items():
        i = next(x for x in invs if x["eid"] == t)
        start = by_id.get(anchors.get(t, ""), i)
        d = four.add_to_date(dt.date.fromordinal(start["day"]))
        st = _status(d, None, s, as_of)
        closer = next((e for e in closes if e.date >= dt.date.fromordinal(i["day"])), None)
        if closer is not None and (s is None or closer.date.toordinal() < s["day"]):
            st = "cancelled" if closer.date <= d else "missed"
        out.append(("dk.investigation.complete", t, st, d.isoformat(), *_done(s)))
    return sorted(out)


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
        )
        for f in res.findings
        if f.rule in RULES
    )


def as_of_instant(text: str) -> dt.datetime:
    return parse_as_of(text, CPH)
