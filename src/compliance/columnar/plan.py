"""The plan: which rules the columnar path judges and which the per-case engine does, with the
engines that judge the rest (for those rules only, or for one rule of one case)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from compliance.columnar.capability import why_not_columnar
from compliance.columnar.table import ColumnarRule
from compliance.engine import Engine
from compliance.kinds.base import CompiledRule
from compliance.model import CaseEvents

__all__ = ["Plan"]


def _engine_of(engine: Engine, rules: list[CompiledRule[Any]]) -> Engine:
    """An engine of some of ``engine``'s rules that reads cases exactly as ``engine`` does."""
    part = Engine(
        [r.model for r in rules],
        calendars=engine.calendars,
        max_case_events=engine.max_case_events,
        max_case_findings=engine.max_case_findings,
    )
    # the time zone comes from the rules' calendars; a part without dated rules would default
    # to Copenhagen, so it takes the whole rule set's (as_of's local day, due dates)
    part.tz = engine.tz
    part.default_tz = engine.default_tz
    return part


@dataclass
class Plan:
    engine: Engine  # the reference: every rule, the per-case path
    columnar: list[ColumnarRule]
    rest: Engine  # the rules the columnar path does not judge
    single: list[Engine]  # per columnar rule: an engine of that rule alone (fallback cases)
    position: dict[str, int]  # rule id -> the position of its findings in a case's list
    why_not: dict[str, str]  # rule id -> why the per-case engine judges it
    at: dt.datetime  # as_of

    @classmethod
    def of(cls, engine: Engine, at: dt.datetime) -> Plan:
        why_not = {r.id: why for r in engine.rules if (why := why_not_columnar(r)) is not None}
        for reader in engine.rules:
            # a base indicator reads its base rule's findings within the per-case evaluation
            base = getattr(reader, "base", None) if reader.reads_findings else None
            if base is not None:
                why_not.setdefault(base, f"read by the base indicator {reader.id}")
        columnar = [r for r in engine.rules if r.id not in why_not and isinstance(r, ColumnarRule)]
        rest = [r for r in engine.rules if r.id in why_not]
        n = len(engine.rules)
        position = {r.id: i + (n if r.reads_findings else 0) for i, r in enumerate(engine.rules)}
        return cls(
            engine,
            columnar,
            _engine_of(engine, rest),
            [_engine_of(engine, [r]) for r in columnar],
            position,
            why_not,
            at,
        )

    def unknown_types(self, case: CaseEvents) -> dict[str, int]:
        """As ``Result.unknown_event_types``: event types the rule set's vocabulary lacks."""
        known = self.engine.known_types
        if known is None or known.issuperset(case.by_type):  # the set test runs in C
            return {}
        return {t: len(evs) for t, evs in case.by_type.items() if t not in known}
