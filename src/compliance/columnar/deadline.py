"""The ``deadline`` judgement as columns (polars): for each obligation the earliest satisfying
and the earliest closing event at or after its trigger, the first excusing event at or after it
and in time, then the status.

"At or after" is ``matching.at_or_after``: by instant when both events are precise, else by
local date (``same_day: unordered``: a satisfying event counts from the trigger's local day,
``CompiledDeadline.may_fulfil``); "earliest" is the order of ``CaseEvent.key`` (instant, id).
The status is ``status.judge_obligation`` with ``Due.in_time`` and ``Due.passed``; the
explanations are written later, for the findings that are written, by that same function.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from compliance.columnar.frames import candidates_frame, obligations_frame
from compliance.columnar.table import EventsTable

__all__ = ["Judged", "judge"]

_NONE = -1


@dataclass(frozen=True, slots=True)
class Judged:
    """Per obligation (in table order): the status and the row of the fulfilling, closing and
    excusing candidate (-1 for none; an excuse only where the per-case engine looks for one)."""

    status: list[str]
    fulfilment: list[int]
    closer: list[int]
    excuse: list[int]


_AT_OR_AFTER = (
    pl.when(pl.col("precise") & pl.col("t_precise"))
    .then(pl.col("ts") >= pl.col("t_ts"))
    .otherwise(pl.col("day") >= pl.col("t_day"))
)
#: ``CompiledDeadline.may_fulfil`` (and, with ``exclude``, never the obligation's own trigger)
_MAY_FULFIL = (
    pl.when(pl.col("unordered")).then(pl.col("day") >= pl.col("t_day")).otherwise(_AT_OR_AFTER)
)
_TRIGGER = ("ob", "group", "t_ts", "t_day", "t_precise", "t_id")


def _renamed(frame: pl.LazyFrame, prefix: str) -> pl.LazyFrame:
    names = ("row", "ts", "day", "precise", "id")
    return frame.select("ob", *(pl.col(n).alias(f"{prefix}_{n}") for n in names))


def _first_closers(obs: pl.LazyFrame, closers: pl.LazyFrame) -> pl.LazyFrame:
    """Per obligation, the first closing event (by instant, then id) at or after its trigger,
    other than the trigger (``EventIndex.first``: closers are never used up)."""
    first = (
        closers.join(obs.select(_TRIGGER), on="group")
        .filter(_AT_OR_AFTER & (pl.col("id") != pl.col("t_id")))
        .sort("ob", "ts", "id")
        .group_by("ob", maintain_order=True)
        .first()
    )
    return _renamed(first, "c")


def _fulfilments(obs: pl.LazyFrame, sats: pl.LazyFrame) -> pl.LazyFrame:
    """``CompiledDeadline.assign_fulfilments``: a satisfying event that refs its trigger wins;
    each other obligation, in trigger order, takes the earliest unused satisfying event at or
    after its trigger. In one order (table.py ensures it) obligation i of its group takes the
    remaining event at position r_i = i + cummax(lb_j - j), lb_j being the position of the
    first remaining event at or after trigger j."""
    referred = (
        sats.filter(pl.col("refs_ob") >= 0)
        .sort("refs_ob", "ts", "id")
        .group_by("refs_ob", maintain_order=True)
        .first()
        .rename({"refs_ob": "ob"})
    )
    remaining = (
        sats.join(referred.select("row"), on="row", how="anti")
        .sort("group", "ts", "id")
        .with_columns(pl.int_range(pl.len()).over("group").alias("pos"))
    )
    open_obs = obs.join(referred.select("ob"), on="ob", how="anti").sort("ob")
    first_at_or_after = (
        open_obs.select(*_TRIGGER, "unordered", "exclude")
        .join(remaining, on="group")
        .filter(_MAY_FULFIL & (~pl.col("exclude") | (pl.col("id") != pl.col("t_id"))))
        .group_by("ob")
        .agg(pl.col("pos").min().alias("lb"))
    )
    sizes = remaining.group_by("group").agg(pl.len().alias("n"))
    ranked = (
        open_obs.select("ob", "group")
        .join(sizes, on="group", how="left")
        .join(first_at_or_after, on="ob", how="left")
        .with_columns(pl.col("n").fill_null(0))
        .with_columns(pl.col("lb").fill_null(pl.col("n")))
        .sort("ob")
        .with_columns(pl.int_range(pl.len()).over("group").alias("i"))
        .with_columns(
            (pl.col("i") + (pl.col("lb") - pl.col("i")).cum_max().over("group")).alias("pos")
        )
        .filter(pl.col("pos") < pl.col("n"))
        .join(remaining, on=["group", "pos"])
    )
    return pl.concat([_renamed(referred, "f"), _renamed(ranked, "f")])


def _in_time(prefix: str = "") -> pl.Expr:
    """``Due.in_time`` of the event in the ``prefix`` columns (none: the candidate's own)."""

    def col(name: str) -> pl.Expr:
        return pl.col(f"{prefix}_{name}" if prefix else name)

    by_instant = pl.col("due_ts").is_not_null() & col("precise")
    by_day = col("day") <= pl.col("due_day")
    return pl.when(by_instant).then(col("ts") <= pl.col("due_ts")).otherwise(by_day)


def _first_excuses(obs: pl.LazyFrame, excuses: pl.LazyFrame) -> pl.LazyFrame:
    """Per obligation, the first excusing event at or after its trigger that is in time
    (``EventIndex.first`` with ``accept=Due.in_time``: in time holds for a prefix of each run
    of one precision, so the first accepted of the runs' first events is the first in time
    order that is in time; the trigger itself may excuse)."""
    first = (
        excuses.join(obs.select(*_TRIGGER, "due_day", "due_ts"), on="group")
        .filter(_AT_OR_AFTER & _in_time())
        .sort("ob", "ts", "id")
        .group_by("ob", maintain_order=True)
        .first()
    )
    return _renamed(first, "e")


def _excused() -> pl.Expr:
    """An excuse counts where ``CompiledDeadline.evaluate`` looks for one: no fulfilment, or
    one that is not in time."""
    f_in_time = pl.col("f_row").is_not_null() & _in_time("f").fill_null(False)
    return pl.col("e_row").is_not_null() & ~f_in_time


def _status(as_of_ts: float, as_of_day: int) -> pl.Expr:
    """``judge_obligation``: fulfilment first unless a closer came before it, then an excuse,
    then the closer."""
    f, c = pl.col("f_row").is_not_null(), pl.col("c_row").is_not_null()
    f_first = (pl.col("f_ts") < pl.col("c_ts")) | (
        (pl.col("f_ts") == pl.col("c_ts")) & (pl.col("f_id") <= pl.col("c_id"))
    )
    passed = (
        pl.when(pl.col("due_ts").is_not_null())
        .then(pl.col("due_ts") < as_of_ts)
        .otherwise(pl.col("due_day") < as_of_day)
    )
    return (
        pl.when(f & (~c | f_first))
        .then(pl.when(_in_time("f")).then(pl.lit("met")).otherwise(pl.lit("late")))
        .when(_excused())
        .then(pl.lit("excused"))
        .when(c)
        .then(pl.when(_in_time("c")).then(pl.lit("cancelled")).otherwise(pl.lit("missed")))
        .when(passed)
        .then(pl.lit("overdue"))
        .otherwise(pl.lit("due"))
    )


def judge(table: EventsTable, as_of_ts: float, as_of_day: int) -> Judged:
    """The status of every obligation of the table as of the given instant and local day."""
    if not table.obligations:
        return Judged([], [], [], [])
    cols = table.columns
    obs = obligations_frame(
        cols,
        due_day=pl.Series(cols.due_day, dtype=pl.Int32),
        due_ts=pl.Series(cols.due_ts, dtype=pl.Float64),
        unordered=pl.Series(cols.unordered, dtype=pl.Boolean),
        exclude=pl.Series(cols.exclude, dtype=pl.Boolean),
    ).lazy()
    fulfilments = _fulfilments(obs, candidates_frame(table.satisfiers).lazy())
    closers = _first_closers(obs, candidates_frame(table.closers).lazy())
    excuses = _first_excuses(obs, candidates_frame(table.excuses).lazy())
    out = (
        obs.join(fulfilments, on="ob", how="left")
        .join(closers, on="ob", how="left")
        .join(excuses, on="ob", how="left")
        .sort("ob")
        .select(
            _status(as_of_ts, as_of_day).alias("status"),
            pl.col("f_row").fill_null(_NONE),
            pl.col("c_row").fill_null(_NONE),
            pl.when(_excused()).then(pl.col("e_row")).otherwise(_NONE).alias("e_row"),
        )
        .collect()
    )
    return Judged(
        out["status"].to_list(),
        out["f_row"].to_list(),
        out["c_row"].to_list(),
        out["e_row"].to_list(),
    )
