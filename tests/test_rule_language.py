"""Rule-language checks of issue 12: calendars, language tags and absurd periods are refused at
load and lint time with file and line (never at audit time)."""

from __future__ import annotations

from pathlib import Path

import pytest

from compliance import load_rules
from compliance.ruletools.lint import lint_paths
from rule_files import GOOD, load_error, write


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


def test_common_language_tags_are_registered_and_standard() -> None:
    """The tags answered without langcodes are ones langcodes itself accepts."""
    import langcodes

    from compliance.rules.fields import COMMON_LANGUAGE_TAGS

    for tag in COMMON_LANGUAGE_TAGS:
        assert langcodes.tag_is_valid(tag) and langcodes.standardize_tag(tag) == tag, tag


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


# -- before_trigger, same_day, total (deadline) ------------------------------------------------

PAY = """\
id: x.pay
title: {en: Paid in full within 60 days of the notification, it: Pagato entro 60 giorni}
kind: deadline
versions:
  - valid: {from: 2000-01-01}
    source: {law: Codice della Strada, ref: "art. 202"}
trigger: notified
satisfied_by: paid
within: 60 days
calendar: {country: IT, tz: Europe/Rome, workdays: monday-saturday}
"""
VOCAB = """\
events:
  created: {en: Created, attrs: {amount: {type: number}}}
  sent: {en: Sent, attrs: {expense: {type: number}}}
  notified: {en: Notified}
  paid: {en: Paid, attrs: {paymentAmount: {type: number}}}
"""
TOTAL = """\
total:
  of: paymentAmount
  gte: [{event: created, attr: amount}, {event: sent, attr: expense, default: 0}]
"""


def run(tmp_path: Path, extra: str, events: list[dict[str, object]], as_of: str) -> list[object]:
    from compliance import Engine

    (tmp_path / "vocabulary.yaml").write_text(VOCAB, encoding="utf-8")
    engine = Engine(load_rules(write(tmp_path, PAY + extra)))
    evs = [{"id": f"e{i}", **e} for i, e in enumerate(events)]
    return list(engine.evaluate({"case_id": "c", "events": evs}, as_of).findings)


def ev(type_: str, at: str, **attrs: float) -> dict[str, object]:
    return {"type": type_, "at": at, "attrs": attrs}


@pytest.mark.parametrize(
    ("setting", "status"), [("", "overdue"), ("before_trigger: counts\n", "met")]
)
def test_a_payment_before_the_trigger_counts_only_when_the_rule_says_so(
    tmp_path: Path, setting: str, status: str
) -> None:
    events = [ev("paid", "2011-02-20", paymentAmount=35), ev("notified", "2011-03-01")]
    (f,) = run(tmp_path, setting, events, "2011-06-01")
    assert f.status == status  # type: ignore[attr-defined]


def test_before_trigger_is_causal(tmp_path: Path) -> None:
    """A payment after as_of never fulfils, before or after the trigger."""
    events = [ev("notified", "2011-03-01"), ev("paid", "2011-03-10", paymentAmount=35)]
    (f,) = run(tmp_path, "before_trigger: counts\n", events, "2011-03-05")
    assert f.status == "due"  # type: ignore[attr-defined]


@pytest.mark.parametrize(("setting", "status"), [("", "overdue"), ("same_day: unordered\n", "met")])
def test_same_day_unordered_ignores_the_order_within_the_trigger_day(
    tmp_path: Path, setting: str, status: str
) -> None:
    # both on 1 Mar: the payment at 09:00, the notification recorded at 10:00
    events = [
        ev("paid", "2011-03-01T09:00:00+01:00", paymentAmount=1),
        ev("notified", "2011-03-01T10:00:00+01:00"),
    ]
    (f,) = run(tmp_path, setting, events, "2011-06-01")
    assert f.status == status  # type: ignore[attr-defined]


def test_total_is_met_by_the_payment_that_reaches_amount_plus_expense(tmp_path: Path) -> None:
    events = [
        ev("created", "2011-02-01", amount=35),
        ev("sent", "2011-02-10", expense=11),
        ev("notified", "2011-03-01"),
        ev("paid", "2011-03-05", paymentAmount=35),  # the fine, not the costs
        ev("paid", "2011-04-30", paymentAmount=11),  # day 60 (Sat 30 Apr: Saturday is open)
    ]
    (f,) = run(tmp_path, TOTAL, events, "2011-06-01")
    assert (f.status, f.satisfied_by, str(f.due)) == ("met", "e4", "2011-04-30")  # type: ignore[attr-defined]


def test_total_one_cent_short_is_not_paid(tmp_path: Path) -> None:
    events = [
        ev("created", "2011-02-01", amount=35),
        ev("notified", "2011-03-01"),
        ev("paid", "2011-03-05", paymentAmount=34.99),
    ]
    (f,) = run(tmp_path, TOTAL, events, "2011-06-01")
    assert f.status == "overdue"  # type: ignore[attr-defined]


def test_total_reached_after_the_due_date_is_late(tmp_path: Path) -> None:
    events = [
        ev("created", "2011-02-01", amount=35),
        ev("notified", "2011-03-01"),
        ev("paid", "2011-03-05", paymentAmount=20),
        ev("paid", "2011-05-02", paymentAmount=15),
    ]
    (f,) = run(tmp_path, TOTAL, events, "2011-06-01")
    assert (f.status, f.satisfied_by) == ("late", "e3")  # type: ignore[attr-defined]


def test_total_ignores_costs_recorded_after_the_payment(tmp_path: Path) -> None:
    """The bound is what is known at the payment (causal): costs sent later do not undo it."""
    events = [
        ev("created", "2011-02-01", amount=35),
        ev("notified", "2011-03-01"),
        ev("paid", "2011-03-05", paymentAmount=35),
        ev("sent", "2011-03-10", expense=11),
    ]
    (f,) = run(tmp_path, TOTAL, events, "2011-06-01")
    assert f.status == "met"  # type: ignore[attr-defined]
