"""Load rule packs: safe YAML only, every error located to file and line.

A pack is a directory of ``*.yaml`` rule files (one rule per file; ``tests/`` folders hold
fixtures and are skipped). Packs are addressed by name (``dk``, ``municipal/slagelse``; the
bundled ones ship inside the wheel) or by path.
"""

from __future__ import annotations

import difflib
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from compliance.errors import RuleError
from compliance.rules.fields import FieldProblem, check_language_tags
from compliance.rules.schema import Rule, parse_rule, rule_kinds

__all__ = ["RuleSet", "Vocabulary", "load_rules", "load_yaml", "packs_root"]

MAX_RULE_FILE_BYTES = 1_000_000
LineMap = dict[tuple[Any, ...], int]


def packs_root() -> Path:
    """Where the bundled packs live: inside the wheel, or ``rules/`` of a source checkout."""
    here = Path(__file__).resolve().parent.parent
    bundled = here / "_packs"
    if bundled.is_dir():
        return bundled
    return here.parent.parent / "rules"


# --------------------------------------------------------------------------------------------
# YAML with line numbers


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors/aliases (no billion-laughs) and duplicate keys: the
    pure-Python parser, used only where PyYAML was built without libyaml."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            ev = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.MarkedYAMLError(
                "aliases are not allowed in rule files", ev.start_mark, None, None
            )
        return super().compose_node(parent, index)


#: libyaml's parser and composer (C), with PyYAML's safe constructor and resolver: the same
#: documents and values as ``yaml.SafeLoader`` at ~10x the speed (loading the dk pack took
#: ~1 s of every CLI call with the Python parser). It composes an alias as a second reference
#: to its anchor's node; ``_line_map`` refuses any node it meets twice.
_FAST_LOADER: type[Any] | None = getattr(yaml, "CSafeLoader", None)

_ALIAS = "YAML: aliases are not allowed in rule files"


class _AliasFound(Exception):
    """A node met twice while mapping lines: the document uses an alias."""


def _alias_line(text: str) -> int | None:
    """The line of the document's first alias (the error path only: a second, event-level
    pass of libyaml, which knows where each alias is written)."""
    for event in yaml.parse(text, Loader=_FAST_LOADER or yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent) and event.start_mark is not None:
            return int(event.start_mark.line) + 1
    return None


def _line_map(
    node: yaml.Node, path: tuple[Any, ...], out: LineMap, file: str, seen_nodes: set[int]
) -> None:
    """The line of every key path; a duplicate key is a located error, a node met twice
    raises _AliasFound."""
    if id(node) in seen_nodes:
        raise _AliasFound
    seen_nodes.add(id(node))
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for k, v in node.value:
            if not isinstance(k, yaml.ScalarNode):  # `? [a]`: YAML allows it, rules never do
                raise RuleError(
                    "YAML: a key must be a plain name, not a list or mapping",
                    path=file,
                    line=k.start_mark.line + 1,
                )
            key = k.value
            if key in seen:
                raise RuleError(f"duplicate key {key!r}", path=file, line=k.start_mark.line + 1)
            seen.add(key)
            _line_map(v, (*path, key), out, file, seen_nodes)
            out[(*path, key)] = k.start_mark.line + 1  # a key's own line, not its value's
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            _line_map(v, (*path, i), out, file, seen_nodes)


def _read_rule_bytes(path: Path, name: str) -> bytes:
    """A rule file's bytes: regular files only (a FIFO, device or a symlink to /dev/zero is
    refused, never read), the size limit checked on the opened file and while reading."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise RuleError(f"cannot read: {exc.strerror}", path=name) from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise RuleError("not a regular file (a device, FIFO or socket is refused)", path=name)
        data = fh.read(MAX_RULE_FILE_BYTES + 1)
    if len(data) > MAX_RULE_FILE_BYTES:
        size = max(len(data), path.stat().st_size)
        raise RuleError(f"file too large ({size} bytes; limit {MAX_RULE_FILE_BYTES})", path=name)
    return data


def load_yaml(path: Path) -> tuple[Any, LineMap]:
    """Parse one YAML file safely; return the data and a map from key path to line."""
    name = str(path)
    raw = _read_rule_bytes(path, name)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RuleError(f"not UTF-8 (byte {exc.start})", path=name) from None
    try:
        loader = _FAST_LOADER(text) if _FAST_LOADER is not None else _NoAliasLoader(text)
        try:
            node = loader.get_single_node()
            lines: LineMap = {}
            if node is not None:
                try:
                    _line_map(node, (), lines, name, set())
                except _AliasFound:
                    raise RuleError(_ALIAS, path=name, line=_alias_line(text)) from None
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise RuleError(f"YAML: {exc.problem or exc.context}", path=name, line=line) from None
    except yaml.YAMLError as exc:
        raise RuleError(f"YAML: {exc}", path=name) from None
    except RecursionError:
        raise RuleError("YAML nested too deeply", path=name) from None
    return data, lines


def line_for(lines: LineMap, loc: Iterable[Any]) -> int | None:
    """The line of the deepest key path present in ``lines`` (pydantic locs may be longer)."""
    key: tuple[Any, ...] = ()
    best = lines.get(())
    for part in loc:
        key = (*key, part)
        if key in lines:
            best = lines[key]
        elif isinstance(part, str) and (*key[:-1], part.rstrip("_")) in lines:
            key = (*key[:-1], part.rstrip("_"))
            best = lines[key]
    return best


def _is_marker(part: str) -> bool:
    """Pydantic's own path parts: validator markers and union members (``str``, a class)."""
    return "[" in part or part in ("name", "spec") or part[:1].isupper()


def _error_loc(err: Any) -> tuple[Any, ...]:
    """The error's field path as written in YAML: without pydantic's union tag (the kind) and
    validator markers."""
    from compliance.kinds import KINDS

    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and _is_marker(p)))
    if loc and isinstance(loc[0], str) and loc[0] in KINDS:
        loc = loc[1:]
    problem = (err.get("ctx") or {}).get("error")
    if isinstance(problem, FieldProblem):
        loc = (*loc, problem.field)
    return loc


def _fields_of_other_kinds(name: str) -> list[str]:
    from compliance.kinds import KINDS

    kinds = {
        k.written
        for k in KINDS.values()
        if any(name in (f, info.alias) for f, info in k.model.model_fields.items())
    }
    return sorted(kinds)


def _message(err: Any, loc: tuple[Any, ...], data: Any) -> str:
    kind = data.get("kind") if isinstance(data, dict) else None
    kinds = ", ".join(rule_kinds())
    kind_word = f"kind {kind!r}"
    if kind == "deadline" and isinstance(data.get("trigger"), dict):
        kind_word += " with an age trigger"
    match err["type"]:
        case "missing" if len(loc) == 1:
            return f"{kind_word} needs {loc[-1]}"
        case "missing":
            return "required"
        case "union_tag_invalid":
            return f"unknown kind (got {kind!r}); use one of {kinds}"
        case "union_tag_not_found":
            return f"missing (one of {kinds})"
        case "extra_forbidden":
            others = _fields_of_other_kinds(str(loc[-1]))
            hint = f" (a field of kind {', '.join(others)})" if others else ""
            return f"unknown field {loc[-1]!r} for {kind_word}{hint}"
        case "literal_error":
            return f"{err['msg']} (got {err.get('input')!r})"
    return str(err["msg"]).removeprefix("Value error, ")


def _first_error(exc: ValidationError, lines: LineMap, path: str, data: Any) -> RuleError:
    """The most specific schema error (the deepest location), at its field's line."""
    err = max(exc.errors(include_url=False), key=lambda e: len(e["loc"]))
    loc = _error_loc(err)
    if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
        loc = ("kind",)
    msg = _message(err, loc, data)
    top_level_missing = err["type"] == "missing" and len(loc) == 1
    line = line_for(lines, ("kind",) if top_level_missing else loc)
    field_path = "" if top_level_missing else ".".join(str(p) for p in loc)
    return RuleError(f"{field_path}: {msg}" if field_path else msg, path=path, line=line)


# --------------------------------------------------------------------------------------------
# Vocabulary


#: Keys of a vocabulary entry that are not labels (every other key is a BCP 47 language tag).
VOCABULARY_KEYS = frozenset({"attrs", "desc"})


@dataclass(frozen=True)
class Vocabulary:
    """Known event types with Danish/English labels and the attrs they carry."""

    events: dict[str, dict[str, Any]] = field(default_factory=dict)

    def knows(self, event_type: str) -> bool:
        return event_type in self.events

    def attrs(self, event_type: str) -> dict[str, Any]:
        return dict(self.events.get(event_type, {}).get("attrs") or {})

    def merged(self, other: Vocabulary) -> Vocabulary:
        return Vocabulary({**self.events, **other.events})

    @classmethod
    def load(cls, path: Path) -> Vocabulary:
        data, lines = load_yaml(path)
        if not isinstance(data, dict) or not isinstance(data.get("events"), dict):
            raise RuleError("vocabulary needs a mapping 'events:'", path=str(path), line=1)
        for name, spec in data["events"].items():
            labels = (
                {k: v for k, v in spec.items() if k not in VOCABULARY_KEYS}
                if isinstance(spec, dict)
                else {}
            )
            try:
                if not isinstance(spec, dict) or not spec.get("en"):
                    raise ValueError("needs an en label (and labels in other BCP 47 languages)")
                check_language_tags(labels, "labels")
            except ValueError as exc:
                raise RuleError(
                    f"event type {name!r}: {exc}", path=str(path), line=lines.get(("events", name))
                ) from None
        return cls(data["events"])


# --------------------------------------------------------------------------------------------
# Rule sets


@dataclass(frozen=True)
class LoadedRule:
    rule: Rule
    path: str
    lines: LineMap


@dataclass(frozen=True)
class RuleSet:
    """Validated rules plus where each came from. Immutable; build an ``Engine`` from it."""

    loaded: tuple[LoadedRule, ...]
    vocabulary: Vocabulary
    packs: tuple[str, ...] = ()

    @property
    def rules(self) -> tuple[Rule, ...]:
        return tuple(lr.rule for lr in self.loaded)

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.loaded)

    def get(self, rule_id: str) -> Rule | None:
        for lr in self.loaded:
            if lr.rule.id == rule_id:
                return lr.rule
        return None

    def path_of(self, rule_id: str) -> str | None:
        for lr in self.loaded:
            if lr.rule.id == rule_id:
                return lr.path
        return None


def _looks_like_path(spec: str) -> bool:
    return spec.startswith(("./", "../", "/", "~", ".\\")) or spec.endswith((".yaml", ".yml"))


def resolve_pack(spec: str | os.PathLike[str]) -> Path:
    """A bundled pack by name (``dk``, ``municipal/slagelse``), else a path. A bundled name
    always means the bundled pack, even when a folder of that name is in the working
    directory: that folder is ``./dk``. Anything that looks like a path is a path."""
    text = os.fspath(spec)
    named = packs_root() / text
    if not isinstance(spec, os.PathLike) and not _looks_like_path(text) and named.is_dir():
        return named
    p = Path(text).expanduser()
    if p.exists():
        return p
    known = sorted(
        str(d.relative_to(packs_root()))
        for d in packs_root().rglob("*")
        if d.is_dir() and d.name != "tests" and any(d.glob("*.yaml"))
    )
    close = difflib.get_close_matches(text, known, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise RuleError(f"no rule pack or path {str(spec)!r}; bundled packs: {', '.join(known)}{hint}")


def rule_files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    return sorted(
        f
        for f in root.rglob("*.yaml")
        if "tests" not in f.relative_to(root).parts[:-1]
        and f.name not in ("vocabulary.yaml", "pack.yaml")
        and not f.name.startswith(".")
    )


def _vocabularies_for(root: Path) -> list[Path]:
    found = []
    d = root if root.is_dir() else root.parent
    for _ in range(4):
        v = d / "vocabulary.yaml"
        if v.is_file():
            found.append(v)
        if d.parent == d:
            break
        d = d.parent
    return found


PACK_KEYS = frozenset({"name", "description", "requires", "scope", "calendar"})


def pack_manifest(root: Path) -> tuple[dict[str, Any], LineMap, Path | None]:
    """``pack.yaml`` of a pack folder: name, description, requires (packs), scope (subject)."""
    manifest = root / "pack.yaml" if root.is_dir() else root.parent / "pack.yaml"
    if not manifest.is_file():
        return {}, {}, None
    data, lines = load_yaml(manifest)
    if not isinstance(data, dict):
        raise RuleError("pack.yaml must be a mapping", path=str(manifest), line=1)
    bad = set(data) - PACK_KEYS
    if bad:
        raise RuleError(
            f"unknown key(s) {sorted(bad)} (allowed: {sorted(PACK_KEYS)})",
            path=str(manifest),
            line=lines.get((sorted(bad)[0],)),
        )
    return data, lines, manifest


def pack_requires(root: Path) -> list[str]:
    """Packs named in ``pack.yaml`` (``requires: [dk]``) that this pack builds on."""
    data, lines, manifest = pack_manifest(root)
    if manifest is None:
        return []
    req = data.get("requires", [])
    if not isinstance(req, list) or not all(isinstance(r, str) for r in req):
        raise RuleError(
            "requires must be a list of pack names",
            path=str(manifest),
            line=lines.get(("requires",), 1),
        )
    return req


def _with_requirements(roots: list[Path]) -> list[Path]:
    """Required packs first, each pack once (by resolved path)."""
    out: list[Path] = []
    seen: set[Path] = set()

    def visit(root: Path, depth: int) -> None:
        if depth > 10:
            raise RuleError("pack requirements nest too deeply (a cycle?)", path=str(root))
        key = root.resolve()
        if key in seen:
            return
        for req in pack_requires(root):
            visit(resolve_pack(req), depth + 1)
        if key not in seen:
            seen.add(key)
            out.append(root)

    for r in roots:
        visit(r, 0)
    return out


def load_rule_file(path: Path) -> LoadedRule:
    data, lines = load_yaml(path)
    if not isinstance(data, dict):
        raise RuleError("a rule file must hold one mapping (a rule)", path=str(path), line=1)
    try:
        rule = parse_rule(data)
    except ValidationError as exc:
        raise _first_error(exc, lines, str(path), data) from None
    return LoadedRule(rule, str(path), lines)


def field_loc(name: str) -> tuple[str | int, ...]:
    """A matcher name from ``Rule.matchers()`` ("versions.1.or_by") as a line-map key path."""
    return tuple(int(p) if p.isdigit() else p for p in name.split("."))


def check_vocabulary(lr: LoadedRule, vocab: Vocabulary) -> None:
    for name, matcher in lr.rule.matchers():
        loc = field_loc(name)
        for i, em in enumerate(matcher):
            for t in em.event:
                if not vocab.knows(t):
                    close = difflib.get_close_matches(t, list(vocab.events), n=1)
                    hint = f"; did you mean {close[0]!r}?" if close else ""
                    raise RuleError(
                        f"{name}: unknown event type {t!r}{hint} (add it to rules/vocabulary.yaml)",
                        path=lr.path,
                        line=line_for(lr.lines, (*loc, i, "event")) or line_for(lr.lines, loc),
                    )


def vocabulary_for(root: Path) -> Vocabulary:
    """The bundled vocabulary extended by any ``vocabulary.yaml`` in ``root`` or above it."""
    vocab = Vocabulary.load(packs_root() / "vocabulary.yaml")
    for vpath in _vocabularies_for(root):
        if vpath.resolve() != (packs_root() / "vocabulary.yaml").resolve():
            vocab = vocab.merged(Vocabulary.load(vpath))
    return vocab


def _with_pack_defaults(
    lr: LoadedRule, manifest: dict[str, Any], lines: LineMap, manifest_path: str
) -> LoadedRule:
    """A pack's ``scope`` and ``calendar`` apply to its rules that set none themselves (an
    indicator has no calendar); errors point at pack.yaml."""
    defaults: dict[str, Any] = {}
    if manifest.get("scope") and not lr.rule.scope:
        defaults["scope"] = manifest["scope"]
    calendar = manifest.get("calendar")
    if (
        calendar is not None
        and "calendar" in type(lr.rule).model_fields
        and "calendar" not in lr.rule.model_fields_set
    ):
        defaults["calendar"] = calendar
    if not defaults:
        return lr
    data = {**lr.rule.model_dump(by_alias=True, exclude_unset=True), **defaults}
    try:
        rule = parse_rule(data)
    except ValidationError as exc:
        raise _first_error(exc, lines, manifest_path, data) from None
    return LoadedRule(rule, lr.path, lr.lines)


def load_rules(*specs: str | os.PathLike[str], vocabulary: Vocabulary | None = None) -> RuleSet:
    """Load packs by name (``"dk"``, ``"municipal/slagelse"``) or path; fail fast, located."""
    if not specs:
        raise RuleError("no rule packs given")
    roots = _with_requirements([resolve_pack(s) for s in specs])
    vocab = vocabulary or Vocabulary.load(packs_root() / "vocabulary.yaml")
    for root in roots:
        vocab = vocab.merged(vocabulary_for(root))
    loaded: list[LoadedRule] = []
    seen: dict[str, str] = {}
    for root in roots:
        files = rule_files(root)
        if not files:
            raise RuleError("no rule files (*.yaml) found", path=str(root))
        manifest, mlines, mpath = pack_manifest(root)
        scope = manifest.get("scope")
        if scope is not None and not isinstance(scope, dict):
            raise RuleError(
                "scope must be a mapping of subject predicates",
                path=str(mpath),
                line=mlines.get(("scope",)),
            )
        for f in files:
            lr = _with_pack_defaults(load_rule_file(f), manifest, mlines, str(mpath))
            if lr.rule.id in seen:
                if Path(seen[lr.rule.id]).resolve() == f.resolve():
                    continue  # the same file named twice
                raise RuleError(
                    f"duplicate rule id {lr.rule.id!r} (also in {seen[lr.rule.id]})",
                    path=str(f),
                    line=lr.lines.get(("id",)),
                )
            check_vocabulary(lr, vocab)
            seen[lr.rule.id] = str(f)
            loaded.append(lr)
    ids = set(seen)
    for lr in loaded:
        base = getattr(lr.rule, "base", None)  # indicators measuring another rule's findings
        if base and base not in ids:
            raise RuleError(
                f"base: rule {base!r} is not loaded (load its pack too, e.g. --rules dk)",
                path=lr.path,
                line=lr.lines.get(("base",)),
            )
    return RuleSet(tuple(loaded), vocab, tuple(str(s) for s in specs))
