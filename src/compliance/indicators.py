"""Portfolio indicators: aggregate per-case observations into shares against targets."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from compliance.engine import Observation
from compliance.kinds.indicator import IndicatorRule
from compliance.rules.schema import Rule

__all__ = ["IndicatorAccumulator", "IndicatorResult"]


@dataclass(slots=True)
class IndicatorResult:
    indicator: str
    title: dict[str, str]
    period: str
    numerator: int
    denominator: int
    share: float | None
    target: dict[str, float]
    status: str
    source: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "indicator": self.indicator,
            "title": self.title,
            "period": self.period,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "share": self.share,
            "target": self.target,
            "status": self.status,
            "source": self.source,
        }


class IndicatorAccumulator:
    """Counts successes per (indicator, period). Streaming: memory grows with periods, not cases."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules = {r.id: r for r in rules if isinstance(r, IndicatorRule)}
        self.counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])

    def add(self, observations: Iterable[Observation]) -> None:
        for o in observations:
            c = self.counts[(o.indicator, o.period)]
            c[1] += 1
            if o.success:
                c[0] += 1

    def merge(self, other: IndicatorAccumulator) -> None:
        for k, (n, d) in other.counts.items():
            c = self.counts[k]
            c[0] += n
            c[1] += d

    def results(self, periods: Iterable[str] = ()) -> list[IndicatorResult]:
        out = []
        for rid, rule in self.rules.items():
            seen = sorted(p for (i, p) in self.counts if i == rid)
            for period in seen or list(periods) or ["all"]:
                n, d = self.counts.get((rid, period), [0, 0])
                target = rule.target.model_dump(exclude_none=True)
                share = round(n / d, 4) if d else None
                if not d:
                    status = "insufficient_data"
                elif rule.target.min_share is not None:
                    status = "met" if n / d >= rule.target.min_share else "missed"
                else:
                    assert rule.target.max_share is not None  # Target requires exactly one
                    status = "met" if n / d <= rule.target.max_share else "missed"
                src = rule.versions[-1].source.model_dump(exclude_none=True)
                out.append(
                    IndicatorResult(
                        rid, rule.title.model_dump(), period, n, d, share, target, status, src
                    )
                )
        return out
