"""The ``deadline`` judgement as columns (polars): for each obligation the earliest satisfying
and the earliest closing event at or after its trigger, then the status.

"At or after" is ``matching.at_or_after``: by instant when both events are precise, else by
local date; "earliest" is the order of ``CaseEvent.key`` (instant, id). The status is
``status.judge_obligation`` without excuses, with ``Due.in_time`` and ``Due.passed``; the
explanations are written later, for the findings that are written, by that same function.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from compliance.columnar.table import CandidateColumns, EventsTable

__all__ = ["Judged", "judge"]

_NONE = -1


@dataclass(frozen=True, slots=True)
class Judged:
    """Per obligation (in table order): the status and the row of the fulfilling and closing
    candidate (-1 for none)."""

    status: list[str]
    fulfilment: list[int]
    closer: list[int]


def _obligations(table: EventsTable) -> pl.DataFrame:
    cols = table.columns
    return pl.DataFrame(
        {
            "ob": pl.Series(range(len(table.obligations)), dtype=pl.Int64),
            "t_ts": pl.Series(cols.trigger_ts, dtype=pl.Float64),
            "t_day": pl.Series(cols.trigger_day, dtype=pl.Int32),
            "t_precise": pl.Series(cols.trigger_precise, dtype=pl.Boolean),
            "due_day": pl.Series(cols.due_day, dtype=pl.Int32),
            "due_ts": pl.Series(cols.due_ts, dtype=pl.Float64),
        }
    )


def _candidates(cands: CandidateColumns) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "ob": pl.Series(cands.ob, dtype=pl.Int64),
            "row": pl.Series(range(len(cands.ob)), dtype=pl.Int64),
            "ts": pl.Series(cands.ts, dtype=pl.Float64),
            "day": pl.Series(cands.day, dtype=pl.Int32),
            "precise": pl.Series(cands.precise, dtype=pl.Boolean),
            "id": pl.Series(cands.id, dtype=pl.String),
        }
    )


def _earliest(obs: pl.LazyFrame, cands: pl.LazyFrame, prefix: str) -> pl.LazyFrame:
    """Per obligation, the first candidate (by instant, then id) at or after the trigger."""
    both_precise = pl.col("precise") & pl.col("t_precise")
    at_or_after = (
        pl.when(both_precise)
        .then(pl.col("ts") >= pl.col("t_ts"))
        .otherwise(pl.col("day") >= pl.col("t_day"))
    )
    return (
        cands.join(obs.select("ob", "t_ts", "t_day", "t_precise"), on="ob")
        .filter(at_or_after)
        .sort("ob", "ts", "id")
        .group_by("ob", maintain_order=True)
        .first()
        .select(
            "ob",
            pl.col("row").alias(f"{prefix}_row"),
            pl.col("ts").alias(f"{prefix}_ts"),
            pl.col("day").alias(f"{prefix}_day"),
            pl.col("precise").alias(f"{prefix}_precise"),
            pl.col("id").alias(f"{prefix}_id"),
        )
    )


def _in_time(prefix: str) -> pl.Expr:
    """``Due.in_time`` of the event in the ``prefix`` columns."""
    by_instant = pl.col("due_ts").is_not_null() & pl.col(f"{prefix}_precise")
    by_day = pl.col(f"{prefix}_day") <= pl.col("due_day")
    return pl.when(by_instant).then(pl.col(f"{prefix}_ts") <= pl.col("due_ts")).otherwise(by_day)


def _status(as_of_ts: float, as_of_day: int) -> pl.Expr:
    """``judge_obligation`` with no excuse: fulfilment first unless a closer came before it."""
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
        .when(c)
        .then(pl.when(_in_time("c")).then(pl.lit("cancelled")).otherwise(pl.lit("missed")))
        .when(passed)
        .then(pl.lit("overdue"))
        .otherwise(pl.lit("due"))
    )


def judge(table: EventsTable, as_of_ts: float, as_of_day: int) -> Judged:
    """The status of every obligation of the table as of the given instant and local day."""
    if not table.obligations:
        return Judged([], [], [])
    obs = _obligations(table).lazy()
    fulfilments = _earliest(obs, _candidates(table.satisfiers).lazy(), "f")
    closers = _earliest(obs, _candidates(table.closers).lazy(), "c")
    out = (
        obs.join(fulfilments, on="ob", how="left")
        .join(closers, on="ob", how="left")
        .sort("ob")
        .select(
            _status(as_of_ts, as_of_day).alias("status"),
            pl.col("f_row").fill_null(_NONE),
            pl.col("c_row").fill_null(_NONE),
        )
        .collect()
    )
    return Judged(out["status"].to_list(), out["f_row"].to_list(), out["c_row"].to_list())
