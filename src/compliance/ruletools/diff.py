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

from compliance.engine import Engine
from compliance.errors import ComplianceError, RuleError
from compliance.privacy import mask_cpr
from compliance.rules.load import load_rules, resolve_pack
from compliance.sources import read_cases

__all__ = ["Change", "diff_command", "diff_findings"]

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


@contextmanager
def rules_at(spec: str, like: str) -> Iterator[str]:
    """A folder for ``spec``: itself if it exists or names a pack, else ``like`` at git ref ``spec``."""
    try:
        resolve_pack(spec)
        yield spec
        return
    except RuleError:
        pass
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
    engine: Engine, cases: list[str], as_of: dt.datetime
) -> dict[Key, tuple[str, str | None]]:
    out: dict[Key, tuple[str, str | None]] = {}
    for path in cases:
        for item in read_cases(path):
            if item.case is None:
                continue
            try:
                res = engine.evaluate(item.case, as_of=as_of)
            except ComplianceError:
                continue  # the same case is rejected on both sides; audit reports it
            for f in res.findings:
                out[(f.case_id, f.rule, f.partition, f.trigger, f.occurrence)] = (f.status, f.due)
    return out


def diff_findings(
    old: list[str], new: list[str], cases: list[str], as_of: dt.datetime
) -> list[Change]:
    before = _index(Engine(load_rules(*old)), cases, as_of)
    after = _index(Engine(load_rules(*new)), cases, as_of)
    changes = []
    for key in sorted(
        set(before) | set(after), key=lambda k: tuple("" if x is None else str(x) for x in k)
    ):
        a, b = before.get(key), after.get(key)
        if a != b:
            changes.append(Change(*key, old=a, new=b))
    return changes


def _summary(changes: list[Change]) -> dict[str, Counter[str]]:
    per: dict[str, Counter[str]] = {}
    for c in changes:
        per.setdefault(c.rule, Counter())[c.kind] += 1
        if c.old and c.new and c.old[0] != c.new[0]:
            per[c.rule][f"{c.old[0]}→{c.new[0]}"] += 1
    return per


def render(
    changes: list[Change], output_format: str, old: str, new: str, n_cases: int | None = None
) -> str:
    per = _summary(changes)
    if output_format == "json":
        return orjson.dumps(
            {
                "old": old,
                "new": new,
                "changed": len(changes),
                "per_rule": {r: dict(c) for r, c in sorted(per.items())},
                "changes": [c.to_dict() for c in changes],
            },
            option=orjson.OPT_INDENT_2,
        ).decode()
    if output_format == "markdown":
        lines = [f"### Rule impact: `{old}` → `{new}`", ""]
        if not changes:
            return "\n".join([*lines, "No finding changed."])
        lines += [
            f"**{len(changes)}** finding(s) changed.",
            "",
            "| rule | added | removed | status changed | due changed | transitions |",
            "|---|---|---|---|---|---|",
        ]
        for r, c in sorted(per.items()):
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
        lines += ["", "</details>"]
        return "\n".join(lines)
    lines = [f"rule impact {old} -> {new}: {len(changes)} finding(s) changed"]
    for r, c in sorted(per.items()):
        lines.append(f"  {r}: " + ", ".join(f"{k} {v}" for k, v in sorted(c.items())))
    for ch in changes[:200]:
        o = f"{ch.old[0]} due {ch.old[1]}" if ch.old else "(none)"
        n = f"{ch.new[0]} due {ch.new[1]}" if ch.new else "(none)"
        part = f" [{ch.partition}]" if ch.partition else ""
        lines.append(f"  {ch.case_id} {ch.rule}{part}: {o} -> {n}")
    if len(changes) > 200:
        lines.append(f"  ... {len(changes) - 200} more (use --format json)")
    return "\n".join(lines)


def diff_command(
    old: str, new: str, cases: list[str], as_of: dt.datetime, output_format: str, extra: list[str]
) -> bool:
    if output_format not in ("text", "json", "markdown"):
        raise ComplianceError(f"unknown --format {output_format!r} (text, json, markdown)")
    for c in cases:
        if not Path(c).is_file():
            raise ComplianceError(f"{c}: no such file")
    with rules_at(old, new) as old_dir:
        changes = diff_findings([*extra, old_dir], [*extra, new], cases, as_of)
    sys.stdout.write(mask_cpr(render(changes, output_format, old, new)) + "\n")
    return bool(changes)
