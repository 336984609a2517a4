"""Rule files fail fast with file, line and a clear reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from compliance import RuleError, load_rules
from compliance.rules.schema import rule_json_schema

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


def test_json_schema_has_rule_fields() -> None:
    s = rule_json_schema()
    assert {"id", "title", "kind", "versions", "trigger", "within"} <= set(s["properties"])


def test_every_dk_rule_is_cited_and_titled(dk_rules) -> None:  # type: ignore[no-untyped-def]
    for rule in dk_rules:
        assert rule.title.da and rule.title.en
        for v in rule.versions:
            assert v.source.law and v.source.ref and v.source.url, rule.id
