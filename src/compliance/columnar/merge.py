"""One case's outcome from both paths: the columnar obligations materialised as findings (only
those that are written), the per-case engine's findings for the other rules and for the
(rule, case) pairs the columnar path left to it, merged in the per-case engine's order.

A streamed audit (``--format jsonl``: JSON Lines written, no finding kept, no pseudonym) gets
a columnar finding as its line, built from the kind's own judgement and explanation
(``status.judge_obligation``, ``CompiledPrecondition.judge``, ``CompiledAttribute.judge``)
without a ``Finding`` object (``_line``); the line passes ``audit.finding_line``'s CPR check
like every other line."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from compliance.audit import CaseOutcome, Emit, Stat, finding_line, stat_of, subject_of
from compliance.columnar.deadline import Judged
from compliance.columnar.plan import Plan
from compliance.columnar.precondition import PreconditionJudged
from compliance.columnar.table import ColumnarRule, EventsTable, Obligation
from compliance.due import AsOf
from compliance.kinds.age import CompiledAge
from compliance.kinds.attribute import CompiledAttribute
from compliance.kinds.base import Context, LawVersion, Observation, Triggered, record
from compliance.kinds.deadline import CompiledDeadline
from compliance.kinds.precondition import CompiledPrecondition
from compliance.matching import at_or_after
from compliance.model import CaseEvent, CaseEvents, Finding
from compliance.sources import Item
from compliance.status import VIOLATIONS, Judgement, judge_obligation

__all__ = ["CaseWork", "Judgements", "merged_outcome"]


@dataclass(slots=True)
class CaseWork:
    """A case of the chunk that validated: the item and the case cut at as_of."""

    item: Item
    case: CaseEvents
    obligations: list[int] = field(default_factory=list)  # rows of the table, in rule order
    preconditions: list[int] = field(default_factory=list)  # rows of table.preconditions
    fallback: list[int] = field(default_factory=list)  # columnar rules judged per case


class TooManyFindings(Exception):
    """Over the per-case budget: the per-case engine rejects the case with its own reason."""


def _judged(
    rule: ColumnarRule, ob: Obligation, picked: Picked, as_of: AsOf
) -> tuple[Judgement, list[str], bool]:
    """The judgement of one deadline or age obligation, its explanation (the kinds' words:
    ``status.judge_obligation``, ``CompiledDeadline.assign_by_scan``'s line for an earlier
    fulfilment on the trigger's day) and whether the finding is precise to the instant."""
    fulfilment, closer, excuse = picked
    due = ob.due
    if isinstance(rule, CompiledAge):
        explain = list(ob.due_explain)
        return judge_obligation(due, fulfilment, closer, None, as_of, explain), explain, False
    assert isinstance(rule, CompiledDeadline)
    trigger = ob.trigger
    explain = [f"trigger {trigger.label()}", *ob.due_explain]
    unordered = rule.same_day == "unordered"
    if unordered and fulfilment is not None and not at_or_after(fulfilment, trigger):
        # CompiledDeadline.assign_by_scan's words for a fulfilment earlier on the trigger's day
        explain.append(
            f"{fulfilment.label()} is before the trigger and counts (before_trigger: counts)"
        )
    judgement = judge_obligation(due, fulfilment, closer, excuse, as_of, explain)
    fulfilled = judgement.fulfilment
    start = ob.start or trigger
    precise = due.instant is not None and start.precise and (fulfilled is None or fulfilled.precise)
    return judgement, explain, precise


#: The fulfilling, closing and excusing events the columns picked for an obligation.
Picked = tuple[CaseEvent | None, CaseEvent | None, CaseEvent | None]


def _picked(table: EventsTable, judged: Judged, row: int) -> Picked:
    f_row, c_row, e_row = judged.fulfilment[row], judged.closer[row], judged.excuse[row]
    return (
        table.satisfiers.events[f_row] if f_row >= 0 else None,
        table.closers.events[c_row] if c_row >= 0 else None,
        table.excuses.events[e_row] if e_row >= 0 else None,
    )


def _finding(plan: Plan, table: EventsTable, judged: Judged, row: int, ctx: Context) -> Finding:
    """The finding the per-case engine records for this obligation (``kinds/deadline.py``,
    ``kinds/age.py``)."""
    ob: Obligation = table.obligations[row]
    rule = plan.columnar[ob.rule]
    judgement, explain, precise = _judged(rule, ob, _picked(table, judged, row), ctx.as_of)
    origin = Triggered(ob.trigger, ob.version, ob.partition)
    if isinstance(rule, CompiledAge):
        return record(ctx, rule, origin, judgement, ob.due, explain, anchored=ob.reached)
    return record(
        ctx,
        rule,
        origin,
        judgement,
        ob.due,
        explain,
        anchored=ob.start,
        precise=precise,
        anchor=ob.anchor,
    )


def _written(
    plan: Plan, table: EventsTable, judged: Judged, row: int, case: CaseEvents, as_of: AsOf
) -> tuple[Stat, bytes]:
    """The statistic and the JSON line of a deadline or age obligation's finding, without the
    ``Finding`` (``_line``)."""
    ob: Obligation = table.obligations[row]
    rule = plan.columnar[ob.rule]
    judgement, explain, precise = _judged(rule, ob, _picked(table, judged, row), as_of)
    if ob.reached is not None:
        anchored_at: str | None = ob.reached.isoformat()
    else:
        anchored_at = ob.start.when if ob.start is not None else None
    origin = (ob.trigger, ob.version, ob.partition)
    due = ob.due.text()
    line = _line(case, rule, origin, judgement, due, explain, anchored_at, ob.anchor, precise)
    status = judgement.status
    return (rule.id, status, due[:7] if status in VIOLATIONS else None), line


def _written_precondition(
    plan: Plan, table: EventsTable, judged: PreconditionJudged, row: int, case: CaseEvents
) -> tuple[Stat, bytes]:
    """``_written`` for a precondition or attribute obligation (due on its trigger's day)."""
    pre = table.preconditions
    ob = pre.obligations[row]
    rule = plan.columnar[ob.rule]
    assert isinstance(rule, CompiledPrecondition | CompiledAttribute)
    judgement, explain = pre.judgement(rule, row, judged)
    origin = (ob.trigger, ob.version, ob.partition)
    due = ob.trigger.date.isoformat()  # Due(trigger.date).text()
    line = _line(case, rule, origin, judgement, due, explain, None, None, False)
    status = judgement.status
    return (rule.id, status, due[:7] if status in VIOLATIONS else None), line


def _line(
    case: CaseEvents,
    rule: ColumnarRule,
    origin: tuple[CaseEvent, LawVersion[Any], str | None],
    judgement: Judgement,
    due: str,
    explain: list[str],
    anchored_at: str | None,
    anchor: str | None,
    precise: bool,
) -> bytes:
    """``finding_line(Emit.record(finding))`` byte for byte for the finding ``kinds.base.record``
    would make of these (the keys in ``Finding.to_dict``'s order; no pseudonym, so the record is
    the finding's dict). The CPR check is ``finding_line``'s own."""
    trigger, version, partition = origin
    fulfilled = judgement.fulfilment
    return finding_line(
        {
            "case_id": case.case_id,
            "rule": rule.id,
            "version": version.label,
            "kind": rule.kind,
            "status": judgement.status,
            "severity": version.severity,
            "partition": partition,
            "trigger": trigger.id,
            "triggered_at": trigger.when,
            "anchored_at": anchored_at,
            "anchor": anchor,
            "due": due,
            "satisfied_by": fulfilled.id if fulfilled else None,
            "satisfied_at": fulfilled.when if fulfilled else None,
            "lateness_days": judgement.lateness,
            "precision": "instant" if precise else "day",
            "occurrence": None,
            "count": None,
            "source": version.source,
            "explain": explain,
        }
    )


@dataclass(frozen=True, slots=True)
class Judgements:
    """The chunk's tables and their judgements, per kind."""

    table: EventsTable
    deadlines: Judged
    preconditions: PreconditionJudged


@dataclass(slots=True)
class Written:
    """A columnar finding already written as its JSON line (``_written``), with its statistic."""

    stat: Stat
    line: bytes


Entry = Finding | Stat | Written


def _columnar_entries(
    plan: Plan, judged: Judgements, work: CaseWork, as_of: AsOf, emit: Emit
) -> list[tuple[int, Entry]]:
    """The columnar findings of the case; a finding nobody reads stays a (rule, status, month)
    statistic and its explanation is never written. A stream that keeps no findings and
    pseudonymises nothing gets each deadline's or age rule's line without a ``Finding``."""
    ctx: Context | None = None  # only for the findings built as Finding objects
    table, out = judged.table, []
    keep_all, kept = emit.keep_findings, emit.statuses
    lines_only = emit.jsonl and not keep_all and not emit.pseudonym_key
    statuses, position, rules = judged.deadlines.status, plan.position, plan.columnar
    entry: Entry
    for row in work.obligations:
        ob = table.obligations[row]
        rule_id = rules[ob.rule].id
        status = statuses[row]
        if keep_all or kept is None or status in kept:
            if lines_only:
                stat, line = _written(plan, table, judged.deadlines, row, work.case, as_of)
                entry = Written(stat, line) if kept is None or stat[1] in kept else stat
            else:
                ctx = ctx or _context(plan, work, as_of)
                entry = _finding(plan, table, judged.deadlines, row, ctx)
        else:
            entry = (rule_id, status, ob.due.text()[:7] if status in VIOLATIONS else None)
        out.append((position[rule_id], entry))
    pre = table.preconditions
    for row in work.preconditions:
        p_ob = pre.obligations[row]
        rule = rules[p_ob.rule]
        status = judged.preconditions.status[row]
        if keep_all or kept is None or status in kept:
            assert isinstance(rule, CompiledPrecondition | CompiledAttribute)
            if lines_only:
                stat, line = _written_precondition(
                    plan, table, judged.preconditions, row, work.case
                )
                entry = Written(stat, line) if kept is None or stat[1] in kept else stat
            else:
                ctx = ctx or _context(plan, work, as_of)
                entry = pre.finding(rule, row, judged.preconditions, ctx)
        else:
            month = p_ob.trigger.date.isoformat()[:7] if status in VIOLATIONS else None
            entry = (rule.id, status, month)
        out.append((position[rule.id], entry))
    return out


def _context(plan: Plan, work: CaseWork, as_of: AsOf) -> Context:
    ctx = Context(work.case, as_of, plan.engine.tz)
    ctx.keeps_settlements = False
    return ctx


def _per_case_entries(
    plan: Plan, work: CaseWork
) -> tuple[list[tuple[int, Entry]], list[Observation]]:
    at = plan.at
    found: list[Finding] = []
    observations: list[Observation] = []
    if plan.rest.rules:
        rest = plan.rest.evaluate(work.case, at)
        found.extend(rest.findings)
        observations = rest.observations
    for rule_no in work.fallback:
        found.extend(plan.single[rule_no].evaluate(work.case, at).findings)
    return [(plan.position[f.rule], f) for f in found], observations


def merged_outcome(
    plan: Plan, judged: Judgements, work: CaseWork, as_of: AsOf, emit: Emit
) -> CaseOutcome:
    """The case's outcome as the per-case engine gives it (raises TooManyFindings, or the
    per-case engine's errors, for the caller to hand the case to the reference path)."""
    entries, observations = _per_case_entries(plan, work)
    entries.extend(_columnar_entries(plan, judged, work, as_of, emit))
    if len(entries) > plan.engine.max_case_findings:
        raise TooManyFindings
    entries.sort(key=lambda e: e[0])  # stable: each rule's findings keep their order
    findings: list[Finding] = []
    stats: list[Stat] = []
    written: list[bytes] = []
    for _, e in entries:
        if isinstance(e, Finding):
            findings.append(e)
            stats.append(stat_of(e))
            if emit.jsonl and emit.keep(e):
                written.append(finding_line(emit.record(e)))
        elif isinstance(e, Written):
            stats.append(e.stat)
            written.append(e.line)
        else:
            stats.append(e)
    lines = b"".join(written)
    case = work.case
    return CaseOutcome(
        work.item.line,
        work.item.source,
        case.case_id,
        findings if emit.keep_findings else [],
        observations,
        unknown_event_types=plan.unknown_types(case),
        ignored_future_events=case.future_events,
        stats=stats,
        lines=lines,
        subject=subject_of(work.item.case or {}),
    )
