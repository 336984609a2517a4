"""What every reader yields: an ``Item`` — one case as read, with the line it started on, or a
located error. Readers know formats, not rules; bad input becomes an error item, never an
exception that stops the stream (only an unopenable file stops it)."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

import orjson

from compliance.errors import ComplianceError, TimelineError
from compliance.sources.duplicate_keys import duplicate_key

__all__ = ["Item", "case_item", "error_item", "open_binary"]

_CASE_ID_IN_JSON = re.compile(rb'"case_id"\s*:\s*"([^"]{1,64})"')


@dataclass(slots=True)
class Item:
    """One case as read: parsed (``case``), still raw JSON (``raw``, parsed where it is
    evaluated — in a worker process with --workers), or a located error."""

    line: int
    source: str
    case: dict[str, Any] | None = None
    error: TimelineError | None = None
    raw: bytes | None = None

    def parsed(self) -> Item:
        if self.raw is None:
            return self
        try:
            obj = orjson.loads(self.raw)
        except orjson.JSONDecodeError as exc:
            return Item(
                self.line,
                self.source,
                error=TimelineError(
                    f"invalid JSON: {exc}",
                    line=self.line,
                    source=self.source,
                    case_id=_case_id_in(self.raw),
                ),
            )
        return case_item(obj, self.line, self.source, self.raw)


def error_item(reason: str, line: int, source: str, case_id: str | None = None) -> Item:
    """An item that is only a located error."""
    return Item(
        line, source, error=TimelineError(reason, case_id=case_id, line=line, source=source)
    )


def case_item(obj: Any, line: int, source: str, raw: bytes | str | None = None) -> Item:
    """``obj`` as a case, or an error if it is not a JSON object or (given the ``raw`` text it
    was parsed from) an object in it repeats a key."""
    if not isinstance(obj, dict):
        return error_item(f"expected a case object, got {type(obj).__name__}", line, source)
    if raw is not None and (duplicate := duplicate_key(raw, obj)) is not None:
        case_id = obj.get("case_id")
        return error_item(duplicate, line, source, case_id if isinstance(case_id, str) else None)
    return Item(line, source, case=obj)


def _case_id_in(raw: bytes) -> str | None:
    """The case id of unparseable JSON, where a regex can still see it (for the error record)."""
    found = _CASE_ID_IN_JSON.search(raw)
    return found.group(1).decode("utf-8", "replace") if found else None


def open_binary(path: str) -> io.BufferedReader:
    try:
        return open(path, "rb")
    except OSError as exc:
        raise ComplianceError(f"{path}: cannot open: {exc.strerror}") from None
