"""pytest plugin: rule fixture files collected as pytest items (opt-in).

Enable in a project's ``pytest.ini`` / ``pyproject.toml``::

    [tool.pytest.ini_options]
    compliance_rule_paths = ["rules/municipal/mytown"]

or on the command line: ``pytest --compliance-rules rules/municipal/mytown``. Each fixture case
becomes one test item named ``<file>::<rule>::<case>``; a mismatch shows the expected vs actual
findings and the explanation of each.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("compliance")
    group.addoption(
        "--compliance-rules",
        action="append",
        default=[],
        metavar="PATH",
        help="rule pack folders whose tests/*.yaml fixtures to collect",
    )
    parser.addini(
        "compliance_rule_paths",
        "rule pack folders whose fixtures to collect",
        type="args",
        default=[],
    )


class RuleFixtureItem(pytest.Item):
    def __init__(self, *, case: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case

    def runtest(self) -> None:
        from compliance.ruletools.testing import run_case

        result = run_case(self.case)
        if not result.ok:
            raise RuleFixtureFailure(result.message + "\n" + "\n".join(result.lines))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, RuleFixtureFailure):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[str, int | None, str]:
        return self.case.file, (self.case.line or 1) - 1, f"{self.case.rule}::{self.case.name}"


class RuleFixtureFailure(AssertionError):
    pass


class RuleFixtureCollector(pytest.Collector):
    def __init__(self, *, paths: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.paths = paths

    def collect(self) -> Iterator[pytest.Item]:
        from compliance.ruletools.testing import collect

        for case in collect(self.paths):
            yield RuleFixtureItem.from_parent(
                self, name=f"{case.file}::{case.rule}::{case.name}", case=case
            )


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    paths = list(config.getoption("--compliance-rules") or []) + list(
        config.getini("compliance_rule_paths") or []
    )
    if not paths:
        return
    collector = RuleFixtureCollector.from_parent(session, name="compliance-rules", paths=paths)
    items.extend(collector.collect())
