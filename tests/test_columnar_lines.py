"""The columnar path's written JSON Lines (``columnar/merge.py``: a finding's line built from the
judgement without a ``Finding`` when nothing keeps findings) equal the per-case engine's byte
for byte, through the CLI, for hostile values: ids with quotes, backslashes, unicode and line
breaks, CPR-shaped ids in several spellings (masked in both), pseudonymised case ids, status
filters, date-only and instant events and events on the days clocks change."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from compliance.cli import app
from compliance.demo import generate

pytest.importorskip("polars")

runner = CliRunner()
AS_OF = "2025-06-30"
MASK = "******-****"

#: id spellings a JSON line must escape, and CPR numbers (valid dates) in several spellings:
#: plain, with a dash, Arabic-Indic and full-width digits, a no-break space, an invisible
#: separator, a line break as separator
HOSTILE = [
    'q"uo"te',
    "back\\slash\\",
    "æøå-ß-\u00e9-😀",
    "line\nbreak",
    "line\u2028sep",
    "ctrl\x01\x1b[31m",
    "010190-1234",
    "0101901234",
    "\u0660\u0661\u0660\u0661\u0669\u0660-\u0661\u0662\u0663\u0664",
    "\uff10\uff11\uff10\uff11\uff19\uff10\uff11\uff12\uff13\uff14",
    "010190\u00a01234",
    "010190\u200b1234",
    "010190\n1234",
]

#: events moved onto the days clocks change in Copenhagen (2025-03-30, 2024-10-27), in both
#: spellings of the offset around the change, and date-only
DST_TIMES = [
    "2025-03-30T01:30:00+01:00",
    "2025-03-30T03:30:00+02:00",
    "2024-10-27T02:30:00+02:00",
    "2024-10-27T02:30:00+01:00",
    "2025-03-30",
    "2024-10-27",
]


def _hostile(case: dict[str, Any], n: int) -> dict[str, Any]:
    """The case with hostile case and event ids (refs follow their events), some events on
    the DST days."""
    case = json.loads(json.dumps(case))
    case["case_id"] = f"{n}:{HOSTILE[n % len(HOSTILE)]}"
    new_id = {
        e["id"]: f"{j}:{HOSTILE[(n + j) % len(HOSTILE)]}" for j, e in enumerate(case["events"])
    }
    for j, e in enumerate(case["events"]):
        e["id"] = new_id[e["id"]]
        if "refs" in e:
            e["refs"] = [new_id.get(r, r) for r in e["refs"]]
        if n % 5 == 0 and j < 2:  # a notification and its assessment on a DST day
            e["at"] = DST_TIMES[(n // 5 + j) % len(DST_TIMES)]
    return case


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> str:
    p = tmp_path_factory.mktemp("hostile") / "cases.jsonl"
    with open(p, "w", encoding="utf-8") as fh:
        for n, case in enumerate(generate(300, seed=11)):
            fh.write(json.dumps(_hostile(case, n)) + "\n")
    return str(p)


def both(corpus: str, tmp_path: Path, *more: str) -> tuple[bytes, bytes]:
    """The case engine's and the columnar engine's JSON Lines for the same call."""
    outs = []
    for engine in ("case", "columnar"):
        out = tmp_path / f"{engine}.jsonl"
        args = ["audit", corpus, "--rules", "dk", "--as-of", AS_OF, "-o", str(out)]
        result = runner.invoke(app, [*args, "--engine", engine, *more])
        assert result.exit_code in (0, 1), result.output
        outs.append(out.read_bytes())
    return outs[0], outs[1]


def test_hostile_ids_are_written_the_same_and_masked(corpus: str, tmp_path: Path) -> None:
    case, columnar = both(corpus, tmp_path)
    assert case == columnar
    lines = [json.loads(line) for line in columnar.splitlines()]
    assert len(lines) > 1_000
    case_ids = {f["case_id"] for f in lines}
    # escapes round-trip, CPR-shaped ids in every spelling come out masked, never raw
    tails = [c.partition(":")[2] for c in case_ids]
    assert {'q"uo"te', "back\\slash\\", "line\nbreak", "line\u2028sep"} <= set(tails)
    assert tails.count(MASK) >= 5
    raw = columnar.decode("utf-8")
    assert "010190-1234" not in raw and "0101901234" not in raw
    assert "\uff10\uff11\uff10\uff11\uff19\uff10" not in raw
    # event ids are masked inside explanations as well as in the trigger field
    assert any(MASK in step for f in lines for step in f["explain"])
    assert any(f["trigger"].endswith(":" + MASK) for f in lines)


def test_dst_days_date_only_and_instants_are_written_the_same(corpus: str, tmp_path: Path) -> None:
    case, columnar = both(corpus, tmp_path)
    assert case == columnar
    lines = [json.loads(line) for line in columnar.splitlines()]
    triggered = {f["triggered_at"] for f in lines}
    assert {"2025-03-30T03:30:00+02:00", "2025-03-30"} & triggered
    assert {f["precision"] for f in lines} == {"day", "instant"}


@pytest.mark.parametrize("statuses", ["overdue,late", "met", "due,excused,cancelled"])
def test_status_filters_write_the_same_lines(corpus: str, tmp_path: Path, statuses: str) -> None:
    case, columnar = both(corpus, tmp_path, "--status", statuses)
    assert case == columnar
    written = {json.loads(line)["status"] for line in columnar.splitlines()}
    assert written and written <= set(statuses.split(","))


def test_pseudonymised_lines_are_the_same(
    corpus: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMPLIANCE_PSEUDONYM_KEY", "a key of the tests, long enough")
    case, columnar = both(corpus, tmp_path, "--pseudonymize")
    assert case == columnar
    case_ids = {json.loads(line)["case_id"] for line in columnar.splitlines()}
    assert case_ids and all(c.startswith("p-") for c in case_ids)
