"""Status judgement: the statuses a finding can have, written once, and the rules that decide
them (docs/reference/findings.md). Every rule kind asks here; no kind decides a status on its own."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, get_args

from compliance.due import AsOf, Due

if TYPE_CHECKING:
    from compliance.model import CaseEvent

__all__ = [
    "SETTLED",
    "STATUSES",
    "VIOLATIONS",
    "Judgement",
    "Status",
    "judge_limit",
    "judge_obligation",
    "judge_quota_period",
    "prorated",
]

Status = Literal["met", "late", "overdue", "missed", "breached", "due", "cancelled", "excused"]
STATUSES: tuple[Status, ...] = get_args(Status)
#: Statuses that break the rule.
VIOLATIONS: frozenset[str] = frozenset({"late", "overdue", "missed", "breached"})
#: Statuses whose outcome is known for good (an indicator counts these, not open ones).
SETTLED: frozenset[str] = frozenset({"met", "late", "overdue", "missed", "breached"})


@dataclass(slots=True)  # not frozen: one per finding, and frozen __init__ is slower
class Judgement:
    """A status, the lateness in days where it applies, and the event that fulfilled it."""

    status: Status
    lateness: int | None = None
    fulfilment: CaseEvent | None = None


def judge_obligation(
    due: Due,
    fulfilment: CaseEvent | None,
    closer: CaseEvent | None,
    excuse: CaseEvent | None,
    as_of: AsOf,
    explain: list[str],
) -> Judgement:
    """An obligation with a due date: from its fulfilling, closing and excusing events."""
    if fulfilment is not None and (closer is None or fulfilment.key <= closer.key):
        # the cached label and due text read directly once built (no call per finding)
        label, due_text = fulfilment._label or fulfilment.label(), due._text or due.text()
        if due.in_time(fulfilment):
            explain.append(f"satisfied by {label}, on or before due {due_text}: met")
            return Judgement("met", None, fulfilment)
        late = due.days_after(fulfilment, as_of)
        explain.append(f"satisfied by {label}, after due {due_text}: late by {late} day(s)")
        return Judgement("late", late, fulfilment)
    if excuse is not None:
        explain.append(f"excused by {excuse.label()}")
        return Judgement("excused")
    if closer is not None:
        if due.in_time(closer):
            explain.append(f"closed by {closer.label()} before due: cancelled")
            return Judgement("cancelled")
        late = due.days_after(closer, as_of)
        explain.append(f"closed by {closer.label()} after due {due.text()} unsatisfied: missed")
        return Judgement("missed", late)
    if due.passed(as_of):
        late = due.days_after(None, as_of)
        explain.append(f"not satisfied as of {as_of.day}; due {due.text()} passed: overdue")
        return Judgement("overdue", late)
    explain.append(f"open; due {due.text()} is still ahead as of {as_of.day}")
    return Judgement("due")


def judge_limit(
    due: Due,
    hits: list[CaseEvent],
    allowed: int,
    closer: CaseEvent | None,
    as_of: AsOf,
    explain: list[str],
) -> Judgement:
    """A limit (at most ``allowed`` matching events until ``due``); the breaching event is
    reported as the one that 'fulfils' the finding."""
    breach = hits[allowed] if len(hits) > allowed else None
    if breach is not None:
        explain.append(f"{len(hits)} found; exceeded by {breach.label()}: breached")
        return Judgement("breached", None, breach)
    if closer is not None and due.in_time(closer):
        # the limit held for the whole life of the case: met (docs/adr/0005)
        explain.append(
            f"closed by {closer.label()} before the window ended, "
            f"{len(hits)} found: the limit held: met"
        )
        return Judgement("met")
    if due.passed(as_of):
        explain.append(f"window ended with {len(hits)}: met")
        return Judgement("met")
    explain.append(f"{len(hits)} so far; window open until {due.text()}")
    return Judgement("due")


def prorated(count: int, active_days: int, span_days: int) -> int:
    """The requirement for a period a closing event cut short, rounded half up."""
    return math.floor(count * active_days / span_days + 0.5)


def judge_quota_period(
    found: list[CaseEvent], required: int, cut: bool, ended: bool, last_day: str, explain: list[str]
) -> Judgement:
    """One period of a quota: at least ``required`` events; ``ended`` when the period is over."""
    n = len(found)
    if required == 0:
        explain.append("period too short to require any: cancelled")
        return Judgement("cancelled")
    if n >= required:
        reached = found[required - 1]
        explain.append(f"{n} found; requirement reached by {reached.label()}: met")
        return Judgement("met", None, reached)
    if cut or ended:
        explain.append(f"only {n} found in the period: missed")
        return Judgement("missed")
    explain.append(f"{n} so far; period ends {last_day}")
    return Judgement("due")
