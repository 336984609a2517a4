"""The ``precondition`` judgement as columns (polars): each trigger needs a satisfying event at
or before it (within ``lookback``): the one the trigger refs first, else the latest; else an
excusing event on or before its day; else missed (``kinds/precondition.py``). Nothing is used
up, so every obligation is judged on its own, in its group: one per (case, rule, partition
value), holding the satisfying events of that value and the excusing events of that value or
of none (``matching.in_partition``, ``matching.closer_applies``).

An ``attribute`` rule is judged in the same table: its trigger settles it at once — met when it
carries every required attribute (decided as the table is built), else excused by the first
excusing event at or before it (not itself), else missed (``kinds/attribute.py``).

The explanation of a written finding comes from the kind's own ``judge``, given only the events
the columns picked (the found or the later satisfying event, and the excuse): it then reaches the
same answer with the same words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from compliance.columnar.frames import candidates_frame, obligations_frame
from compliance.columnar.table import CandidateColumns, ObligationColumns, selected_events
from compliance.due import Due
from compliance.kinds.attribute import CompiledAttribute
from compliance.kinds.base import Context, LawVersion, Triggered, record
from compliance.kinds.precondition import CompiledPrecondition
from compliance.matching import closer_applies, in_partition
from compliance.model import CaseEvent, CaseEvents, Finding
from compliance.status import Judgement

__all__ = ["PreconditionJudged", "PreconditionTable"]

_NONE = -1


@dataclass(slots=True)
class PreconditionObligation:
    case: int
    rule: int
    trigger: CaseEvent
    version: LawVersion[Any]  # LookbackTerms (None for an attribute rule)
    earliest: dt.date | None  # the lookback's first day
    partition: str | None = None


@dataclass(frozen=True, slots=True)
class PreconditionJudged:
    status: list[str]
    found: list[int]  # candidate rows (-1: none)
    excuse: list[int]  # excuse rows
    later: list[int]  # candidate rows: the first satisfying event after the trigger


@dataclass(slots=True)
class PreconditionTable:
    obligations: list[PreconditionObligation] = field(default_factory=list)
    columns: ObligationColumns = field(default_factory=ObligationColumns)
    earliest_day: list[int | None] = field(default_factory=list)
    candidates: CandidateColumns = field(default_factory=CandidateColumns)
    excuses: CandidateColumns = field(default_factory=CandidateColumns)
    ref_ob: list[int] = field(default_factory=list)  # (obligation, id it refs) pairs
    ref_id: list[str] = field(default_factory=list)
    #: an attribute rule's obligation, and whether its trigger carries the attributes
    attribute: list[bool] = field(default_factory=list)
    carries: list[bool] = field(default_factory=list)
    groups: int = 0

    def add_group(
        self,
        case_no: int,
        case: CaseEvents,
        rule_no: int,
        rule: CompiledPrecondition | CompiledAttribute,
        triggered: Sequence[Triggered[Any]],
    ) -> None:
        """The obligations of one (rule, case) pair, in trigger order, a group per partition
        value."""
        attr = rule.partition
        group_of: dict[str | None, int] = {}
        for t in triggered:
            if t.partition not in group_of:
                group_of[t.partition] = self.groups
                self.groups += 1
        attribute = isinstance(rule, CompiledAttribute)
        candidates = (
            selected_events(rule.satisfied_by, case)
            if isinstance(rule, CompiledPrecondition)
            else []
        )
        excuses = selected_events(rule.excused_by, case) if rule.excused_by is not None else []
        for value, group in group_of.items():
            self.candidates.add(
                group,
                [s for s in candidates if in_partition(attr, s, value)]
                if attr is not None
                else candidates,
            )
            self.excuses.add(
                group,
                [e for e in excuses if closer_applies(attr, e, value)]
                if attr is not None
                else excuses,
            )
        cols = self.columns
        for trigger, version, partition in triggered:
            lookback = None if attribute else version.terms.lookback
            earliest = lookback.subtract_from_date(trigger.date) if lookback else None
            ob = len(self.obligations)
            self.obligations.append(
                PreconditionObligation(case_no, rule_no, trigger, version, earliest, partition)
            )
            cols.group.append(group_of[partition])
            cols.trigger_ts.append(trigger.key[0])
            cols.trigger_day.append(trigger.date.toordinal())
            cols.trigger_precise.append(trigger.precise)
            cols.trigger_id.append(trigger.id)
            self.earliest_day.append(earliest.toordinal() if earliest else None)
            self.attribute.append(attribute)
            self.carries.append(isinstance(rule, CompiledAttribute) and _carries(rule, trigger))
            for ref in trigger.refs:
                self.ref_ob.append(ob)
                self.ref_id.append(ref)

    # -- the judgement ----------------------------------------------------------------------

    def judge(self) -> PreconditionJudged:
        if not self.obligations:
            return PreconditionJudged([], [], [], [])
        obs = obligations_frame(
            self.columns,
            earliest=pl.Series(self.earliest_day, dtype=pl.Int32),
            attribute=pl.Series(self.attribute, dtype=pl.Boolean),
            carries=pl.Series(self.carries, dtype=pl.Boolean),
        ).lazy()
        cands = candidates_frame(self.candidates).lazy()
        refs = pl.DataFrame(
            {
                "ob": pl.Series(self.ref_ob, dtype=pl.Int64),
                "id": pl.Series(self.ref_id, dtype=pl.String),
            }
        ).lazy()
        pairs = cands.join(obs, on="group")
        in_window = pl.col("earliest").is_null() | (pl.col("day") >= pl.col("earliest"))
        before = pairs.filter((pl.col("id") != pl.col("t_id")) & _AT_OR_BEFORE & in_window)
        by_ref = _pick(before.join(refs, on=["ob", "id"], how="semi"), "ref", last=False)
        latest = _pick(before, "last", last=True)
        later = _pick(pairs.filter(_AFTER), "later", last=False)
        excuses = candidates_frame(self.excuses).lazy().join(obs, on="group")
        excusing = (
            pl.when(pl.col("attribute"))
            .then(_AT_OR_BEFORE & (pl.col("id") != pl.col("t_id")))
            .otherwise((pl.col("day") <= pl.col("t_day")) & in_window)
        )
        excuse = _pick(excuses.filter(excusing), "ex")
        out = (
            obs.select("ob", "carries")
            .join(by_ref, on="ob", how="left")
            .join(latest, on="ob", how="left")
            .join(later, on="ob", how="left")
            .join(excuse, on="ob", how="left")
            .sort("ob")
            .select(
                pl.coalesce("ref_row", "last_row").fill_null(_NONE).alias("found"),
                pl.col("ex_row").fill_null(_NONE).alias("excuse"),
                pl.col("later_row").fill_null(_NONE).alias("later"),
                pl.col("carries"),
            )
            .with_columns(
                pl.when(pl.col("carries") | (pl.col("found") >= 0))
                .then(pl.lit("met"))
                .when(pl.col("excuse") >= 0)
                .then(pl.lit("excused"))
                .otherwise(pl.lit("missed"))
                .alias("status")
            )
            .collect()
        )
        return PreconditionJudged(
            out["status"].to_list(),
            out["found"].to_list(),
            out["excuse"].to_list(),
            out["later"].to_list(),
        )

    # -- a written finding --------------------------------------------------------------------

    def finding(
        self,
        rule: CompiledPrecondition | CompiledAttribute,
        row: int,
        judged: PreconditionJudged,
        ctx: Context,
    ) -> Finding:
        """The finding ``CompiledPrecondition.evaluate`` (``CompiledAttribute.evaluate``)
        records for this obligation."""
        ob = self.obligations[row]
        judgement, explain = self.judgement(rule, row, judged)
        origin = Triggered(ob.trigger, ob.version, ob.partition)
        return record(ctx, rule, origin, judgement, Due(ob.trigger.date), explain)

    def judgement(
        self, rule: CompiledPrecondition | CompiledAttribute, row: int, judged: PreconditionJudged
    ) -> tuple[Judgement, list[str]]:
        """The obligation's judgement and explanation, by the kind's own ``judge`` given only
        the events the columns picked (its finding is due on the trigger's day, at day
        precision)."""
        ob = self.obligations[row]
        trigger, version = ob.trigger, ob.version
        excuse = judged.excuse[row]
        excuses = [self.excuses.events[excuse]] if excuse >= 0 else []
        if isinstance(rule, CompiledAttribute):
            explain = [f"trigger {trigger.label()}", f"must carry: {', '.join(rule.requires)}"]
            return rule.judge(trigger, ob.partition, excuses, explain), explain
        explain = [f"trigger {trigger.label()}", "requires an earlier satisfying event"]
        lookback = version.terms.lookback
        if ob.earliest:
            explain.append(f"look back {lookback} -> from {ob.earliest}")
        # in time order, as the kind selects them: a date-only event on the trigger's day can be
        # both the found one and, by id, a 'later' one
        picked = sorted({r for r in (judged.found[row], judged.later[row]) if r >= 0})
        candidates = [self.candidates.events[r] for r in picked]
        judgement = rule.judge(trigger, ob.partition, ob.earliest, candidates, excuses, explain)
        return judgement, explain


def _carries(rule: CompiledAttribute, trigger: CaseEvent) -> bool:
    """``CompiledAttribute.judge``: the trigger carries every required attribute, with a
    value."""
    return all(trigger.attrs.get(a) not in (None, "") for a in rule.requires)


_BOTH_PRECISE = pl.col("precise") & pl.col("t_precise")
_KEY_AFTER = (pl.col("ts") > pl.col("t_ts")) | (
    (pl.col("ts") == pl.col("t_ts")) & (pl.col("id") > pl.col("t_id"))
)
#: ``matching.at_or_before``: by (instant, id) when both are precise, else by local date
_AT_OR_BEFORE = pl.when(_BOTH_PRECISE).then(~_KEY_AFTER).otherwise(pl.col("day") <= pl.col("t_day"))
#: ``matching.after``: strictly after (same-day date-only events by (instant, id))
_AFTER = (
    pl.when(_BOTH_PRECISE)
    .then(_KEY_AFTER)
    .otherwise(
        (pl.col("day") > pl.col("t_day")) | ((pl.col("day") == pl.col("t_day")) & _KEY_AFTER)
    )
)


def _pick(frame: pl.LazyFrame, prefix: str, last: bool = False) -> pl.LazyFrame:
    """Per obligation, the first (or ``last``) row in time order, as ``{prefix}_row``."""
    ordered = frame.sort("ob", "ts", "id", descending=[False, last, last])
    first = ordered.group_by("ob", maintain_order=True).first()
    return first.select("ob", pl.col("row").alias(f"{prefix}_row"))
