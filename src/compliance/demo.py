"""Deterministic generator of realistic synthetic case timelines (the demo corpus).

The shapes follow published figures (``shared/spec/DEMO-DATA.md``; sources in
``docs/guide/demo-data.md``): about 1.79 notifications per notified child with two thirds
notified once; professionals (schools 21 %, health 19.6 %, police/courts 12.5 %, day care,
others) file most notifications; many notifications lead nowhere, fewer to an investigation,
fewer to measures, few to placements. Municipalities differ in size and performance: the
"Slagelse-like" profile finishes about 20 % of investigations within 4 months (83 of 404 in
the seed review, 10 within 6 weeks) and keeps the same caseworker for about 80 % of cases in
the first year; others do better. The same seed gives byte-identical output.

No real person is described: ids, dates and pseudonymous caseworkers are random.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

__all__ = ["MUNICIPALITIES", "generate"]

CPH = ZoneInfo("Europe/Copenhagen")


@dataclass(frozen=True)
class Profile:
    name: str
    weight: float  # share of cases
    inv_on_time: float  # investigations completed within 4 months
    inv_fast: float  # ... of which within 6 weeks (share of all)
    assess_on_time: float
    follow_up_on_time: float
    caseworker_stable: float
    local_measures: float
    standard_contract: float


MUNICIPALITIES = (
    Profile("Slagelse", 0.40, 0.21, 0.025, 0.93, 0.70, 0.80, 0.90, 0.85),
    Profile("Aarhus", 0.35, 0.62, 0.12, 0.97, 0.82, 0.86, 0.93, 0.92),
    Profile("Morsø", 0.10, 0.75, 0.20, 0.98, 0.88, 0.90, 0.96, 0.94),
    Profile("Langeland", 0.15, 0.55, 0.10, 0.95, 0.78, 0.84, 0.92, 0.90),
)
REPORTERS = (("professional", 0.72), ("citizen", 0.18), ("anonymous", 0.08), ("child", 0.02))


class _Case:
    def __init__(self, rng: random.Random, case_id: str) -> None:
        self.rng = rng
        self.case_id = case_id
        self.events: list[dict[str, Any]] = []
        self.n = 0

    def add(
        self, etype: str, at: dt.datetime | dt.date, refs: list[str] | None = None, **attrs: Any
    ) -> str:
        self.n += 1
        eid = f"e{self.n}"
        ev: dict[str, Any] = {
            "id": eid,
            "type": etype,
            "at": at.isoformat(),
        }
        if refs:
            ev["refs"] = refs
        if attrs:
            ev["attrs"] = attrs
        self.events.append(ev)
        return eid


def _pick(rng: random.Random, options: tuple[tuple[str, float], ...]) -> str:
    x, acc = rng.random(), 0.0
    for name, w in options:
        acc += w
        if x < acc:
            return name
    return options[-1][0]


def _office_time(rng: random.Random, day: dt.date) -> dt.datetime:
    minutes = int(rng.triangular(7 * 60, 17 * 60, 10 * 60))
    return dt.datetime(day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=CPH)


def _days(d: float) -> dt.timedelta:
    return dt.timedelta(days=d)


def _months(rng: random.Random, start: dt.date, months: float, jitter_days: float) -> dt.date:
    from dateutil.relativedelta import relativedelta

    base: dt.date = start + relativedelta(months=int(months))
    return base + _days(round(rng.gauss(0, jitter_days)))


def _case(
    rng: random.Random, idx: int, prof: Profile, first: dt.date, last: dt.date
) -> dict[str, Any]:
    span = (last - first).days
    c = _Case(rng, f"{prof.name[:3].upper()}-{first.year}-{idx:06d}")
    start = first + _days(rng.randrange(span))
    age_days = rng.randrange(0, 18 * 365 - 30)
    birth = start - _days(age_days)
    subject = {"birth_date": birth.isoformat(), "municipality": prof.name}

    # notifications: two thirds once, the rest 2-4 times within the following year
    n_notes = 1 if rng.random() < 0.66 else rng.choice((2, 2, 3, 3, 4, 5))
    note_days = sorted([start] + [start + _days(rng.randrange(1, 365)) for _ in range(n_notes - 1)])
    intake = f"cw{rng.randrange(1, 400):03d}"
    c.add("caseworker_assigned", _office_time(rng, start), caseworker=intake, role="intake")
    first_note = None
    for day in note_days:
        received = (
            _office_time(rng, day)
            if rng.random() < 0.9
            else dt.datetime(
                day.year, day.month, day.day, rng.randrange(0, 24), rng.randrange(60), tzinfo=CPH
            )
        )
        reporter = _pick(rng, REPORTERS)
        nid = c.add("notification_received", received, reporter=reporter)
        first_note = first_note or nid
        r = rng.random()
        if r < prof.assess_on_time:
            c.add(
                "notification_assessed",
                received + dt.timedelta(hours=rng.uniform(0.5, 23.5)),
                [nid],
            )
        elif r < prof.assess_on_time + 0.05:
            c.add(
                "notification_assessed",
                received + dt.timedelta(hours=rng.uniform(24.5, 96)),
                [nid],
            )
        if reporter == "professional":
            r = rng.random()
            lag = rng.randrange(1, 8) if r < 0.85 else rng.randrange(9, 30)
            if r < 0.96:
                c.add("notification_acknowledged", day + _days(lag), [nid])

    # about one in four notified children gets an investigation
    if rng.random() > 0.27:
        if rng.random() < 0.85:
            c.add("case_closed", note_days[-1] + _days(rng.randrange(5, 60)))
        return {"case_id": c.case_id, "subject": subject, "events": c.events}

    inv_start = start + _days(rng.randrange(1, 21))
    responsible = f"cw{rng.randrange(1, 400):03d}"
    c.add(
        "caseworker_assigned",
        _office_time(rng, inv_start),
        caseworker=responsible,
        role="responsible",
    )
    inv = c.add("investigation_started", inv_start, [first_note] if first_note else None)
    r = rng.random()
    if r < prof.inv_fast:
        inv_end = start + _days(rng.randrange(20, 42))
    elif r < prof.inv_on_time:
        inv_end = start + _days(rng.randrange(43, 120))
    elif r < prof.inv_on_time + 0.08:
        inv_end = None  # still open
        if rng.random() < 0.5:
            c.add(
                "investigation_provisional_assessment",
                start + _days(rng.randrange(100, 121)),
                [inv],
            )
    else:
        inv_end = _months(rng, start, 4, 1) + _days(rng.expovariate(1 / 45) + 1)
    if inv_end is not None:
        c.add("investigation_completed", inv_end, [inv])
    if rng.random() > prof.caseworker_stable:
        c.add(
            "caseworker_assigned",
            _office_time(rng, inv_start + _days(rng.randrange(30, 360))),
            caseworker=f"cw{rng.randrange(1, 400):03d}",
            role="responsible",
        )
    c.add(
        "child_consultation",
        inv_start + _days(rng.randrange(5, 60)),
        context="investigation",
        goals_reached=rng.random() < 0.6,
    )

    # about 60 % of investigations lead to a measure; a fifth of those to a placement
    decided = (inv_end or inv_start + _days(130)) + _days(rng.randrange(3, 30))
    if rng.random() > 0.6:
        c.add("case_closed", decided + _days(rng.randrange(10, 60)))
        return {"case_id": c.case_id, "subject": subject, "events": c.events}
    placement = rng.random() < 0.22
    consent = rng.random() < 0.8
    mid = "m1"
    age_at = (decided - birth).days / 365.25
    if rng.random() < 0.88:
        c.add("plan_created", decided - _days(rng.randrange(0, 20)))
    urgent = rng.random() < 0.05 and decided.year < 2024
    kind = "placement" if placement else "measure"
    if placement and not consent:
        dec = c.add(
            "decision",
            decided,
            kind=kind,
            measure_id=mid,
            consent=False,
            decided_by="committee",
            standard_contract=rng.random() < prof.standard_contract,
            written_basis=rng.random() < 0.98,
        )
        comm = c.add(
            "committee_decision",
            decided,
            [dec],
            kind="placement_without_consent",
            measure_id=mid,
            placed_previous_year=rng.random() < 0.1,
        )
        renew = _months(rng, decided, 12, 20)
        c.add("committee_decision", renew, [comm], kind="renewal", measure_id=mid)
    else:
        dec = c.add(
            "decision",
            decided,
            kind=kind,
            measure_id=mid,
            consent=True,
            urgent=urgent,
            decided_by="caseworker",
            standard_contract=rng.random() < prof.standard_contract,
            written_basis=rng.random() < 0.98,
        )
        if urgent:
            c.add("plan_created", _months(rng, decided, 3, 20))
    if placement and consent and decided.year >= 2024 and rng.random() < 0.85:
        c.add("plan_revised", _months(rng, decided, 2, 15))
    if rng.random() < 0.06:
        k_day = decided + _days(rng.randrange(3, 28))
        k = c.add("complaint_received", k_day, [dec], decided_by="caseworker")
        out = rng.choice(("complaint_reassessed", "complaint_forwarded"))
        c.add(
            out,
            k_day + _days(rng.randrange(7, 28) if rng.random() < 0.8 else rng.randrange(29, 60)),
            [k],
        )
    if rng.random() < 0.03:
        a_day = decided + _days(rng.randrange(1, 100))
        a = c.add("access_request_received", a_day)
        c.add(
            "access_decided",
            a_day + _days(rng.randrange(2, 10) if rng.random() < 0.8 else rng.randrange(11, 30)),
            [a],
        )

    m_start = decided + _days(rng.randrange(0, 14))
    measure = (
        "placement" if placement else rng.choice(("support", "family_treatment", "contact_person"))
    )
    c.add(
        "measure_started",
        m_start,
        [dec],
        measure_id=mid,
        measure=measure,
        consent=consent,
        local=rng.random() < prof.local_measures,
        provider=rng.choice(("municipal", "private", "regional")),
    )
    duration = rng.randrange(120, 1100) if not placement else rng.randrange(200, 1800)
    m_end = m_start + _days(duration)
    # follow-ups: SEL every 6 months; BL on the date set at the previous one
    due = _months(rng, m_start, 3, 0)
    while True:
        on_time = rng.random() < prof.follow_up_on_time
        when = due - _days(rng.randrange(0, 20)) if on_time else due + _days(rng.randrange(5, 90))
        if when >= m_end:
            break
        next_due = _months(rng, when, rng.choice((4, 6, 6, 9)), 5)
        attrs: dict[str, Any] = {"measure_id": mid, "child_spoken_to": rng.random() < 0.85}
        if when.year >= 2024:
            attrs["next_due"] = next_due.isoformat()
        c.add("follow_up", when, **attrs)
        due = next_due if when.year >= 2024 else _months(rng, when, 6, 0)
    if placement:
        v = m_start + _days(rng.randrange(20, 120))
        while v < m_end:
            c.add("supervision_visit", v, measure_id=mid, child_spoken_to=rng.random() < 0.9)
            v += _days(rng.randrange(120, 240) if rng.random() < 0.8 else rng.randrange(240, 420))
        c.add(
            "child_consultation",
            m_start + _days(rng.randrange(60, 300)),
            context="placement",
            goals_reached=rng.random() < (0.7 if age_at >= 12 else 0.6),
        )
        aftercare = birth + _days(int(17.5 * 365.25))
        if m_start < aftercare < m_end:
            r = rng.random()
            c.add(
                "decision",
                aftercare - _days(rng.randrange(10, 120))
                if r < 0.75
                else aftercare + _days(rng.randrange(5, 60)),
                kind="aftercare",
            )
            m_end = min(m_end, birth + _days(18 * 365 + 5))
    transition = rng.choice(("general_provision", "other_measure", "none", "none"))
    c.add("measure_ended", m_end, measure_id=mid, measure=measure, transition=transition)
    if rng.random() < 0.9:
        c.add("case_closed", m_end + _days(rng.randrange(1, 40)))
    return {"case_id": c.case_id, "subject": subject, "events": c.events}


def _break(rng: random.Random, case: dict[str, Any]) -> dict[str, Any]:
    """Inject one realistic data error (for demonstrating rejection and reconciliation)."""
    kind = rng.choice(("naive", "baddate", "dupe", "dangling"))
    ev = case["events"][rng.randrange(len(case["events"]))]
    if kind == "naive":
        ev["at"] = (
            str(ev["at"])[:16].replace("+", "")
            if "T" in str(ev["at"])
            else str(ev["at"]) + "T09:00"
        )
    elif kind == "baddate":
        ev["at"] = "31-02-" + str(ev["at"])[:4]
    elif kind == "dupe" and len(case["events"]) > 1:
        case["events"][-1]["id"] = case["events"][0]["id"]
    else:
        ev["refs"] = ["missing-event"]
    return case


def generate(
    n: int,
    seed: int,
    first: dt.date = dt.date(2022, 1, 1),
    last: dt.date = dt.date(2025, 3, 31),
    broken_rate: float = 0.0,
) -> Iterator[dict[str, Any]]:
    """``n`` cases; the same (n, seed, first, last, broken_rate) always yields the same cases."""
    rng = random.Random(seed)
    weights = [p.weight for p in MUNICIPALITIES]
    for i in range(n):
        prof = rng.choices(MUNICIPALITIES, weights)[0]
        case_rng = random.Random(rng.getrandbits(64))
        case = _case(case_rng, i, prof, first, last)
        if broken_rate and case_rng.random() < broken_rate:
            case = _break(case_rng, case)
        yield case
