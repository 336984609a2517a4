"""Rule files fail fast with file, line and a clear reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from compliance import RuleError, load_rules
from compliance.rules.schema import rule_json_schema
from rule_files import GOOD, load_error, write


def test_good_rule_loads(tmp_path: Path) -> None:
    rs = load_rules(write(tmp_path, GOOD))
    assert [r.id for r in rs] == ["x.test"]


def test_period_typo_is_located(tmp_path: Path) -> None:
    err = load_error(tmp_path, GOOD.replace("4 months", "4 moths"))
    assert err.line == 9
    assert "did you mean 'months'" in str(err)
    assert str(err).startswith(str(tmp_path / "rule.yaml") + ":9:")


def test_unknown_kind(tmp_path: Path) -> None:
    err = load_error(tmp_path, GOOD.replace("kind: deadline", "kind: deadlin"))
    assert err.line == 3 and "kind" in str(err) and "deadlin" in str(err)


def test_unknown_event_type_against_vocabulary(tmp_path: Path) -> None:
    err = load_error(tmp_path, GOOD.replace("investigation_completed", "investigation_complete"))
    assert err.line == 8
    assert "unknown event type 'investigation_complete'" in str(err)
    assert "did you mean 'investigation_completed'" in str(err)


def test_overlapping_versions(tmp_path: Path) -> None:
    text = GOOD.replace(
        "versions:\n",
        "versions:\n  - valid: {from: 2011-01-01, until: 2024-06-30}\n"
        '    source: {law: Serviceloven, ref: "§ 50"}\n',
    )
    err = load_error(tmp_path, text)
    assert "versions overlap" in str(err)
    assert err.line == 4


def test_unknown_field_and_missing_title(tmp_path: Path) -> None:
    err = load_error(tmp_path, GOOD + "withinn: 2 days\n")
    assert "unknown field 'withinn'" in str(err) and err.line == 10
    err = load_error(tmp_path, GOOD.replace("title: {da: Test, en: Test}\n", "title: {da: Test}\n"))
    assert "title.en" in str(err)


def test_yaml_tags_and_aliases_are_refused(tmp_path: Path) -> None:
    err = load_error(tmp_path, GOOD + "x: !!python/object/apply:os.system ['echo hi']\n")
    assert "YAML" in str(err)
    err = load_error(tmp_path, "a: &a [1, 2]\nb: *a\n")
    assert "aliases are not allowed" in str(err) and err.line == 2


def test_alias_in_a_list_and_complex_keys_are_located(tmp_path: Path) -> None:
    err = load_error(tmp_path, GOOD + "x: &a 1\ny:\n  - 2\n  - *a\n")
    assert "aliases are not allowed" in str(err) and err.line == 13
    err = load_error(tmp_path, GOOD + "? [a, b]\n: 1\n")
    assert "a key must be a plain name" in str(err) and err.line == 10


@pytest.mark.parametrize("fast", [True, False], ids=["libyaml", "python"])
def test_both_yaml_parsers_read_every_bundled_file_alike(
    fast: bool, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Rule files are read by libyaml where PyYAML has it, by the Python parser otherwise:
    the same data and line maps from both for every YAML file of the bundled packs."""
    from compliance.rules import load

    if load._FAST_LOADER is None:
        pytest.skip("PyYAML without libyaml: only the Python parser exists here")
    files = sorted(load.packs_root().rglob("*.yaml"))
    assert len(files) > 50
    seen = {f: load.load_yaml(f) for f in files}
    if not fast:
        monkeypatch.setattr(load, "_FAST_LOADER", None)
        assert {f: load.load_yaml(f) for f in files} == seen
    err = load_error(tmp_path, "a: [1, 2]\nb: &x 3\nc:\n  - 4\n  - *x\n")
    assert "aliases are not allowed" in str(err) and err.line == 5


def test_billion_laughs_is_refused_quickly(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["lol"]'] + [
        f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 30)
    ]
    err = load_error(tmp_path, "\n".join(lines) + "\n")
    assert "aliases" in str(err)


def test_duplicate_keys_and_ids(tmp_path: Path) -> None:
    err = load_error(tmp_path, GOOD + "within: 2 months\n")
    assert "duplicate key 'within'" in str(err) and err.line == 10
    (tmp_path / "a.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(GOOD, encoding="utf-8")
    with pytest.raises(RuleError, match="duplicate rule id"):
        load_rules(tmp_path)


def test_kind_requirements(tmp_path: Path) -> None:
    err = load_error(tmp_path, GOOD.replace("satisfied_by: investigation_completed\n", ""))
    assert "needs satisfied_by" in str(err)


def test_unknown_pack_lists_bundled() -> None:
    with pytest.raises(RuleError, match=r"bundled packs: .*dk"):
        load_rules("nope")


def test_json_schema_is_one_model_per_kind() -> None:
    s = rule_json_schema()
    variants = [s["$defs"][ref["$ref"].split("/")[-1]] for ref in s["oneOf"]]
    by_title = {v["title"]: v for v in variants}
    deadline = by_title["DeadlineRule"]["properties"]
    assert {"id", "title", "kind", "versions", "trigger", "within"} <= set(deadline)
    assert "every" in by_title["RecurringRule"]["properties"] and "every" not in deadline
    assert "while" in by_title["AgeRule"]["properties"]
    assert {"base", "events", "target"} <= set(by_title["IndicatorRule"]["properties"])


@pytest.mark.parametrize("kind", ["recurring", "quota", "limit", "precondition"])
def test_only_a_deadline_takes_an_age_trigger(tmp_path: Path, kind: str) -> None:
    """Before, a recurring or quota rule with an age trigger loaded and was silently evaluated
    as a one-off deadline."""
    text = (
        GOOD.replace("kind: deadline", f"kind: {kind}")
        .replace("trigger: investigation_started", 'trigger: {age: "17 years"}')
        .replace("within: 4 months", "within: 4 months\nevery: 1 year\ncount: 1\nperiod: 1 year")
    )
    err = load_error(tmp_path, text)
    assert err.line == 7
    assert f"kind {kind!r} does not take an age trigger" in str(err)


def test_a_field_of_another_kind_is_named(tmp_path: Path) -> None:
    err = load_error(tmp_path, GOOD + "every: 1 year\n")
    assert err.line == 10
    assert "unknown field 'every' for kind 'deadline' (a field of kind recurring)" in str(err)


def test_whole_rule_checks_point_at_their_field(tmp_path: Path) -> None:
    err = load_error(
        tmp_path, GOOD.replace("within: 4 months", "within: 48 hours\nroll: next_business_day")
    )
    assert "roll applies to day-based periods" in str(err) and err.line == 10
    err = load_error(tmp_path, GOOD.replace("kind: deadline", "kind: deadlin"))
    assert "use one of deadline, precondition" in str(err)


def test_an_age_trigger_needs_while(tmp_path: Path) -> None:
    text = GOOD.replace("trigger: investigation_started", 'trigger: {age: "17 years"}')
    err = load_error(tmp_path, text)
    assert "kind 'deadline' with an age trigger needs while" in str(err) and err.line == 3


def test_every_dk_rule_is_cited_and_titled(dk_rules) -> None:  # type: ignore[no-untyped-def]
    for rule in dk_rules:
        assert rule.title.da and rule.title.en
        for v in rule.versions:
            assert v.source.law and v.source.ref and v.source.url, rule.id
