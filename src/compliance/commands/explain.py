"""``compliance explain``: how each finding of one case was computed, step by step. The case
comes from any source (a one-case JSON file, or any input with ``--case ID``)."""

from __future__ import annotations

import sys

from compliance.audit import check_time_zone
from compliance.commands.choices import check_choice
from compliance.commands.inputs import InputOptions, as_of_instant, check_inputs, read_items
from compliance.engine import Engine
from compliance.errors import ComplianceError
from compliance.outputs.terminal import explanation_lines
from compliance.rules.load import load_rules
from compliance.sources import Item

__all__ = ["run"]


def run(
    source: str,
    rule: str | None,
    specs: list[str],
    as_of: str | None,
    default_tz: str | None,
    case_id: str | None = None,
    reading: InputOptions = InputOptions(),
) -> None:
    """``as_of`` as given on the command line (read after the case and the rules). A ``rule``
    that none of the loaded packs defines is a mistake (not "no obligation")."""
    check_inputs([source], reading)
    check_time_zone(default_tz)  # a misspelt --tz is the user's mistake, not an internal error
    case = _the_case(source, case_id, reading)
    rules = load_rules(*specs)
    if rule is not None:
        check_choice("--rule", rule, sorted(r.id for r in rules.rules))
    engine = Engine(rules, default_tz=default_tz)
    result = engine.evaluate(case, as_of=as_of_instant(as_of))
    for line in explanation_lines(result, rule):
        sys.stdout.write(line + "\n")


def _the_case(source: str, case_id: str | None, reading: InputOptions) -> dict[str, object]:
    """The one case of ``source``, or the one with ``case_id``; a rejected one is an error."""
    found: Item | None = None
    seen = 0
    for item in read_items([source], reading):
        seen += 1
        item_id = _case_id(item)
        if case_id is None:
            if seen > 1:
                raise ComplianceError(f"{source} holds several cases: name one with --case ID")
            found = item
        elif item_id == case_id:
            found = item
            break
    if found is None:
        what = f"no case {case_id!r}" if case_id is not None else "no case"
        raise ComplianceError(f"{source}: {what} ({seen} read)")
    if found.error is not None or found.case is None:
        raise ComplianceError(str(found.error or "unreadable case"))
    return found.case


def _case_id(item: Item) -> str | None:
    if item.case is not None:
        value = item.case.get("case_id")
        return None if value is None else str(value)
    return item.error.case_id if item.error is not None else None
