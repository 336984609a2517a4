"""The finding and result JSON Schemas match what the library really emits: every finding of
every rule fixture timeline validates against them, and the model round-trips it exactly."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from compliance import Engine, load_rules
from compliance.finding_schema import (
    EvaluationResult,
    FindingRecord,
    finding_json_schema,
    result_json_schema,
)
from compliance.ruletools.testing import collect
from compliance.service.evaluation import result_dict

CASES = collect(["rules/dk", "rules/municipal"])


@pytest.fixture(scope="module")
def results() -> list[tuple[Any, dict[str, Any]]]:
    engines: dict[tuple[str, ...], Engine] = {}
    out = []
    for case in CASES:
        if case.packs not in engines:  # loading the packs once per set, not once per case
            engines[case.packs] = Engine(load_rules(*case.packs))
        engine = engines[case.packs]
        for timeline in [case.timeline, *case.more]:
            result = engine.evaluate(timeline, as_of=case.as_of)
            out.append((result, result_dict(result, "0123456789abcdef", None)))
    return out


def test_every_fixture_finding_validates_and_round_trips(
    results: list[tuple[Any, dict[str, Any]]],
) -> None:
    validator = Draft202012Validator(finding_json_schema(), format_checker=FormatChecker())
    seen_status: set[str] = set()
    count = 0
    for result, _ in results:
        for f in result.findings:
            d = f.to_dict()
            errors = [e.message for e in validator.iter_errors(d)]
            assert not errors, (d["rule"], errors)
            model = FindingRecord.model_validate(d)
            dumped = model.model_dump(mode="json")
            dumped["source"] = model.source.model_dump(mode="json", exclude_none=True)
            assert dumped == d
            seen_status.add(d["status"])
            count += 1
    assert count > 150
    assert seen_status >= {"met", "late", "overdue", "missed", "due", "cancelled"}


def test_the_service_result_validates_against_the_result_schema(
    results: list[tuple[Any, dict[str, Any]]],
) -> None:
    validator = Draft202012Validator(result_json_schema(), format_checker=FormatChecker())
    for _, d in results:
        assert not [e.message for e in validator.iter_errors(d)]
        EvaluationResult.model_validate(d)


def test_the_schema_rejects_what_is_not_a_finding(
    results: list[tuple[Any, dict[str, Any]]],
) -> None:
    validator = Draft202012Validator(finding_json_schema(), format_checker=FormatChecker())
    d = results[0][0].findings[0].to_dict()
    for broken in (
        {**d, "status": "pending"},
        {**d, "extra": 1},
        {k: v for k, v in d.items() if k != "due"},
    ):
        assert list(validator.iter_errors(broken))


def test_next_change_at_is_serialised_and_matches_the_schema(
    results: list[tuple[Any, dict[str, Any]]],
) -> None:
    base = results[0][0]
    at = dt.datetime(2024, 7, 4, 0, 0, tzinfo=ZoneInfo("Europe/Copenhagen"))
    d = result_dict(dataclasses.replace(base, next_change_at=at), "0123456789abcdef", None)
    assert d["next_change_at"] == "2024-07-04T00:00:00+02:00"
    validator = Draft202012Validator(result_json_schema(), format_checker=FormatChecker())
    assert not list(validator.iter_errors(d))
    never = result_dict(dataclasses.replace(base, next_change_at=None), "0123456789abcdef", None)
    assert never["next_change_at"] is None
    assert not list(validator.iter_errors(never))
