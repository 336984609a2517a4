"""Duplicate keys in a JSON object (``{"type": "a", "type": "b"}``) are valid JSON syntax, and
every parser silently keeps one of the values; a case built from such an export would be judged
on data the export did not clearly say. The readers reject such a case, naming the key and where
it is (``events[3].attrs``).

Checking every object with ``object_pairs_hook`` would slow the fast path (orjson) several
times over, so the check is two-staged: the number of keys the text spells (``":`` — a key's
closing quote and its colon; inside a JSON string a quote is always escaped, so only keys
produce it) is compared with the number of keys the parsed objects hold (counted the same way
in orjson's compact re-serialisation of the parsed value, which has one ``"key":`` per key
kept). Only when the two
differ — a duplicate, or unusual spacing such as ``"key" :`` — is the text parsed again with
the standard library's ``object_pairs_hook`` to find the duplicate exactly. The measured cost is
in docs/performance.md (sources).
"""

from __future__ import annotations

import json
from typing import Any

import orjson

__all__ = ["duplicate_key", "key_count", "spelled_keys"]


def spelled_keys(raw: bytes | str) -> int:
    """How many object keys the JSON text spells, for well-formatted text: each ``":`` outside a
    string, i.e. not preceded by the backslash of an escaped quote."""
    if isinstance(raw, str):
        return raw.count('":') - raw.count('\\":')
    return raw.count(b'":') - raw.count(b'\\":')


def key_count(obj: Any) -> int:
    """The number of keys in all objects of a parsed JSON value: counted in its compact
    re-serialisation (orjson, a few microseconds per case), which spells every key as
    ``"key":`` — a walk over the objects in Python costs ten times more."""
    try:
        return spelled_keys(orjson.dumps(obj))
    except TypeError:  # a value orjson cannot write (an integer beyond 64 bits): walk
        return _walked_key_count(obj)


def _walked_key_count(obj: Any) -> int:
    count = 0
    stack = [obj]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            count += len(value)
            stack.extend(v for v in value.values() if isinstance(v, dict | list))
        elif isinstance(value, list):
            stack.extend(v for v in value if isinstance(v, dict | list))
    return count


class _Pairs(dict[str, Any]):
    """An object as parsed with its repeated keys (in order of their second appearance)."""

    repeated: list[str]


def _pairs(pairs: list[tuple[str, Any]]) -> _Pairs:
    obj = _Pairs()
    obj.repeated = []
    for key, value in pairs:
        if key in obj and key not in obj.repeated:
            obj.repeated.append(key)
        obj[key] = value
    return obj


def duplicate_key(raw: bytes | str, parsed: Any) -> str | None:
    """A description of the first duplicate key in ``raw`` (the text ``parsed`` came from):
    ``duplicate key 'type' in events[3]``; None when there is none. Cheap unless the counts
    differ (see the module's docstring)."""
    if spelled_keys(raw) == key_count(parsed):
        return None
    try:
        exact = json.loads(raw, object_pairs_hook=_pairs)
    except ValueError:
        return None  # the fast parser read it; leave syntax errors to it
    found = _first_repeated(exact, "")
    if found is None:
        return None
    path, key = found
    where = f" in {path}" if path else " in the case object"
    return f"duplicate key {key!r}{where} (JSON keeps only one of its values)"


def _first_repeated(value: Any, path: str) -> tuple[str, str] | None:
    """(path, key) of the first object (depth first, in document order) with a repeated key."""
    if isinstance(value, _Pairs):
        if value.repeated:
            return path, value.repeated[0]
        for key, child in value.items():
            found = _first_repeated(child, f"{path}.{key}" if path else key)
            if found is not None:
                return found
    elif isinstance(value, list):
        for i, child in enumerate(value):
            found = _first_repeated(child, f"{path}[{i}]")
            if found is not None:
                return found
    return None
