"""Rule packs held by the service: loaded once, swapped atomically on reload.

A :class:`PackState` is immutable (apart from a lock-guarded cache of engines for pack
subsets). Each request takes the current state once and uses it to the end, so a reload never
changes the rules under a request in flight, and a reload that fails leaves the old state in
place and records why.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import orjson

from compliance import Engine, RuleSet, load_rules
from compliance.errors import ComplianceError
from compliance.rules.schema import Rule

__all__ = ["Pack", "PackState", "PackStore", "content_hash", "load_state"]

MAX_CACHED_SUBSETS = 64


def content_hash(rules: Iterable[Rule]) -> str:
    """sha256 (first 16 hex digits) of the rules' canonical JSON, sorted by id: the same
    rules give the same version whatever the file layout; any change gives a new one."""
    h = hashlib.sha256()
    for rule in sorted(rules, key=lambda r: r.id):
        h.update(
            orjson.dumps(rule.model_dump(mode="json", by_alias=True), option=orjson.OPT_SORT_KEYS)
        )
        h.update(b"\n")
    return h.hexdigest()[:16]


@dataclass(frozen=True)
class Pack:
    id: str
    rule_ids: frozenset[str]
    version: str

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "version": self.version, "rules": len(self.rule_ids)}


@dataclass(frozen=True)
class PackState:
    ruleset: RuleSet
    packs: tuple[Pack, ...]
    version: str
    loaded_at: dt.datetime
    default_tz: str | None = None
    _engines: dict[frozenset[str], tuple[Engine, str]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def pack_ids(self) -> list[str]:
        return [p.id for p in self.packs]

    def pack_of(self, rule_id: str) -> str | None:
        """The smallest loaded pack holding the rule (a pack's rules include those of the packs
        it requires, so the smallest is the one that defines it)."""
        holding = [p for p in self.packs if rule_id in p.rule_ids]
        return min(holding, key=lambda p: len(p.rule_ids)).id if holding else None

    def engine_for(self, pack_ids: Sequence[str] | None) -> tuple[Engine, str]:
        """The engine and rules version for a subset of the loaded packs (None: all).
        Raises KeyError naming an unknown pack id."""
        chosen = frozenset(pack_ids) if pack_ids else frozenset(self.pack_ids)
        with self._lock:
            hit = self._engines.get(chosen)
        if hit is not None:
            return hit
        by_id = {p.id: p for p in self.packs}
        unknown = sorted(chosen - set(by_id))
        if unknown:
            raise KeyError(unknown[0])
        ids = frozenset().union(*(by_id[p].rule_ids for p in chosen))
        subset = RuleSet(
            tuple(lr for lr in self.ruleset.loaded if lr.rule.id in ids),
            self.ruleset.vocabulary,
            tuple(p for p in self.pack_ids if p in chosen),
        )
        built = (Engine(subset, default_tz=self.default_tz), content_hash(subset.rules))
        with self._lock:
            if len(self._engines) >= MAX_CACHED_SUBSETS:
                self._engines.clear()
            self._engines[chosen] = built
        return built


def load_state(specs: Sequence[str], default_tz: str | None = None) -> PackState:
    """Load every pack (fail fast, located: file and line) and precompute the full engine."""
    if not specs:
        raise ComplianceError("no rule packs given")
    full = load_rules(*specs)
    packs = tuple(
        Pack(spec, frozenset(r.id for r in one.rules), content_hash(one.rules))
        for spec, one in ((s, load_rules(s)) for s in dict.fromkeys(specs))
    )
    state = PackState(full, packs, content_hash(full.rules), dt.datetime.now(dt.UTC), default_tz)
    state.engine_for(None)  # compile now: a bad calendar or time zone fails at load, not later
    return state


@dataclass
class ReloadOutcome:
    ok: bool
    at: dt.datetime
    version: str
    error: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "at": self.at.isoformat(),
            "version": self.version,
            "error": self.error,
        }


class PackStore:
    """The current :class:`PackState`; ``reload()`` swaps it in one assignment or keeps it."""

    def __init__(self, specs: Sequence[str], default_tz: str | None = None) -> None:
        self.specs = tuple(specs)
        self.default_tz = default_tz
        self._state = load_state(self.specs, default_tz)
        self._reload_lock = threading.Lock()
        self.last_reload: ReloadOutcome | None = None

    @property
    def state(self) -> PackState:
        return self._state

    def reload(self) -> ReloadOutcome:
        """Load the packs again from disk. On any error the old rules stay in service."""
        with self._reload_lock:
            now = dt.datetime.now(dt.UTC)
            try:
                new = load_state(self.specs, self.default_tz)
            except (ComplianceError, ValueError, OSError) as exc:
                self.last_reload = ReloadOutcome(False, now, self._state.version, str(exc))
            else:
                self._state = new
                self.last_reload = ReloadOutcome(True, now, new.version)
            return self.last_reload
