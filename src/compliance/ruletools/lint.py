"""``compliance rules lint``: schema and semantic checks, every problem with file:line.

Errors (exit non-zero): a file that does not load (schema, YAML, unknown event type), duplicate
ids, a statutory rule (a version citing a law) without a citation section or without fixture
tests, a base rule that is not loaded. Warnings (fail only with --strict): attributes or values
the vocabulary does not know (a ``where`` that can never match), gaps between versions, a
satisfying event identical to the trigger, a satisfying event that also closes the obligation,
a municipal rule without tests, a statutory version without a URL.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compliance.errors import RuleError
from compliance.kinds import kind_of
from compliance.rules.load import (
    LoadedRule,
    Vocabulary,
    check_vocabulary,
    field_loc,
    line_for,
    load_rule_file,
    load_rules,
    pack_requires,
    resolve_pack,
    rule_files,
    vocabulary_for,
)
from compliance.ruletools.testing import collect

__all__ = ["Problem", "lint_paths"]


@dataclass(frozen=True)
class Problem:
    level: str  # error | warning
    code: str
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        loc = f"{self.path}:{self.line}" if self.line else self.path
        return f"{loc}: {self.level} {self.code}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "code": self.code,
            "path": self.path,
            "line": self.line,
            "message": self.message,
        }


def _check_where(lr: LoadedRule, vocab: Vocabulary, probs: list[Problem]) -> None:
    for name, matcher in lr.rule.matchers():
        for i, em in enumerate(matcher):
            for attr, cond in em.where.items():
                if attr == "subject_age":
                    continue
                for etype in em.event:
                    known = vocab.attrs(etype)
                    loc = field_loc(name)
                    line = line_for(lr.lines, (*loc, i, "where", attr)) or line_for(lr.lines, loc)
                    if attr not in known:
                        probs.append(
                            Problem(
                                "warning",
                                "unknown-attr",
                                lr.path,
                                line,
                                f"{name}: event type {etype!r} has no attribute {attr!r} "
                                f"in the vocabulary (known: {sorted(known) or 'none'})",
                            )
                        )
                        continue
                    values = known[attr].get("values") if isinstance(known[attr], dict) else None
                    wanted: list[Any] = []
                    if isinstance(cond, dict):
                        wanted = list(cond.get("in", [])) + ([cond["not"]] if "not" in cond else [])
                    else:
                        wanted = [cond]
                    kind = known[attr].get("type") if isinstance(known[attr], dict) else None
                    for w in wanted:
                        reason = None
                        if values and isinstance(w, str) and w not in values:
                            reason = (
                                f"{attr} = {w!r} can never match: the vocabulary allows {values}"
                            )
                        elif kind == "bool" and not isinstance(w, bool):
                            reason = f"{attr} is a bool; {w!r} can never match"
                        if reason:
                            probs.append(
                                Problem(
                                    "warning",
                                    "unreachable-where",
                                    lr.path,
                                    line,
                                    f"{name}: {reason}",
                                )
                            )


def _check_versions(lr: LoadedRule, probs: list[Problem], tested: Counter[str]) -> None:
    rule = lr.rule
    spans = sorted(rule.versions, key=lambda v: v.valid.from_)
    for a, b in itertools.pairwise(spans):
        if a.valid.until is not None and a.valid.until + dt.timedelta(days=1) < b.valid.from_:
            probs.append(
                Problem(
                    "warning",
                    "version-gap",
                    lr.path,
                    lr.lines.get(("versions",)),
                    f"no version between {a.valid.until} and {b.valid.from_}",
                )
            )
    statutory = any(v.source.law for v in rule.versions)
    for i, v in enumerate(rule.versions):
        line = line_for(lr.lines, ("versions", i, "source"))
        if v.source.law and not v.source.ref:
            probs.append(
                Problem("error", "no-citation", lr.path, line, "a law without a section (ref)")
            )
        if v.source.law and not v.source.url:
            probs.append(
                Problem(
                    "warning", "no-url", lr.path, line, f"{v.source.law} {v.source.ref}: no URL"
                )
            )
    if not tested[rule.id]:
        probs.append(
            Problem(
                "error" if statutory else "warning",
                "no-tests",
                lr.path,
                lr.lines.get(("id",)),
                f"rule {rule.id} has no fixture cases in tests/*.yaml beside it",
            )
        )


def _check_semantics(lr: LoadedRule, probs: list[Problem]) -> None:
    """A satisfying event that also closes the obligation, then the kind's own checks."""
    rule = lr.rule
    closing = [*(getattr(rule, "cancelled_by", None) or []), *(getattr(rule, "until", None) or [])]
    closers = {t for m in closing for t in m.event}
    for sm in getattr(rule, "satisfied_by", None) or []:
        same = closers & set(sm.event)
        if same:
            probs.append(
                Problem(
                    "warning",
                    "satisfied-by-closer",
                    lr.path,
                    lr.lines.get(("satisfied_by",)),
                    f"{sorted(same)} both satisfies and closes the obligation",
                )
            )
    for note in kind_of(rule).lint(rule):
        line = lr.lines.get((note.field,))
        probs.append(Problem(note.level, note.code, lr.path, line, note.message))


def _fixture_paths(root: Path) -> list[str]:
    """Where a path's fixture cases are: the pack itself, or for one rule file the ``tests/``
    folder beside it (a rule file is not a fixture file)."""
    if root.is_file():
        tests = root.parent / "tests"
        return [str(tests)] if tests.is_dir() else []
    return [str(root)]


def _check_bases(
    paths: list[str], loaded: list[LoadedRule], ids: set[str], probs: list[Problem]
) -> None:
    """An indicator's base rule must be linted too, or come from a required pack."""
    required: set[str] = set()
    for p in paths:
        try:
            reqs = pack_requires(resolve_pack(p))
            if reqs:
                required |= {r.id for r in load_rules(*reqs)}
        except RuleError as exc:
            probs.append(Problem("error", "requires", exc.path or p, exc.line, exc.reason))
    for lr in loaded:
        base = getattr(lr.rule, "base", None)
        if base and base not in ids | required:
            probs.append(
                Problem(
                    "warning",
                    "base-not-linted",
                    lr.path,
                    lr.lines.get(("base",)),
                    f"base rule {base!r} is not among the linted paths "
                    "(lint its pack too, e.g. rules/dk)",
                )
            )


def lint_paths(paths: list[str]) -> list[Problem]:
    probs: list[Problem] = []
    loaded: list[LoadedRule] = []
    ids: dict[str, str] = {}
    tested: Counter[str] = Counter()
    for p in paths:
        try:
            root = resolve_pack(p)
        except RuleError as exc:
            probs.append(Problem("error", "no-pack", p, None, exc.reason))
            continue
        try:
            vocab = vocabulary_for(root)
        except RuleError as exc:
            probs.append(Problem("error", "vocabulary", exc.path or p, exc.line, exc.reason))
            continue
        try:
            tested.update(r for c in collect(_fixture_paths(root)) for r in c.rules_checked())
        except RuleError as exc:
            probs.append(Problem("error", "fixture", exc.path or p, exc.line, exc.reason))
        files = rule_files(root)
        if not files:
            probs.append(Problem("error", "empty", str(root), None, "no rule files (*.yaml)"))
        for f in files:
            try:
                lr = load_rule_file(f)
                check_vocabulary(lr, vocab)
            except RuleError as exc:
                probs.append(Problem("error", "invalid", exc.path or str(f), exc.line, exc.reason))
                continue
            if lr.rule.id in ids:
                probs.append(
                    Problem(
                        "error",
                        "duplicate-id",
                        lr.path,
                        lr.lines.get(("id",)),
                        f"rule id {lr.rule.id!r} also in {ids[lr.rule.id]}",
                    )
                )
                continue
            ids[lr.rule.id] = lr.path
            loaded.append(lr)
            _check_where(lr, vocab, probs)
            _check_versions(lr, probs, tested)
            _check_semantics(lr, probs)
    _check_bases(paths, loaded, set(ids), probs)
    return sorted(probs, key=lambda p: (p.path, p.line or 0, p.code))
