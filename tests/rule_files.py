"""A minimal valid rule file and helpers to load it (or a broken variant) from a temporary
folder; shared by the rule-loading and rule-language tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from compliance import RuleError, load_rules

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
