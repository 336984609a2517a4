"""Suspension periods that stop the clock (calendar ``suspended``; docs/adr/0013): the summer
suspension of judicial terms (L. 742/1969 art. 1) as the worked example, through rule files and
the engine."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance import Engine, RuleError, load_rules
from compliance.ruletools.lint import lint_paths

RULE = """\
id: x.suspended
title: {en: Test, it: Prova}
kind: deadline
versions:
  - valid: {from: 2000-01-01}
    source: {law: Test, ref: "art. 1"}
trigger: investigation_started
satisfied_by: investigation_completed
within: WITHIN
calendar:
  country: IT
  tz: Europe/Rome
  suspended:
    - law: "L. 742/1969 art. 1"
      yearly: {from: "08-01", until: "09-15"}
      years: {until: 2014}
    - law: "L. 742/1969 art. 1 as amended by D.L. 132/2014 art. 16"
      yearly: {from: "08-01", until: "08-31"}
      years: {from: 2015}
"""
DAY = dt.timedelta(days=1)


def engine_for(tmp_path: Path, within: str, extra: str = "", roll: bool = False) -> Engine:
    text = RULE.replace("WITHIN", within) + extra + ("roll: next_business_day\n" if roll else "")
    path = tmp_path / "rule.yaml"
    path.write_text(text, encoding="utf-8")
    return Engine(load_rules(path))


def due(engine: Engine, started: dt.date) -> dt.date:
    timeline = {
        "case_id": "c",
        "events": [{"id": "e1", "type": "investigation_started", "at": started.isoformat()}],
    }
    (finding,) = engine.evaluate(timeline, as_of=started).findings
    assert finding.due is not None
    return dt.date.fromisoformat(finding.due)


def in_summer(day: dt.date) -> bool:
    last = dt.date(day.year, 9, 15) if day.year <= 2014 else dt.date(day.year, 8, 31)
    return dt.date(day.year, 8, 1) <= day <= last


def walk(started: dt.date, days: int) -> dt.date:
    """The reference reading of art. 1: count the days one by one, skipping suspended ones."""
    day, left = started, days
    while left:
        day += DAY
        left -= not in_summer(day)
    return day


@pytest.mark.parametrize(
    ("started", "within", "expected"),
    [
        ("2009-07-13", "60 days", "2009-10-27"),  # runs into August: 18 + 42 days
        ("2009-08-10", "60 days", "2009-11-14"),  # starts inside: from 15 Sep
        ("2009-09-15", "60 days", "2009-11-14"),  # starts on the last suspended day
        ("2009-09-16", "60 days", "2009-11-15"),  # the first day after: nothing suspended
        ("2009-07-31", "30 days", "2009-10-15"),  # day 1 would be 1 Aug -> 16 Sep
        ("2009-06-01", "60 days", "2009-07-31"),  # ends the day before: untouched
        ("2009-06-02", "60 days", "2009-09-16"),  # would end on 1 Aug: 1 day left after
        ("2015-07-20", "30 days", "2015-09-19"),  # from 2015 only August stops the clock
        ("2014-07-20", "30 days", "2014-10-04"),  # the old rule still applies in 2014
        ("2009-07-01", "1 months", "2009-09-16"),  # months: 1 Aug + the 46 suspended days
        ("2009-01-10", "1 years", "2010-02-25"),  # a year runs through one summer: + 46 days
    ],
)
def test_summer_suspension_at_the_boundaries(
    tmp_path: Path, started: str, within: str, expected: str
) -> None:
    assert due(
        engine_for(tmp_path, within), dt.date.fromisoformat(started)
    ) == dt.date.fromisoformat(expected)


def test_the_end_day_rolls_after_the_suspension(tmp_path: Path) -> None:
    # 10 Aug 2009 + 60 from 15 Sep = Sat 14 Nov; Saturday closed (monday-friday) -> Mon 16 Nov
    assert due(engine_for(tmp_path, "60 days", roll=True), dt.date(2009, 8, 10)) == dt.date(
        2009, 11, 16
    )


def test_business_days_do_not_run_in_a_suspension(tmp_path: Path) -> None:
    # Thu 30 Jul 2015 + 3 business days: Fri 31 Jul, then (August suspended) Tue 1, Wed 2 Sep
    assert due(engine_for(tmp_path, "3 business_days"), dt.date(2015, 7, 30)) == dt.date(2015, 9, 2)


def test_a_one_off_suspension_by_dates(tmp_path: Path) -> None:
    # D.L. 18/2020 art. 83 (as extended by D.L. 23/2020 art. 36): 9 Mar - 11 May 2020
    covid = "    - law: D.L. 18/2020 art. 83\n      dates: {from: 2020-03-09, until: 2020-05-11}\n"
    text = RULE.replace("WITHIN", "30 days").replace("  suspended:\n", "  suspended:\n" + covid)
    (tmp_path / "rule.yaml").write_text(text, encoding="utf-8")
    engine = Engine(load_rules(tmp_path / "rule.yaml"))
    # 1 Mar + 30: 7 days run 2-8 Mar, the clock stops until 11 May, 23 more from 12 May
    assert due(engine, dt.date(2020, 3, 1)) == dt.date(2020, 6, 3)


def test_the_explanation_names_the_suspension(tmp_path: Path) -> None:
    timeline = {
        "case_id": "c",
        "events": [{"id": "e1", "type": "investigation_started", "at": "2009-08-10"}],
    }
    (finding,) = engine_for(tmp_path, "60 days").evaluate(timeline, as_of="2009-12-31").findings
    text = "\n".join(finding.explain)
    assert "2009-08-10 is in the suspension 2009-08-01..2009-09-15 (L. 742/1969 art. 1)" in text
    assert "the period starts 2009-09-15" in text


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    started=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 12, 31)),
    days=st.integers(min_value=1, max_value=800),
)
def test_days_periods_equal_counting_day_by_day(
    tmp_path: Path, started: dt.date, days: int
) -> None:
    assert due(engine_for(tmp_path, f"{days} days"), started) == walk(started, days)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    started=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 12, 31)),
    days=st.integers(min_value=1, max_value=400),
)
def test_a_suspension_never_shortens_a_period(tmp_path: Path, started: dt.date, days: int) -> None:
    got = due(engine_for(tmp_path, f"{days} days"), started)
    assert got >= started + dt.timedelta(days=days)
    assert not in_summer(got)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            '{law: L. 1, yearly: {from: "08-01", until: "07-15"}}',
            "until 07-15 is before from 08-01",
        ),
        ('{law: L. 1, yearly: {from: "02-30", until: "03-01"}}', "'02-30' is not a month-day"),
        ("{law: L. 1}", "give either 'yearly'"),
        (
            "{law: L. 1, years: {from: 2000}, dates: {from: 2020-01-01, until: 2020-01-02}}",
            "'years' only goes with 'yearly'",
        ),
        ("{law: L. 1, dates: {from: 2020-05-01, until: 2020-04-01}}", "is before from 2020-05-01"),
        ("{law: L. 1, dates: {from: 2020-01-01, until: 2024-01-01}}", "longer than a year"),
        (
            '{law: L. 1, yearly: {from: "08-01", until: "08-31"}, years: {from: 2015, until: 2014}}',
            "until 2014 is before from 2015",
        ),
    ],
)
def test_a_bad_suspension_is_a_located_lint_error(tmp_path: Path, entry: str, message: str) -> None:
    text = (
        RULE.replace("WITHIN", "30 days").split("  suspended:\n")[0] + f"  suspended: [{entry}]\n"
    )
    (tmp_path / "rule.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(RuleError) as exc:
        load_rules(tmp_path / "rule.yaml")
    assert message in str(exc.value) and exc.value.line == 13
    errors = [p for p in lint_paths([str(tmp_path)]) if p.level == "error"]
    assert errors and errors[0].line == 13 and message in errors[0].message
