"""``compliance explain``: how each finding of one case was computed, step by step."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import orjson

from compliance.commands.choices import check_choice
from compliance.engine import Engine
from compliance.errors import ComplianceError
from compliance.outputs.terminal import explanation_lines
from compliance.rules.load import load_rules

__all__ = ["run"]


def run(
    case_path: str,
    rule: str | None,
    specs: list[str],
    as_of: dt.datetime,
    default_tz: str | None,
) -> None:
    """A ``rule`` that none of the loaded packs defines is a mistake (not "no obligation")."""
    try:
        case = orjson.loads(Path(case_path).read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise ComplianceError(f"{case_path}: {exc}") from None
    rules = load_rules(*specs)
    if rule is not None:
        check_choice("--rule", rule, sorted(r.id for r in rules.rules))
    engine = Engine(rules, default_tz=default_tz)
    result = engine.evaluate(case, as_of=as_of)
    for line in explanation_lines(result, rule):
        sys.stdout.write(line + "\n")
