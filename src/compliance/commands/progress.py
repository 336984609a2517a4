"""The audit's progress bar on stderr (cases done, rate, time left where the total is known)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from compliance.audit import CaseOutcome
from compliance.sources import source_named

__all__ = ["count_lines", "with_progress"]

JSON_LINES = source_named("jsonl")


def count_lines(paths: Iterable[str]) -> int | None:
    """The number of cases if every input is JSON Lines (one case a line), else unknown."""
    total = 0
    for path in paths:
        if not path.lower().endswith(JSON_LINES.endings):
            return None
        with open(path, "rb") as fh:
            total += sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
    return total


def with_progress(outcomes: Iterator[CaseOutcome], total: int | None) -> Iterator[CaseOutcome]:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = [
        TextColumn("auditing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]} cases/s"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    ]
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task("audit", total=total, rate="0")
        start = dt.datetime.now()
        for done, outcome in enumerate(outcomes, 1):
            if done % 200 == 0:
                seconds = max((dt.datetime.now() - start).total_seconds(), 1e-6)
                bar.update(task, completed=done, rate=f"{done / seconds:,.0f}")
            yield outcome
