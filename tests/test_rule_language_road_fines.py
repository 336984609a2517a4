"""rules/it/road-fines on the 100-trace sample of the Road Traffic Fine Management Process log
(M. de Leoni, F. Mannhardt, 4TU.ResearchData, doi:10.4121/uuid:270fd440-1057-4fb9-89a9-b699b47990f5),
read from the raw XES with no derived attributes, against the independent analysis of the same
sample (stdlib-only, own Italian calendar; its counts are written out below)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from compliance import Engine, load_rules
from compliance.sources.xes import read_xes

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "fixtures" / "road-fines" / "roadtraffic100traces.xes"
AS_OF = "2013-04-24"  # the latest event of the sample

#: The independent analysis of the sample (figures of the research notes, reading A for art. 202:
#: paid in full = payments >= amount + expense; payments before the notification count).
EXPECTED = {
    "it.road-fines.notify": {"met": 76, "late": 1, "cancelled": 23},
    # The analysis counts 19 late + 1 excused: that fine was paid late but an appeal was lodged
    # in time. The engine's precedence (CONTRACT §5) judges a late fulfilment before an excuse,
    # so it is late here: one known, documented difference.
    "it.road-fines.pay-reduced": {"met": 1, "late": 20, "overdue": 36},
    "it.road-fines.prefect-transmit": {"met": 1},
    "it.road-fines.prefect-appeal": {"met": 1},  # the sample's one appeal to the Prefect
    "it.road-fines.prefect-decide": {"met": 1},
    "it.road-fines.judge-appeal": {},  # no opposition in the sample
}


@pytest.fixture(scope="module")
def findings() -> Counter[tuple[str, str]]:
    engine = Engine(load_rules(ROOT / "rules" / "it" / "road-fines"))
    counts: Counter[tuple[str, str]] = Counter()
    cases = list(read_xes(str(SAMPLE)))
    assert len(cases) == 100 and all(c.case is not None for c in cases)
    for c in cases:
        assert c.case is not None
        for f in engine.evaluate(c.case, AS_OF).findings:
            counts[(f.rule, f.status)] += 1
    return counts


@pytest.mark.parametrize("rule", sorted(EXPECTED))
def test_the_pack_agrees_with_the_independent_analysis(
    findings: Counter[tuple[str, str]], rule: str
) -> None:
    got = {status: n for (r, status), n in findings.items() if r == rule}
    assert got == EXPECTED[rule]


def test_the_catalogue_is_up_to_date() -> None:
    from compliance.ruletools.catalogue import render_catalogue

    current = (ROOT / "docs" / "rules" / "it.md").read_text(encoding="utf-8")
    rendered = render_catalogue([str(ROOT / "rules/it/road-fines")]).replace(str(ROOT) + "/", "")
    assert rendered == current, "docs/rules/it.md is out of date: run `make catalogue`"
