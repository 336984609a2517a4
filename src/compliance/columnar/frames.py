"""The polars frames of a chunk's columns, shared by the kinds' judgements."""

from __future__ import annotations

import polars as pl

from compliance.columnar.table import CandidateColumns, ObligationColumns

__all__ = ["candidates_frame", "obligations_frame"]


def obligations_frame(cols: ObligationColumns, **more: pl.Series) -> pl.DataFrame:
    """One row per obligation (``ob`` = its position in the table): its group and trigger."""
    return pl.DataFrame(
        {
            "ob": pl.Series(range(len(cols.group)), dtype=pl.Int64),
            "group": pl.Series(cols.group, dtype=pl.Int64),
            "t_ts": pl.Series(cols.trigger_ts, dtype=pl.Float64),
            "t_day": pl.Series(cols.trigger_day, dtype=pl.Int32),
            "t_precise": pl.Series(cols.trigger_precise, dtype=pl.Boolean),
            "t_id": pl.Series(cols.trigger_id, dtype=pl.String),
            **more,
        }
    )


def candidates_frame(cands: CandidateColumns) -> pl.DataFrame:
    """One row per candidate event (``row`` = its position in the columns) of a group."""
    return pl.DataFrame(
        {
            "group": pl.Series(cands.group, dtype=pl.Int64),
            "row": pl.Series(range(len(cands.group)), dtype=pl.Int64),
            "ts": pl.Series(cands.ts, dtype=pl.Float64),
            "day": pl.Series(cands.day, dtype=pl.Int32),
            "precise": pl.Series(cands.precise, dtype=pl.Boolean),
            "id": pl.Series(cands.id, dtype=pl.String),
            "refs_ob": pl.Series(cands.refs_ob, dtype=pl.Int64),
        }
    )
