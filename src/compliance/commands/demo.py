"""``compliance demo generate``: the synthetic corpus as JSON Lines."""

from __future__ import annotations

import datetime as dt

import orjson

from compliance.demo import generate
from compliance.errors import ComplianceError
from compliance.outputs.files import atomic_binary

__all__ = ["run"]


def run(
    cases: int,
    seed: int,
    output: str | None,
    start: str,
    end: str,
    broken_rate: float,
    until: str | None = None,
) -> None:
    """``until``: the export date (no event after it); empty for the whole story."""
    first, last = _date("--start", start), _date("--end", end)
    cut = _date("--until", until) if until else None
    if cut is not None and cut < last:
        raise ComplianceError(f"--until {cut} is before the last notification date --end {last}")
    with atomic_binary(output) as fh:
        for case in generate(cases, seed, first, last, broken_rate, cut):
            fh.write(orjson.dumps(case) + b"\n")


def _date(option: str, text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ComplianceError(f"{option}: {text!r} is not a date (YYYY-MM-DD)") from None
