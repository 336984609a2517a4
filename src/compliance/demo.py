"""Deterministic generator of realistic synthetic case timelines (the demo corpus).

The shapes follow published figures (sources in ``docs/guide/demo-data.md``): about 1.79 notifications per notified child with two thirds
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
MEASURE_ID = "m1"  # one measure per case
REPORTERS = (("professional", 0.72), ("citizen", 0.18), ("anonymous", 0.08), ("child", 0.02))


class _Timeline:
    """The events of one synthetic case, numbered e1, e2, ... in the order they are added."""

    def __init__(self, case_id: str) -> None:
        self.case_id = case_id
        self.events: list[dict[str, Any]] = []

    def add(
        self, etype: str, at: dt.datetime | dt.date, refs: list[str] | None = None, **attrs: Any
    ) -> str:
        event_id = f"e{len(self.events) + 1}"
        event: dict[str, Any] = {"id": event_id, "type": etype, "at": at.isoformat()}
        if refs:
            event["refs"] = refs
        if attrs:
            event["attrs"] = attrs
        self.events.append(event)
        return event_id


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
    """One case's history, told in the order things happen. Each step draws from ``rng`` in a
    fixed order, so the same seed gives the same case; a step returning False ends the story."""
    story = _Story(rng, idx, prof, first, last)
    if story.notifications() and story.investigation():
        story.decision()
        story.complaint_and_access_request()
        story.measure()
    story.inform_reporters()
    return {
        "case_id": story.timeline.case_id,
        "subject": story.subject,
        "events": story.timeline.events,
    }


class _Story:
    def __init__(
        self, rng: random.Random, idx: int, prof: Profile, first: dt.date, last: dt.date
    ) -> None:
        self.rng = rng
        self.prof = prof
        self.timeline = _Timeline(f"{prof.name[:3].upper()}-{first.year}-{idx:06d}")
        self.add = self.timeline.add
        self.start = first + _days(rng.randrange((last - first).days))
        self.birth = self.start - _days(rng.randrange(0, 18 * 365 - 30))
        self.subject = {"birth_date": self.birth.isoformat(), "municipality": prof.name}
        self.first_note: str | None = None
        self.professional_notes: list[tuple[str, dt.date]] = []
        self.inv_start = self.start
        self.inv_end: dt.date | None = None
        self.decided = self.start
        self.placement = self.consent = False
        self.decision_id = ""

    def notifications(self) -> bool:
        """Two thirds are notified once, the rest 2-5 times within the following year; about
        one in four notified children gets an investigation (True)."""
        rng = self.rng
        n_notes = 1 if rng.random() < 0.66 else rng.choice((2, 2, 3, 3, 4, 5))
        later = [self.start + _days(rng.randrange(1, 365)) for _ in range(n_notes - 1)]
        note_days = sorted([self.start, *later])
        intake = f"cw{rng.randrange(1, 400):03d}"
        self.add(
            "caseworker_assigned", _office_time(rng, self.start), caseworker=intake, role="intake"
        )
        for day in note_days:
            self._notification(day)
        if rng.random() > 0.27:
            if rng.random() < 0.85:
                self.add("case_closed", note_days[-1] + _days(rng.randrange(5, 60)))
            return False
        return True

    def _notification(self, day: dt.date) -> None:
        rng = self.rng
        received = (
            _office_time(rng, day)
            if rng.random() < 0.9
            else dt.datetime(
                day.year, day.month, day.day, rng.randrange(0, 24), rng.randrange(60), tzinfo=CPH
            )
        )
        reporter = _pick(rng, REPORTERS)
        nid = self.add("notification_received", received, reporter=reporter)
        self.first_note = self.first_note or nid
        if reporter == "professional":
            self.professional_notes.append((nid, day))
        r = rng.random()
        if r < self.prof.assess_on_time:
            hours = rng.uniform(0.5, 23.5)
            self.add("notification_assessed", received + dt.timedelta(hours=hours), [nid])
        elif r < self.prof.assess_on_time + 0.05:
            hours = rng.uniform(24.5, 96)
            self.add("notification_assessed", received + dt.timedelta(hours=hours), [nid])
        if reporter != "anonymous":  # owed to every named reporter (BL § 138, stk. 1)
            r = rng.random()
            lag = rng.randrange(1, 8) if r < 0.85 else rng.randrange(9, 30)
            if r < 0.96:
                self.add("notification_acknowledged", day + _days(lag), [nid])

    def inform_reporters(self) -> None:
        """Tell each professional reporter whether an investigation or measure was started
        (BL § 138, stk. 2): most within 1-6 weeks, a few left out for special circumstances,
        some never. Drawn from a generator of its own (seeded by the case and notification)
        and added last, so every earlier draw and event id of the story is unchanged."""
        closed = next(
            (
                dt.date.fromisoformat(str(e["at"])[:10])
                for e in self.timeline.events
                if e["type"] == "case_closed"
            ),
            None,
        )
        for nid, day in self.professional_notes:
            side = random.Random(f"{self.timeline.case_id}:{nid}:inform")
            r = side.random()
            at = day + _days(side.randrange(7, 43))
            if closed is not None and at > closed:  # told at the latest when the case closes
                at = max(day, closed - _days(side.randrange(0, 4)))
            if r < 0.9:
                self.add("reporter_informed", at, [nid])
            elif r < 0.93:
                self.add("reporter_information_omitted", at, [nid])

    def investigation(self) -> bool:
        """The investigation and its outcome; about 60 % lead to a measure (True)."""
        rng, start = self.rng, self.start
        self.inv_start = inv_start = start + _days(rng.randrange(1, 21))
        responsible = f"cw{rng.randrange(1, 400):03d}"
        at = _office_time(rng, inv_start)
        self.add("caseworker_assigned", at, caseworker=responsible, role="responsible")
        inv = self.add(
            "investigation_started", inv_start, [self.first_note] if self.first_note else None
        )
        self.inv_end = self._investigation_end(inv)
        if self.inv_end is not None:
            self.add("investigation_completed", self.inv_end, [inv])
        if rng.random() > self.prof.caseworker_stable:
            self.add(
                "caseworker_assigned",
                _office_time(rng, inv_start + _days(rng.randrange(30, 360))),
                caseworker=f"cw{rng.randrange(1, 400):03d}",
                role="responsible",
            )
        self.add(
            "child_consultation",
            inv_start + _days(rng.randrange(5, 60)),
            context="investigation",
            goals_reached=rng.random() < 0.6,
        )
        self.decided = (self.inv_end or inv_start + _days(130)) + _days(rng.randrange(3, 30))
        if rng.random() > 0.6:
            self.add("case_closed", self.decided + _days(rng.randrange(10, 60)))
            return False
        return True

    def _investigation_end(self, inv: str) -> dt.date | None:
        """Within 6 weeks, within 4 months, still open, or late — per the profile's shares."""
        rng, start, prof = self.rng, self.start, self.prof
        r = rng.random()
        if r < prof.inv_fast:
            return start + _days(rng.randrange(20, 42))
        if r < prof.inv_on_time:
            return start + _days(rng.randrange(43, 120))
        if r < prof.inv_on_time + 0.08:
            if rng.random() < 0.5:
                at = start + _days(rng.randrange(100, 121))
                self.add("investigation_provisional_assessment", at, [inv])
            return None
        return _months(rng, start, 4, 1) + _days(rng.expovariate(1 / 45) + 1)

    def decision(self) -> None:
        """The decision on a measure (a fifth of them placements), with or without consent."""
        rng, decided = self.rng, self.decided
        self.placement = rng.random() < 0.22
        self.consent = rng.random() < 0.8
        if rng.random() < 0.88:
            self.add("plan_created", decided - _days(rng.randrange(0, 20)))
        urgent = rng.random() < 0.05 and decided.year < 2024
        kind = "placement" if self.placement else "measure"
        if self.placement and not self.consent:
            self._committee_decision(kind)
        else:
            self.decision_id = self._decision_event(kind, "caseworker", consent=True, urgent=urgent)
            if urgent:
                self.add("plan_created", _months(rng, decided, 3, 20))
        if self.placement and self.consent and decided.year >= 2024 and rng.random() < 0.85:
            self.add("plan_revised", _months(rng, decided, 2, 15))

    def _decision_event(self, kind: str, decided_by: str, **consent_and_urgency: Any) -> str:
        return self.add(
            "decision",
            self.decided,
            kind=kind,
            measure_id=MEASURE_ID,
            **consent_and_urgency,
            decided_by=decided_by,
            standard_contract=self.rng.random() < self.prof.standard_contract,
            written_basis=self.rng.random() < 0.98,
        )

    def _committee_decision(self, kind: str) -> None:
        rng, decided = self.rng, self.decided
        self.decision_id = self._decision_event(kind, "committee", consent=False)
        committee = self.add(
            "committee_decision",
            decided,
            [self.decision_id],
            kind="placement_without_consent",
            measure_id=MEASURE_ID,
            placed_previous_year=rng.random() < 0.1,
        )
        renewal = _months(rng, decided, 12, 20)
        self.add("committee_decision", renewal, [committee], kind="renewal", measure_id=MEASURE_ID)

    def complaint_and_access_request(self) -> None:
        rng, decided = self.rng, self.decided
        if rng.random() < 0.06:
            received = decided + _days(rng.randrange(3, 28))
            complaint = self.add(
                "complaint_received", received, [self.decision_id], decided_by="caseworker"
            )
            outcome = rng.choice(("complaint_reassessed", "complaint_forwarded"))
            lag = rng.randrange(7, 28) if rng.random() < 0.8 else rng.randrange(29, 60)
            self.add(outcome, received + _days(lag), [complaint])
        if rng.random() < 0.03:
            asked = decided + _days(rng.randrange(1, 100))
            request = self.add("access_request_received", asked)
            lag = rng.randrange(2, 10) if rng.random() < 0.8 else rng.randrange(11, 30)
            self.add("access_decided", asked + _days(lag), [request])

    def measure(self) -> None:
        """The measure from start to end, with its follow-ups (and a placement's visits)."""
        rng = self.rng
        m_start = self.decided + _days(rng.randrange(0, 14))
        measure = (
            "placement"
            if self.placement
            else rng.choice(("support", "family_treatment", "contact_person"))
        )
        self.add(
            "measure_started",
            m_start,
            [self.decision_id],
            measure_id=MEASURE_ID,
            measure=measure,
            consent=self.consent,
            local=rng.random() < self.prof.local_measures,
            provider=rng.choice(("municipal", "private", "regional")),
        )
        duration = rng.randrange(200, 1800) if self.placement else rng.randrange(120, 1100)
        m_end = m_start + _days(duration)
        self._follow_ups(m_start, m_end)
        if self.placement:
            m_end = self._placement(m_start, m_end)
        transition = rng.choice(("general_provision", "other_measure", "none", "none"))
        self.add(
            "measure_ended", m_end, measure_id=MEASURE_ID, measure=measure, transition=transition
        )
        if rng.random() < 0.9:
            self.add("case_closed", m_end + _days(rng.randrange(1, 40)))

    def _follow_ups(self, m_start: dt.date, m_end: dt.date) -> None:
        """SEL: every 6 months; BL (from 2024): on the date set at the previous follow-up."""
        rng = self.rng
        due = _months(rng, m_start, 3, 0)
        while True:
            on_time = rng.random() < self.prof.follow_up_on_time
            when = (
                due - _days(rng.randrange(0, 20)) if on_time else due + _days(rng.randrange(5, 90))
            )
            if when >= m_end:
                break
            next_due = _months(rng, when, rng.choice((4, 6, 6, 9)), 5)
            attrs: dict[str, Any] = {
                "measure_id": MEASURE_ID,
                "child_spoken_to": rng.random() < 0.85,
            }
            if when.year >= 2024:
                attrs["next_due"] = next_due.isoformat()
            self.add("follow_up", when, **attrs)
            due = next_due if when.year >= 2024 else _months(rng, when, 6, 0)

    def _placement(self, m_start: dt.date, m_end: dt.date) -> dt.date:
        """Supervision visits, a consultation, and aftercare near 18; returns the (new) end."""
        rng, birth = self.rng, self.birth
        visit = m_start + _days(rng.randrange(20, 120))
        while visit < m_end:
            self.add(
                "supervision_visit",
                visit,
                measure_id=MEASURE_ID,
                child_spoken_to=rng.random() < 0.9,
            )
            visit += _days(
                rng.randrange(120, 240) if rng.random() < 0.8 else rng.randrange(240, 420)
            )
        age_at_decision = (self.decided - birth).days / 365.25
        self.add(
            "child_consultation",
            m_start + _days(rng.randrange(60, 300)),
            context="placement",
            goals_reached=rng.random() < (0.7 if age_at_decision >= 12 else 0.6),
        )
        aftercare = birth + _days(int(17.5 * 365.25))
        if m_start < aftercare < m_end:
            r = rng.random()
            decided = (
                aftercare - _days(rng.randrange(10, 120))
                if r < 0.75
                else aftercare + _days(rng.randrange(5, 60))
            )
            self.add("decision", decided, kind="aftercare")
            m_end = min(m_end, birth + _days(18 * 365 + 5))
        return m_end


def _exported_by(events: list[dict[str, Any]], until: dt.date) -> list[dict[str, Any]]:
    """The events on or before ``until`` (local date); an event referring to a left-out one is
    left out too, so every reference resolves."""
    kept: list[dict[str, Any]] = []
    ids: set[str] = set()
    for event in events:  # in the order added: a reference points to an event added earlier
        if str(event["at"])[:10] > until.isoformat():
            continue
        if all(ref in ids for ref in event.get("refs", ())):
            kept.append(event)
            ids.add(event["id"])
    return kept


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
    until: dt.date | None = None,
) -> Iterator[dict[str, Any]]:
    """``n`` cases; the same (n, seed, first, last, broken_rate, until) always yields the same
    cases. ``until``: the export date — events after it have not happened yet and are left out
    (a case's story is drawn in full first, so the cut changes no other draw)."""
    rng = random.Random(seed)
    weights = [p.weight for p in MUNICIPALITIES]
    for i in range(n):
        prof = rng.choices(MUNICIPALITIES, weights)[0]
        case_rng = random.Random(rng.getrandbits(64))
        case = _case(case_rng, i, prof, first, last)
        if until is not None:
            case["events"] = _exported_by(case["events"], until)
        if broken_rate and case_rng.random() < broken_rate:
            case = _break(case_rng, case)
        yield case
