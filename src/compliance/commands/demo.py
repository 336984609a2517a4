"""``compliance demo generate``: the synthetic corpus as JSON Lines."""

from __future__ import annotations

import datetime as dt

import orjson

from compliance.demo import generate
from compliance.outputs.files import atomic_binary

__all__ = ["run"]


def run(
    cases: int, seed: int, output: str | None, start: str, end: str, broken_rate: float
) -> None:
    first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    with atomic_binary(output) as fh:
        for case in generate(cases, seed, first, last, broken_rate):
            fh.write(orjson.dumps(case) + b"\n")
