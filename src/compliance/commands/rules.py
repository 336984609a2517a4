"""``compliance rules test|lint|catalogue|diff``: work with rule packs. Each returns its exit code."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

if TYPE_CHECKING:
    from compliance.commands.inputs import InputOptions

__all__ = ["catalogue", "diff", "lint", "test"]


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")


def test(paths: list[str], select: str | None, junit_xml: str | None, verbose: bool) -> int:
    from compliance.ruletools.testing import run_fixture_tests

    ok = run_fixture_tests(paths, select=select, junit_xml=junit_xml, verbose=verbose, echo=_say)
    return 0 if ok else 1


def lint(paths: list[str], output_format: str, strict: bool) -> int:
    from compliance.ruletools.lint import lint_paths

    problems = lint_paths(paths)
    if output_format == "json":
        _say(orjson.dumps([p.to_dict() for p in problems], option=orjson.OPT_INDENT_2).decode())
    else:
        for problem in problems:
            _say(str(problem))
        errors = sum(p.level == "error" for p in problems)
        sys.stderr.write(f"{errors} error(s), {len(problems) - errors} warning(s)\n")
    failed = any(p.level == "error" or strict for p in problems)
    return 1 if failed else 0


def catalogue(paths: list[str], output: str | None) -> int:
    from compliance.ruletools.catalogue import render_catalogue

    text = render_catalogue(paths)
    if output:
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        Path(output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def diff(
    old: str,
    new: str,
    cases: list[str],
    as_of: dt.datetime,
    output_format: str,
    extra: list[str],
    reading: InputOptions | None = None,
) -> int:
    """1 if any finding changed (a CI gate can stop on it), else 0."""
    from compliance.commands.inputs import CURRENT_INPUT_OPTIONS, InputOptions, check_inputs
    from compliance.ruletools.diff import diff_command

    check_inputs(cases, reading)
    token = CURRENT_INPUT_OPTIONS.set(reading or InputOptions())
    try:
        changed = diff_command(old, new, cases, as_of, output_format, extra)
    finally:
        CURRENT_INPUT_OPTIONS.reset(token)
    return 1 if changed else 0
