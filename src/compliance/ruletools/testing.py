"""Rule fixture tests: YAML files in ``<pack>/tests/`` with a timeline, an as_of and the expected
findings. Each expectation names only the fields it checks (status, due, partition, occurrence,
lateness_days, satisfied_by, version, count); the actual findings of the rules under test must
match the expectations one to one — an extra finding fails the case.

Fixture file::

    rule: dk.notification.assess        # rule under test (expectations may name others)
    with: [dk]                          # extra packs to load (optional)
    cases:
      - name: met
        as_of: 2024-03-05
        timeline: {case_id: t1, events: [...]}
        expect:
          - {status: met, due: "2024-03-02T14:05:00+01:00"}
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from compliance.engine import Engine
from compliance.errors import ComplianceError, RuleError
from compliance.privacy import printable
from compliance.rules.load import RuleSet, load_rules, load_yaml, resolve_pack

__all__ = ["FixtureCase", "collect", "run_case", "run_fixture_tests"]

INDICATOR_CHECKABLE = ("indicator", "period", "numerator", "denominator", "share", "status")
CHECKABLE = (
    "status",
    "due",
    "partition",
    "occurrence",
    "lateness_days",
    "satisfied_by",
    "version",
    "count",
    "trigger",
    "precision",
    "anchored_at",
    "anchor",
)


@dataclass
class FixtureCase:
    file: str
    line: int | None
    name: str
    rule: str
    packs: tuple[str, ...]
    as_of: Any
    timeline: dict[str, Any]
    expect: list[dict[str, Any]]
    tz: str | None = None
    more: list[dict[str, Any]] = field(default_factory=list)  # further timelines (indicators)
    expect_indicators: list[dict[str, Any]] | None = None

    def rules_checked(self) -> set[str]:
        """Every rule this case asserts something about."""
        out = {e["rule"] for e in self.expect if "rule" in e}
        if self.expect or self.expect_indicators is None:
            out.add(self.rule)
        for e in self.expect_indicators or []:
            out.add(e.get("indicator", self.rule))
        return out

    @property
    def nodeid(self) -> str:
        return f"{self.file}::{self.rule}::{self.name}"


@dataclass
class CaseResult:
    case: FixtureCase
    ok: bool
    message: str = ""
    seconds: float = 0.0
    lines: list[str] = field(default_factory=list)


def _norm(v: Any) -> Any:
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat()
    return v


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_jsonable(v) for v in obj]
    return _norm(obj)


def fixture_files(paths: list[str]) -> Iterator[tuple[Path, Path]]:
    """(pack dir, fixture file) pairs under the given packs or folders."""
    for p in paths:
        root = resolve_pack(p)
        if root.is_file():
            yield root.parent.parent, root
            continue
        for tests_dir in sorted(
            d for d in [root, *root.rglob("*")] if d.is_dir() and d.name == "tests"
        ):
            for f in sorted(tests_dir.glob("*.yaml")):
                yield tests_dir.parent, f


def _checked(
    items: Any, allowed: tuple[str, ...], what: str, name: str, f: Path, line: int | None
) -> list[dict[str, Any]]:
    out = []
    for e in items or []:
        bad = set(e) - set(allowed)
        if bad:
            raise RuleError(
                f"case {name!r}: cannot check {sorted(bad)} of {what}; use {allowed}",
                path=str(f),
                line=line,
            )
        out.append({k: _norm(v) for k, v in e.items()})
    return out


def collect(paths: list[str]) -> list[FixtureCase]:
    """Every fixture case under the given packs. A case has ``timeline`` (or ``timelines``, for
    indicators over several cases) and ``expect`` and/or ``expect_indicators``."""
    out: list[FixtureCase] = []
    for pack, f in fixture_files(paths):
        data, lines = load_yaml(f)
        if not isinstance(data, dict) or "cases" not in data or "rule" not in data:
            raise RuleError("a fixture file needs 'rule' and 'cases'", path=str(f), line=1)
        extra = tuple(data.get("with") or ())
        for i, c in enumerate(data["cases"]):
            line = lines.get(("cases", i))
            keys = set(c) if isinstance(c, dict) else set()
            if not (
                {"name", "as_of"} <= keys
                and keys & {"timeline", "timelines"}
                and keys & {"expect", "expect_indicators"}
            ):
                raise RuleError(
                    "a fixture case needs name, as_of, timeline (or timelines) and expect "
                    "(or expect_indicators)",
                    path=str(f),
                    line=line,
                )
            timelines = [c["timeline"]] if "timeline" in c else list(c["timelines"])
            name = str(c["name"])
            expect = _checked(c.get("expect"), (*CHECKABLE, "rule"), "a finding", name, f, line)
            indicators = (
                _checked(c["expect_indicators"], INDICATOR_CHECKABLE, "an indicator", name, f, line)
                if "expect_indicators" in c
                else None
            )
            out.append(
                FixtureCase(
                    str(f),
                    line,
                    name,
                    data["rule"],
                    (str(pack), *extra),
                    c["as_of"],
                    _jsonable(timelines[0]),
                    expect,
                    c.get("tz"),
                    [_jsonable(t) for t in timelines[1:]],
                    indicators,
                )
            )
    return out


_ENGINES: dict[tuple[str, ...], tuple[RuleSet, Engine]] = {}


def _engine(packs: tuple[str, ...]) -> tuple[RuleSet, Engine]:
    if packs not in _ENGINES:
        rs = load_rules(*packs)
        _ENGINES[packs] = (rs, Engine(rs))
    return _ENGINES[packs]


def _match(
    expected: list[dict[str, Any]], actual: list[dict[str, Any]], defaults: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Pair expectations with actual records; return (expected not found, actual not expected)."""
    remaining = list(actual)
    missing = []
    for e in expected:
        want = {**defaults, **e}
        hit = next((a for a in remaining if all(a.get(k) == v for k, v in want.items())), None)
        if hit is None:
            missing.append(want)
        else:
            remaining.remove(hit)
    return missing, remaining


def run_case(case: FixtureCase) -> CaseResult:
    from compliance.indicators import IndicatorAccumulator

    t0 = time.perf_counter()
    rs, engine = _engine(case.packs)
    if rs.get(case.rule) is None:
        return CaseResult(case, False, f"rule {case.rule!r} is not in {', '.join(case.packs)}")
    if case.tz:
        engine = Engine(rs, default_tz=case.tz)
    acc = IndicatorAccumulator(rs.rules)
    findings = []
    try:
        for tl in [case.timeline, *case.more]:
            result = engine.evaluate(tl, as_of=_norm(case.as_of))
            acc.add(result.observations)
            findings.extend(result.findings)
    except ComplianceError as exc:
        return CaseResult(case, False, f"evaluation failed: {exc}")
    # findings are checked for the rule under test (and rules expectations name), unless the
    # case only checks indicators
    under_test = {e["rule"] for e in case.expect if "rule" in e}
    if case.expect or case.expect_indicators is None:
        under_test.add(case.rule)
    actual = [f.to_dict() for f in findings if f.rule in under_test]
    missing, remaining = _match(case.expect, actual, {"rule": case.rule})
    lines = [f"  expected, not found: {_short(m)}" for m in missing]
    lines += [f"  found, not expected: {_short(a)}" for a in remaining]
    if missing or remaining:
        lines.append("  actual findings of the rule(s) under test:")
        for a in actual:
            lines.append("    " + _short(a, full=True))
            lines.extend("        " + step for step in a["explain"])
    ind_missing: list[dict[str, Any]] = []
    if case.expect_indicators is not None:
        names = {e.get("indicator", case.rule) for e in case.expect_indicators}
        got = [r.to_dict() for r in acc.results() if r.indicator in names]
        ind_missing, _ = _match(case.expect_indicators, got, {"indicator": case.rule})
        lines += [f"  indicator expected, not found: {_short(m)}" for m in ind_missing]
        if ind_missing:
            lines += [
                "  indicator actual: " + ", ".join(f"{k}: {g[k]!r}" for k in INDICATOR_CHECKABLE)
                for g in got
            ]
    ok = not missing and not remaining and not ind_missing
    msg = (
        ""
        if ok
        else (f"{len(missing) + len(ind_missing)} expected not found, {len(remaining)} unexpected")
    )
    return CaseResult(case, ok, msg, time.perf_counter() - t0, lines)


def _short(d: dict[str, Any], full: bool = False) -> str:
    keys = CHECKABLE if full else tuple(k for k in ("rule", *CHECKABLE) if k in d)
    return (
        "{"
        + ", ".join(f"{k}: {d.get(k)!r}" for k in keys if d.get(k) is not None or not full)
        + "}"
    )


def run_fixture_tests(
    paths: list[str],
    *,
    select: str | None = None,
    junit_xml: str | None = None,
    verbose: bool = False,
    echo: Callable[[str], None] = print,
) -> bool:
    echo = _printing(echo)  # CPR-masked, control characters visible (fixtures hold case data)
    cases = [c for c in collect(paths) if select is None or select in c.nodeid]
    results = [run_case(c) for c in cases]
    failed = [r for r in results if not r.ok]
    for r in results:
        if verbose or not r.ok:
            where = f"{r.case.file}:{r.case.line}" if r.case.line else r.case.file
            echo(
                f"{'PASS' if r.ok else 'FAIL'} {where} {r.case.rule} :: {r.case.name}"
                + (f" — {r.message}" if r.message else "")
            )
            for line in r.lines:
                echo(line)
    if junit_xml:
        write_junit(results, junit_xml)
    files = len({c.file for c in cases})
    echo(f"rule fixture cases from {files} file(s)")
    echo(f"fixtures: {len(results) - len(failed)} passed, {len(failed)} failed")

    if not results:
        echo("no fixture cases found")
        return False
    return not failed


def _printing(echo: Callable[[str], None]) -> Callable[[str], None]:
    return lambda text: echo(printable(text))


def write_junit(results: list[CaseResult], path: str) -> None:
    suites = ET.Element(
        "testsuites",
        name="compliance rules",
        tests=str(len(results)),
        failures=str(sum(not r.ok for r in results)),
    )
    by_file: dict[str, list[CaseResult]] = {}
    for r in results:
        by_file.setdefault(r.case.file, []).append(r)
    for file, rs in by_file.items():
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=file,
            tests=str(len(rs)),
            failures=str(sum(not r.ok for r in rs)),
            errors="0",
            skipped="0",
            time=f"{sum(r.seconds for r in rs):.4f}",
        )
        for r in rs:
            tc = ET.SubElement(
                suite,
                "testcase",
                classname=r.case.rule,
                name=r.case.name,
                file=file,
                time=f"{r.seconds:.4f}",
            )
            if r.case.line:
                tc.set("line", str(r.case.line))
            if not r.ok:
                message = printable(r.message)
                fail = ET.SubElement(tc, "failure", message=message, type="FixtureMismatch")
                fail.text = "\n".join(printable(line) for line in r.lines)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)
