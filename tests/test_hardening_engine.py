"""Engine-side hardening against hostile or careless case data (issue 17; docs/reliability.md,
"Engine: hostile values"): out-of-range dates, quadratic matching, output amplification,
lateness across DST, lenient date parsing and silent caps. Fuzz budgets come from the Hypothesis
profile (tests/fuzzing.py), like tests/test_reliability.py."""

from __future__ import annotations

import datetime as dt
import gc
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compliance import ComplianceError, Engine, TimelineError, load_rules
from compliance.engine import parse_as_of
from compliance.errors import EvaluationError
from compliance.limits import ECHO_LIMIT, MAX_OCCURRENCES
from matching_cases import MATCH_RULES, big_case

EXE = str(Path(sys.executable).parent / "compliance")
CPH = ZoneInfo("Europe/Copenhagen")

GOOD: dict[str, Any] = {
    "case_id": "good-1",
    "subject": {"birth_date": "2011-05-03"},
    "events": [
        {"id": "e1", "type": "notification_received", "at": "2024-03-01T14:05:00+01:00"},
        {"id": "e3", "type": "investigation_started", "at": "2024-03-04", "refs": ["e1"]},
    ],
}


def run_cli(*args: str, timeout: int = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [EXE, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "COMPLIANCE_DEBUG": ""},
    )


# -- 1. out-of-range dates lose only their case -------------------------------------------------

OUT_OF_RANGE = {
    "year 9999 date": {"id": "x1", "type": "notification_received", "at": "9999-12-31"},
    "year 9999 instant": {
        "id": "x1",
        "type": "investigation_started",
        "at": "9999-12-20T10:00:00+01:00",
    },
    "year 1 with +14:00": {
        "id": "x1",
        "type": "notification_received",
        "at": "0001-01-01T00:30:00+14:00",
    },
    "year 9999 with -14:00": {
        "id": "x1",
        "type": "notification_received",
        "at": "9999-12-31T23:30:00-14:00",
    },
}


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("name", sorted(OUT_OF_RANGE))
def test_out_of_range_dates_reject_only_their_case(tmp_path: Path, name: str, workers: str) -> None:
    bad = {"case_id": "bad-1", "events": [OUT_OF_RANGE[name]]}
    src = tmp_path / "cases.jsonl"
    lines = [GOOD, bad, {**GOOD, "case_id": "good-2"}]
    src.write_text("".join(json.dumps(c) + "\n" for c in lines), encoding="utf-8")
    out = tmp_path / "report.json"
    res = run_cli(
        "audit", str(src), "--rules", "dk", "--as-of", "9999-12-31",
        "--format", "json", "-o", str(out), "--workers", workers,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "internal error" not in res.stderr and "Traceback" not in res.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    s = doc["summary"]
    assert (s["cases_read"], s["evaluated"], s["rejected"]) == (3, 2, 1)
    [err] = doc["errors"]
    assert (err["line"], err["case_id"]) == (2, "bad-1")
    assert "x1" in err["reason"] and "out of range" in err["reason"]
    assert {f["case_id"] for f in doc["findings"]} == {"good-1", "good-2"}


@pytest.mark.fuzz
@given(
    day=st.one_of(st.dates(max_value=dt.date(1, 12, 31)), st.dates(min_value=dt.date(9998, 1, 1))),
    offset=st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59),
    kind=st.sampled_from(["notification_received", "investigation_started", "decision"]),
)
def test_fuzz_edge_years_give_findings_or_a_located_error(
    dk_engine: Engine, day: dt.date, offset: int, kind: str
) -> None:
    tz = dt.timezone(dt.timedelta(minutes=offset))
    at = dt.datetime.combine(day, dt.time(12), tzinfo=tz).isoformat()
    case = {"case_id": "edge", "events": [{"id": "ev", "type": kind, "at": at}]}
    try:
        dk_engine.evaluate(case, as_of="9999-12-31")
    except TimelineError as exc:
        assert exc.location is not None and "ev" in exc.location
    except EvaluationError as exc:
        assert "ev" in str(exc) and "out of range" in str(exc)


# -- 2. matching is near-linear; a per-case budget ----------------------------------------------


@pytest.fixture(scope="module")
def match_engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    d = tmp_path_factory.mktemp("match")
    for name, text in MATCH_RULES.items():
        (d / name).write_text(text, encoding="utf-8")
    return Engine(load_rules(d), max_case_events=1_000_000, max_case_findings=1_000_000)


def seconds(engine: Engine, case: dict[str, Any]) -> float:
    """Evaluation CPU time of this thread with the cyclic garbage collector paused: the test
    measures how the matching grows, not when Python happens to collect or how busy the machine
    is (bench/case_size.py reports both)."""
    prepared = engine.prepare(case)
    gc.collect()
    gc.disable()
    try:
        t0 = time.thread_time()
        engine.evaluate(prepared, as_of="2099-12-31")
        return time.thread_time() - t0
    finally:
        gc.enable()


def test_matching_inside_one_case_is_near_linear(match_engine: Engine) -> None:
    seconds(match_engine, big_case(500))  # warm up
    small = min(seconds(match_engine, big_case(4_000)) for _ in range(3))
    large = min(seconds(match_engine, big_case(32_000)) for _ in range(3))
    # 8x the events: quadratic matching took ~64x (minutes at 64k). This compares growth, not
    # speed; 16x leaves room for cache effects on a loaded machine and still fails quadratic.
    assert large <= 16 * small + 0.2, (small, large)


def test_per_case_budget_rejects_a_pathological_case(tmp_path: Path) -> None:
    engine = Engine(load_rules("dk"), max_case_events=10)
    many = {"case_id": "huge", "events": big_case(20)["events"]}
    with pytest.raises(EvaluationError, match=r"^\d+ events, over the per-case budget"):
        engine.evaluate(many, as_of="2099-12-31")
    assert Engine(load_rules("dk")).max_case_events == 100_000  # the documented default


def test_per_case_findings_budget(match_engine: Engine) -> None:
    rules = list(match_engine.rules)
    assert rules  # the module's engine compiled the test rules
    tight = Engine(load_rules(Path(__file__).parent.parent / "rules" / "dk"), max_case_findings=3)
    case = {
        "case_id": "many",
        "events": [
            {"id": f"n{i}", "type": "notification_received", "at": f"2024-03-{i + 1:02d}"}
            for i in range(10)
        ],
    }
    with pytest.raises(EvaluationError, match="more than 3 findings"):
        tight.evaluate(case, as_of="2024-06-30")


def test_budget_rejection_goes_through_the_batch(tmp_path: Path) -> None:
    src = tmp_path / "cases.jsonl"
    big = big_case(100_010)
    src.write_text(
        "".join(json.dumps(c) + "\n" for c in (GOOD, big, {**GOOD, "case_id": "good-2"})),
        encoding="utf-8",
    )
    out = tmp_path / "r.json"
    res = run_cli(
        "audit", str(src), "--rules", "dk", "--as-of", "2099-12-31",
        "--format", "json", "-o", str(out),
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    [err] = doc["errors"]
    assert err["line"] == 2 and "per-case budget" in err["reason"]


# -- 3. output amplification ---------------------------------------------------------------------


def test_long_ids_are_shortened_in_explanations(dk_engine: Engine) -> None:
    long_id = "X" * 100_000
    case = {
        "case_id": "amp",
        "events": [
            {"id": long_id, "type": "notification_received", "at": "2024-03-01T10:00:00+01:00"},
            {
                "id": "Y" * 50_000,
                "type": "notification_assessed",
                "at": "2024-03-05T10:00:00+01:00",
            },
        ],
    }
    res = dk_engine.evaluate(case, as_of="2024-06-30")
    assert res.findings
    text = "\n".join(line for f in res.findings for line in f.explain)
    assert "…[+99920 chars]" in text
    assert max(len(line) for f in res.findings for line in f.explain) < 4 * ECHO_LIMIT + 200
    assert len(json.dumps([f.to_dict() for f in res.findings])) < 20 * 160_000


def test_a_long_id_in_a_recurring_chain_does_not_multiply(tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_text(MATCH_RULES["recurring.yaml"], encoding="utf-8")
    engine = Engine(load_rules(tmp_path))
    trig = "T" * 100_000
    events: list[dict[str, Any]] = [
        {"id": trig, "type": "investigation_started", "at": "2024-01-01"}
    ]
    events += [
        {"id": f"a{i}", "type": "notification_assessed", "at": f"2024-{1 + i // 28:02d}-"
         f"{1 + i % 28:02d}"}
        for i in range(200)
    ]  # fmt: skip
    res = engine.evaluate({"case_id": "chain", "events": events}, as_of="2024-12-31")
    explained = sum(len(line) for f in res.findings for line in f.explain)
    assert len(res.findings) > 100
    assert explained < 400 * len(res.findings)  # was 200 KB per finding


# -- 4. lateness across DST ------------------------------------------------------------------


def dst_case(i: int) -> dict[str, Any]:
    # received before the spring-forward night of 31 March 2024; never assessed
    at = dt.datetime(2024, 3, 29, (10 + i) % 24, 7 * (i % 8), tzinfo=CPH)
    return {
        "case_id": f"dst-{i}",
        "events": [{"id": "n", "type": "notification_received", "at": at.isoformat()}],
    }


def test_lateness_is_the_same_whatever_form_as_of_takes(dk_engine: Engine) -> None:
    as_of_zone = dt.datetime(2024, 4, 10, 10, 30, tzinfo=CPH)
    as_of_offset = dt.datetime.fromisoformat(as_of_zone.isoformat())  # fixed +02:00
    for i in range(24):
        a = dk_engine.evaluate(dst_case(i), as_of=as_of_zone).findings
        b = dk_engine.evaluate(dst_case(i), as_of=as_of_offset).findings
        assert [f.to_dict() for f in a] == [f.to_dict() for f in b]
    f = next(
        f
        for f in dk_engine.evaluate(dst_case(0), as_of=as_of_zone).findings
        if f.rule == "dk.notification.assess"
    )
    # due 30 March 10:00 +01:00; 10 April 10:30 +02:00 is 10 days 23.5 hours later: 11 days
    assert (f.due, f.lateness_days) == ("2024-03-30T10:00:00+01:00", 11)


def test_workers_agree_on_a_corpus_that_crosses_dst(tmp_path: Path) -> None:
    src = tmp_path / "dst.jsonl"
    src.write_text("".join(json.dumps(dst_case(i)) + "\n" for i in range(40)), encoding="utf-8")
    outs = []
    for workers in ("1", "2"):
        out = tmp_path / f"w{workers}.jsonl"
        res = run_cli(
            "audit", str(src), "--rules", "dk", "--as-of", "2024-04-10",
            "-o", str(out), "--workers", workers,
        )  # fmt: skip
        assert res.returncode == 0, res.stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


# -- 5. only the documented date forms -----------------------------------------------------------

ISO_FORM = re.compile(
    r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}([.,]\d{1,6})?)?(Z|[+-]\d{2}:\d{2}(:\d{2})?)?)?"
)


@pytest.mark.parametrize("text", ["0102031234", "20240301", "2024-W09-5", "2024-061", "240301"])
def test_non_iso_text_is_not_a_date(dk_engine: Engine, text: str) -> None:
    case = {"case_id": "c", "events": [{"id": "e", "type": "notification_received", "at": text}]}
    with pytest.raises(TimelineError) as info:
        dk_engine.evaluate(case, as_of="2025-06-30")
    assert info.value.location == "events[0] (e).at"


@pytest.mark.fuzz
@given(text=st.text(alphabet="0123456789-T:+WZ. ", min_size=6, max_size=26))
def test_fuzz_only_documented_forms_parse(dk_engine: Engine, text: str) -> None:
    case = {"case_id": "c", "events": [{"id": "e", "type": "notification_received", "at": text}]}
    try:
        dk_engine.evaluate(case, as_of="2025-06-30")
    except TimelineError:
        return
    assert ISO_FORM.fullmatch(text.strip()), text


def test_as_of_accepts_only_documented_forms() -> None:
    with pytest.raises(ComplianceError, match="as_of: not an ISO 8601"):
        parse_as_of("20250630", CPH)
    assert parse_as_of("2025-06-30", CPH) == dt.datetime.combine(
        dt.date(2025, 6, 30), dt.time.max, tzinfo=CPH
    )
    res = run_cli("audit", "-", "--rules", "dk", "--as-of", "20250630")
    assert res.returncode == 2 and "as_of" in res.stderr and "internal" not in res.stderr


@pytest.mark.parametrize(
    ("local", "what"),
    [("2024-03-31T02:30:00", "does not exist"), ("2024-10-27T02:30:00", "is ambiguous")],
)
def test_dst_gaps_and_folds_in_naive_times_are_reported(
    dk_rules: Any, local: str, what: str
) -> None:
    engine = Engine(dk_rules, default_tz="Europe/Copenhagen")
    case = {"case_id": "c", "events": [{"id": "e", "type": "notification_received", "at": local}]}
    with pytest.raises(TimelineError, match=what):
        engine.evaluate(case, as_of="2025-06-30")
    with pytest.raises(ComplianceError, match=what):
        parse_as_of(local, CPH)
    ok = {"case_id": "c", "events": [{**case["events"][0], "at": "2024-03-31T03:30:00"}]}
    assert engine.evaluate(ok, as_of="2025-06-30").findings


def test_due_dates_set_by_data_are_read_strictly(tmp_path: Path) -> None:
    (tmp_path / "d.yaml").write_text(
        """\
id: t.due-from
title: {da: Frist, en: Deadline}
kind: deadline
versions: [{valid: {from: 2000-01-01}, source: {document: Test standard}}]
trigger: notification_received
satisfied_by: notification_assessed
due_from: review_by
within: 3 days
""",
        encoding="utf-8",
    )
    engine = Engine(load_rules(tmp_path))
    trig = {"id": "t", "type": "notification_received", "at": "2024-03-01"}
    cpr_like = {**trig, "attrs": {"review_by": "0102031234"}}
    [f] = engine.evaluate({"case_id": "c", "events": [cpr_like]}, as_of="2024-06-30").findings
    assert f.due == "2024-03-04"  # not 12 March 102: the period applies
    iso = {**trig, "attrs": {"review_by": "2024-03-20"}}
    [f] = engine.evaluate({"case_id": "c", "events": [iso]}, as_of="2024-06-30").findings
    assert f.due == "2024-03-20"


# -- 6. caps are stated --------------------------------------------------------------------------


def test_recurring_cap_is_stated_on_the_last_finding(tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_text(
        MATCH_RULES["recurring.yaml"].replace("every: 2 days", "every: 1 day"), encoding="utf-8"
    )
    engine = Engine(load_rules(tmp_path))
    start = dt.date(2000, 1, 1)
    events: list[dict[str, Any]] = [
        {"id": "s", "type": "investigation_started", "at": start.isoformat()}
    ]
    events += [
        {
            "id": f"a{i}",
            "type": "notification_assessed",
            "at": (start + dt.timedelta(days=i)).isoformat(),
        }
        for i in range(MAX_OCCURRENCES + 5)
    ]
    res = engine.evaluate({"case_id": "cap", "events": events}, as_of="2099-12-31")
    assert len(res.findings) == MAX_OCCURRENCES
    assert any("stopped after 10000 occurrences" in line for line in res.findings[-1].explain)
