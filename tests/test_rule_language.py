"""Rule-language checks of issue 12: calendars, language tags and absurd periods are refused at
load and lint time with file and line (never at audit time)."""

from __future__ import annotations

from pathlib import Path

import pytest

from compliance import RuleError, load_rules
from compliance.ruletools.lint import lint_paths

GOOD = """\
id: x.test
title: {da: Test, en: Test}
kind: deadline
versions:
  - valid: {from: 2024-01-01}
    source: {law: Barnets Lov, ref: "§ 20"}
trigger: investigation_started
satisfied_by: investigation_completed
within: 4 months
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "rule.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def load_error(tmp_path: Path, text: str) -> RuleError:
    with pytest.raises(RuleError) as exc:
        load_rules(write(tmp_path, text))
    return exc.value


def lint_errors(tmp_path: Path, text: str) -> list[str]:
    write(tmp_path, text)
    return [str(p) for p in lint_paths([str(tmp_path)]) if p.level == "error"]


@pytest.mark.parametrize(
    ("title", "ok"),
    [
        ("{it: Verbale notificato, en: Fine notified}", True),
        ("{en: Fine notified, de-CH: Busse zugestellt, se: Sámegiella}", True),
        ("{da: Test, en: Test}", True),
        ("{xx: Test, en: Test}", False),  # not a registered language
        ("{en_US: Test, en: Test}", False),  # not the standard hyphenated form
        ("{EN: Test}", False),
        ("{it: Verbale notificato}", False),  # en is the common language of reports
        ("{en: ''}", False),
        ("{}", False),
    ],
)
def test_title_languages_are_bcp47_tags(tmp_path: Path, title: str, ok: bool) -> None:
    text = GOOD.replace("{da: Test, en: Test}", title)
    if ok:
        load_rules(write(tmp_path, text))
    else:
        err = load_error(tmp_path, text)
        assert err.line == 2, str(err)


def test_other_languages_are_kept_and_listed(tmp_path: Path) -> None:
    text = GOOD.replace("{da: Test, en: Test}", "{en: Fine notified, it: Verbale notificato}")
    (rule,) = load_rules(write(tmp_path, text))
    assert rule.title.texts() == {"en": "Fine notified", "it": "Verbale notificato"}
    assert rule.title.best("it") == "Verbale notificato"
    assert rule.title.da is None


@pytest.mark.parametrize(
    ("period", "reason"),
    [
        ("999999999 years", "longer than 100 years"),
        ("101 years", "longer than 100 years"),
        ("40000 days", "longer than 100 years"),
        ("0 months", "is zero"),
        ("0 hours", "is zero"),
    ],
)
def test_absurd_periods_are_refused_with_file_and_line(
    tmp_path: Path, period: str, reason: str
) -> None:
    errors = lint_errors(tmp_path, GOOD.replace("4 months", period))
    assert len(errors) == 1 and reason in errors[0]
    assert errors[0].startswith(f"{tmp_path / 'rule.yaml'}:9:")


def test_zero_days_within_means_the_same_day(tmp_path: Path) -> None:
    load_rules(write(tmp_path, GOOD.replace("4 months", "0 days")))


def test_zero_every_is_refused(tmp_path: Path) -> None:
    text = GOOD.replace("kind: deadline", "kind: recurring").replace(
        "within: 4 months", "every: 0 days"
    )
    err = load_error(tmp_path, text)
    assert err.line == 9 and "is zero" in str(err)


def test_one_hundred_years_is_the_longest_period(tmp_path: Path) -> None:
    load_rules(write(tmp_path, GOOD.replace("4 months", "100 years")))


@pytest.mark.parametrize(
    ("calendar", "reason"),
    [
        ("calendar: it", "unknown calendar"),
        ("calendar: {country: XX, tz: Europe/Rome}", "XX"),
        ("calendar: {country: IT, subdivision: ZZZ, tz: Europe/Rome}", "ZZZ"),
        ("calendar: {country: IT, tz: Europe/Roma}", "Roma"),
    ],
)
def test_unknown_calendars_are_refused_with_file_and_line(
    tmp_path: Path, calendar: str, reason: str
) -> None:
    errors = lint_errors(tmp_path, GOOD + calendar + "\n")
    assert len(errors) == 1 and reason in errors[0], errors
    assert errors[0].startswith(f"{tmp_path / 'rule.yaml'}:10:")


def test_italian_calendar_loads(tmp_path: Path) -> None:
    load_rules(write(tmp_path, GOOD + "calendar: {country: IT, tz: Europe/Rome}\n"))
