"""``compliance explain``: how each finding of one case was computed, step by step."""

from __future__ import annotations

import sys
from pathlib import Path

import orjson

from compliance.commands.inputs import as_of_instant
from compliance.engine import Engine
from compliance.errors import ComplianceError
from compliance.outputs.terminal import explanation_lines
from compliance.rules.load import load_rules

__all__ = ["run"]


def run(
    case_path: str, rule: str | None, specs: list[str], as_of: str | None, default_tz: str | None
) -> None:
    """``as_of`` as given on the command line (read after the case and the rules)."""
    try:
        case = orjson.loads(Path(case_path).read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise ComplianceError(f"{case_path}: {exc}") from None
    engine = Engine(load_rules(*specs), default_tz=default_tz)
    result = engine.evaluate(case, as_of=as_of_instant(as_of))
    for line in explanation_lines(result, rule):
        sys.stdout.write(line + "\n")
