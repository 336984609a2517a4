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
from compliance.rules.load import RuleSet, load_rules, load_yaml, resolve_pack

__all__ = ["FixtureCase", "collect", "run_case", "run_fixture_tests"]

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


def collect(paths: list[str]) -> list[FixtureCase]:
    out: list[FixtureCase] = []
    for pack, f in fixture_files(paths):
        data, lines = load_yaml(f)
        if not isinstance(data, dict) or "cases" not in data or "rule" not in data:
            raise RuleError("a fixture file needs 'rule' and 'cases'", path=str(f), line=1)
        extra = tuple(data.get("with") or ())
        for i, c in enumerate(data["cases"]):
            if not isinstance(c, dict) or not {"name", "as_of", "timeline", "expect"} <= set(c):
                raise RuleError(
                    "a fixture case needs name, as_of, timeline and expect",
                    path=str(f),
                    line=lines.get(("cases", i)),
                )
            exp = c["expect"] or []
            for e in exp:
                bad = set(e) - set(CHECKABLE) - {"rule"}
                if bad:
                    raise RuleError(
                        f"case {c['name']!r}: cannot check {sorted(bad)}; use {CHECKABLE}",
                        path=str(f),
                        line=lines.get(("cases", i, "expect")),
                    )
            out.append(
                FixtureCase(
                    str(f),
                    lines.get(("cases", i)),
                    str(c["name"]),
                    data["rule"],
                    (str(pack), *extra),
                    c["as_of"],
                    _jsonable(c["timeline"]),
                    [{k: _norm(v) for k, v in e.items()} for e in exp],
                    c.get("tz"),
                )
            )
    return out


_ENGINES: dict[tuple[str, ...], tuple[RuleSet, Engine]] = {}


def _engine(packs: tuple[str, ...]) -> tuple[RuleSet, Engine]:
    if packs not in _ENGINES:
        rs = load_rules(*packs)
        _ENGINES[packs] = (rs, Engine(rs))
    return _ENGINES[packs]


def run_case(case: FixtureCase) -> CaseResult:
    t0 = time.perf_counter()
    rs, engine = _engine(case.packs)
    if rs.get(case.rule) is None:
        return CaseResult(case, False, f"rule {case.rule!r} is not in {', '.join(case.packs)}")
    if case.tz:
        engine = Engine(rs, default_tz=case.tz)
    try:
        result = engine.evaluate(case.timeline, as_of=_norm(case.as_of))
    except ComplianceError as exc:
        return CaseResult(case, False, f"evaluation failed: {exc}")
    under_test = {case.rule} | {e["rule"] for e in case.expect if "rule" in e}
    actual = [f.to_dict() for f in result.findings if f.rule in under_test]
    remaining = list(actual)
    missing = []
    for e in case.expect:
        want = {"rule": case.rule, **e}
        hit = next((a for a in remaining if all(a.get(k) == v for k, v in want.items())), None)
        if hit is None:
            missing.append(want)
        else:
            remaining.remove(hit)
    ok = not missing and not remaining
    lines = []
    if not ok:
        for m in missing:
            lines.append("  expected, not found: " + _short(m))
        for a in remaining:
            lines.append("  found, not expected: " + _short(a))
        lines.append("  actual findings of the rule(s) under test:")
        for a in actual:
            lines.append("    " + _short(a, full=True))
            for step in a["explain"]:
                lines.append("        " + step)
    return CaseResult(
        case,
        ok,
        "" if ok else f"{len(missing)} expected finding(s) not found, {len(remaining)} unexpected",
        time.perf_counter() - t0,
        lines,
    )


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
    echo(
        f"rule fixtures: {len(results) - len(failed)} passed, {len(failed)} failed ({files} file(s))"
    )
    if not results:
        echo("no fixture cases found")
        return False
    return not failed


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
                fail = ET.SubElement(tc, "failure", message=r.message, type="FixtureMismatch")
                fail.text = "\n".join(r.lines)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)
