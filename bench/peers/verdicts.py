"""The two benchmark duties and what a per-case verdict is, shared by every side of the
peers comparison (standard library only: it is imported in the project venv and in the
peers venv alike).

A verdict is given per case and per duty:

- ``vacuous``   — the case has no activation (no Create Fine / no Insert Fine Notification);
- ``satisfied`` — every activation is answered by a target within the window;
- ``violated``  — some activation is not answered within the window (late, or never);
- ``pending``   — this engine only: an activation still open whose due date lies after
  ``as_of`` (status ``due``). The peers check completed traces (closed world), so for them
  such a case is ``violated``; the comparison counts those cases as a category of its own.

This engine's finding statuses map onto verdicts as: no finding → vacuous; all ``met`` →
satisfied; any ``late``/``overdue`` → violated; otherwise any ``due`` → pending. (``missed``,
``cancelled`` and ``excused`` cannot occur: the benchmark rules have no closing or excusing
events.)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

VERDICTS = ("vacuous", "satisfied", "violated", "pending")


@dataclass(frozen=True)
class Duty:
    key: str  # short name used in files and tables
    rule: str  # this engine's rule id (bench/peers/rules/)
    activation: str  # XES activity name
    target: str
    days: int

    @property
    def declare(self) -> str:
        """The MP-Declare constraint (Declare4Py's text syntax)."""
        return f"Response[{self.activation}, {self.target}] | | |0,{self.days},d"


DUTIES = (
    Duty("send-fine-90d", "bench.roadfines.send-fine-90-days", "Create Fine", "Send Fine", 90),
    Duty(
        "payment-60d",
        "bench.roadfines.payment-60-days",
        "Insert Fine Notification",
        "Payment",
        60,
    ),
)


def engine_verdict(statuses: Iterable[str]) -> str:
    """One case's verdict for one duty from this engine's finding statuses for its rule."""
    seen = set(statuses)
    if not seen:
        return "vacuous"
    if seen & {"late", "overdue", "missed"}:
        return "violated"
    if "due" in seen:
        return "pending"
    if seen <= {"met"}:
        return "satisfied"
    raise ValueError(f"unexpected statuses for a benchmark duty: {sorted(seen)}")


def write_verdicts(path: Path, rows: Iterable[tuple[str, str, str, str]]) -> None:
    """Rows of (case_id, duty key, verdict, detail) as TSV."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write("\t".join(row) + "\n")


def read_verdicts(path: Path) -> Iterator[tuple[str, str, str, str]]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            case_id, duty, verdict, detail = line.rstrip("\n").split("\t")
            yield case_id, duty, verdict, detail
