"""``compliance rules diff``: what a rule change does to real findings.

Evaluates a corpus with the old and the new rules and reports every (case, rule, partition,
trigger, occurrence) whose status or due date changed, appeared or disappeared, summarised
per rule — as text, JSON, or Markdown for a pull-request comment. ``--old`` may be a folder,
a pack name, or a git ref (the same path as ``--new`` is taken from that commit).
"""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from compliance.commands.inputs import CURRENT_INPUT_OPTIONS, read_items
from compliance.engine import Engine
from compliance.errors import ComplianceError, RuleError
from compliance.indicators import IndicatorAccumulator, IndicatorResult
from compliance.privacy import mask_cpr
from compliance.rules.load import load_rules, resolve_pack

__all__ = ["Change", "IndicatorChange", "diff_command", "diff_findings", "diff_indicators"]

Key = tuple[str, str, str | None, str | None, int | None]


@dataclass(frozen=True)
class Change:
    case_id: str
    rule: str
    partition: str | None
    trigger: str | None
    occurrence: int | None
    old: tuple[str, str | None] | None  # (status, due)
    new: tuple[str, str | None] | None

    @property
    def kind(self) -> str:
        if self.old is None:
            return "added"
        if self.new is None:
            return "removed"
        return "status" if self.old[0] != self.new[0] else "due"

    def to_dict(self) -> dict[str, Any]:
        key = ("case_id", "rule", "partition", "trigger", "occurrence")
        return {
            **{name: getattr(self, name) for name in key},
            "change": self.kind,
            "old": dict(zip(("status", "due"), self.old, strict=True)) if self.old else None,
            "new": dict(zip(("status", "due"), self.new, strict=True)) if self.new else None,
        }


IndicatorState = tuple[
    int, int, float | None, str, str
]  # numerator, denominator, share, status, target


@dataclass(frozen=True)
class IndicatorChange:
    """An indicator period whose numbers, target or verdict differ between the rule sets."""

    indicator: str
    period: str
    old: IndicatorState | None
    new: IndicatorState | None

    def to_dict(self) -> dict[str, Any]:
        names = ("numerator", "denominator", "share", "status", "target")

        def side(state: IndicatorState | None) -> dict[str, Any] | None:
            return dict(zip(names, state, strict=True)) if state else None

        return {
            "indicator": self.indicator,
            "period": self.period,
            "old": side(self.old),
            "new": side(self.new),
        }

    def text(self) -> str:
        def side(state: IndicatorState | None) -> str:
            if state is None:
                return "(none)"
            n, d, share, status, target = state
            shown = "-" if share is None else f"{share:.1%}"
            return f"{n}/{d} = {shown} {status} (target {target})"

        return f"{self.indicator} {self.period}: {side(self.old)} -> {side(self.new)}"


@contextmanager
def rules_at(spec: str, like: str) -> Iterator[str]:
    """A folder for ``spec``: itself if it exists or names a pack, else ``like`` at git ref ``spec``."""
    try:
        resolve_pack(spec)
        is_folder_or_pack = True
    except RuleError:
        is_folder_or_pack = False
    if is_folder_or_pack:  # yielded outside the try: a RuleError of the caller's is not ours
        yield spec
        return
    target = resolve_pack(like).resolve()
    try:
        top = Path(
            subprocess.run(
                [
                    "git",
                    "-C",
                    str(target if target.is_dir() else target.parent),
                    "rev-parse",
                    "--show-toplevel",
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
        )
    except (OSError, subprocess.CalledProcessError):
        raise ComplianceError(f"--old {spec!r} is neither a folder, a pack nor a git ref") from None
    rel = target.relative_to(top)
    wanted = [str(rel)]
    vocab = top / "rules" / "vocabulary.yaml"
    if vocab.exists() and not str(rel).startswith("rules/vocabulary"):
        wanted.append("rules/vocabulary.yaml")
    proc = subprocess.run(
        ["git", "-C", str(top), "archive", "--format=tar", spec, *wanted],
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ComplianceError(
            f"--old {spec!r}: git cannot export {rel} at that ref: "
            f"{msg[-1] if msg else 'unknown error'}"
        )
    with tempfile.TemporaryDirectory(prefix="compliance-old-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as tar:
            tar.extractall(tmp, filter="data")
        yield str(Path(tmp) / rel)


def _index(
    engine: Engine,
    cases: list[str],
    as_of: dt.datetime,
    indicators: IndicatorAccumulator | None = None,
    skipped: Counter[str] | None = None,
) -> dict[Key, tuple[str, str | None]]:
    """Every finding by its key; ``skipped`` counts the cases not compared (never silently)."""
    out: dict[Key, tuple[str, str | None]] = {}
    skipped = Counter() if skipped is None else skipped
    for path in cases:
        for item in read_items([path], CURRENT_INPUT_OPTIONS.get()):
            if item.case is None:
                skipped["unreadable"] += 1
                continue
            try:
                res = engine.evaluate(item.case, as_of=as_of)
            except ComplianceError:
                skipped["rejected"] += 1  # `compliance audit` names each with its reason
                continue
            for f in res.findings:
                out[(f.case_id, f.rule, f.partition, f.trigger, f.occurrence)] = (f.status, f.due)
            if indicators is not None:
                indicators.add(res.observations)
    return out


def _indicator_states(results: list[IndicatorResult]) -> dict[tuple[str, str], IndicatorState]:
    def target(r: IndicatorResult) -> str:
        return ", ".join(f"{k} {v}" for k, v in sorted(r.target.items()))

    return {
        (r.indicator, r.period): (r.numerator, r.denominator, r.share, r.status, target(r))
        for r in results
    }


def diff_indicators(
    old: list[IndicatorResult], new: list[IndicatorResult]
) -> list[IndicatorChange]:
    before, after = _indicator_states(old), _indicator_states(new)
    return [
        IndicatorChange(*key, old=before.get(key), new=after.get(key))
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    ]


def diff_findings(
    old: list[str], new: list[str], cases: list[str], as_of: dt.datetime
) -> list[Change]:
    return _diff(old, new, cases, as_of)[0]


def _diff(
    old: list[str],
    new: list[str],
    cases: list[str],
    as_of: dt.datetime,
    skipped: dict[str, Counter[str]] | None = None,
) -> tuple[list[Change], list[IndicatorChange]]:
    old_rules, new_rules = load_rules(*old), load_rules(*new)
    old_indicators = IndicatorAccumulator(old_rules.rules)
    new_indicators = IndicatorAccumulator(new_rules.rules)
    skipped = {"old": Counter(), "new": Counter()} if skipped is None else skipped
    before = _index(Engine(old_rules), cases, as_of, old_indicators, skipped["old"])
    after = _index(Engine(new_rules), cases, as_of, new_indicators, skipped["new"])
    indicator_changes = diff_indicators(old_indicators.results(), new_indicators.results())
    changes = []
    for key in sorted(
        set(before) | set(after), key=lambda k: tuple("" if x is None else str(x) for x in k)
    ):
        a, b = before.get(key), after.get(key)
        if a != b:
            changes.append(Change(*key, old=a, new=b))
    return changes, indicator_changes


def _summary(changes: list[Change]) -> dict[str, Counter[str]]:
    per: dict[str, Counter[str]] = {}
    for c in changes:
        per.setdefault(c.rule, Counter())[c.kind] += 1
        if c.old and c.new and c.old[0] != c.new[0]:
            per[c.rule][f"{c.old[0]}→{c.new[0]}"] += 1
    return per


def render(
    changes: list[Change],
    output_format: str,
    old: str,
    new: str,
    n_cases: int | None = None,
    indicators: list[IndicatorChange] | None = None,
) -> str:
    """Every changed finding (text lists 200, Markdown 50, and both say how many more) and every
    changed indicator period (all: there are few)."""
    moved = indicators or []
    if output_format == "json":
        return orjson.dumps(
            {
                "old": old,
                "new": new,
                "changed": len(changes),
                "per_rule": {r: dict(c) for r, c in sorted(_summary(changes).items())},
                "changes": [c.to_dict() for c in changes],
                "indicators_changed": len(moved),
                "indicator_changes": [c.to_dict() for c in moved],
            },
            option=orjson.OPT_INDENT_2,
        ).decode()
    if output_format == "markdown":
        return "\n".join([*_markdown_findings(changes, old, new), *_markdown_indicators(moved)])
    return "\n".join([*_text_findings(changes, old, new), *_text_indicators(moved)])


def _markdown_findings(changes: list[Change], old: str, new: str) -> list[str]:
    lines = [f"### Rule impact: `{old}` → `{new}`", ""]
    if not changes:
        return [*lines, "No finding changed."]
    lines += [
        f"**{len(changes)}** finding(s) changed.",
        "",
        "| rule | added | removed | status changed | due changed | transitions |",
        "|---|---|---|---|---|---|",
    ]
    for r, c in sorted(_summary(changes).items()):
        trans = ", ".join(f"{k}: {v}" for k, v in sorted(c.items()) if "→" in k)
        lines.append(
            f"| `{r}` | {c['added']} | {c['removed']} | {c['status']} | {c['due']} | {trans} |"
        )
    lines += [
        "",
        "<details><summary>First 50 changes</summary>",
        "",
        "| case | rule | partition | old | new |",
        "|---|---|---|---|---|",
    ]
    for ch in changes[:50]:
        o = f"{ch.old[0]} (due {ch.old[1]})" if ch.old else "—"
        n = f"{ch.new[0]} (due {ch.new[1]})" if ch.new else "—"
        lines.append(f"| {ch.case_id} | `{ch.rule}` | {ch.partition or ''} | {o} | {n} |")
    if len(changes) > 50:
        lines += ["", f"… and {len(changes) - 50} more (`--format json` lists every change)."]
    return [*lines, "", "</details>"]


def _markdown_indicators(moved: list[IndicatorChange]) -> list[str]:
    lines = ["", "#### Indicators", ""]
    if not moved:
        return [*lines, "No indicator result changed."]
    lines += ["| indicator | period | old | new |", "|---|---|---|---|"]
    for change in moved:
        old, new = change.text().split(": ", 1)[1].split(" -> ")
        lines.append(f"| `{change.indicator}` | {change.period} | {old} | {new} |")
    return lines


def _text_findings(changes: list[Change], old: str, new: str) -> list[str]:
    lines = [f"rule impact {old} -> {new}: {len(changes)} finding(s) changed"]
    for r, c in sorted(_summary(changes).items()):
        lines.append(f"  {r}: " + ", ".join(f"{k} {v}" for k, v in sorted(c.items())))
    for ch in changes[:200]:
        o = f"{ch.old[0]} due {ch.old[1]}" if ch.old else "(none)"
        n = f"{ch.new[0]} due {ch.new[1]}" if ch.new else "(none)"
        part = f" [{ch.partition}]" if ch.partition else ""
        lines.append(f"  {ch.case_id} {ch.rule}{part}: {o} -> {n}")
    if len(changes) > 200:
        lines.append(f"  ... {len(changes) - 200} more (use --format json)")
    return lines


def _text_indicators(moved: list[IndicatorChange]) -> list[str]:
    lines = [f"indicators: {len(moved)} period result(s) changed"]
    return lines + [f"  {change.text()}" for change in moved]


def diff_command(
    old: str, new: str, cases: list[str], as_of: dt.datetime, output_format: str, extra: list[str]
) -> bool:
    if output_format not in ("text", "json", "markdown"):
        raise ComplianceError(f"unknown --format {output_format!r} (text, json, markdown)")
    for c in cases:
        if not Path(c).is_file():
            raise ComplianceError(f"{c}: no such file")
    skipped: dict[str, Counter[str]] = {"old": Counter(), "new": Counter()}
    with rules_at(old, new) as old_dir:
        changes, moved = _diff([*extra, old_dir], [*extra, new], cases, as_of, skipped)
    text = render(changes, output_format, old, new, indicators=moved)
    sys.stdout.write(mask_cpr(text) + "\n")
    for side, counts in skipped.items():
        if counts:
            sys.stderr.write(
                f"rules diff: not compared under the {side} rules: {counts['unreadable']} "
                f"case(s) unreadable, {counts['rejected']} rejected (`compliance audit` "
                f"names each)\n"
            )
    return bool(changes or moved)
