"""Read case timelines from JSON, JSON Lines and long CSV, one case at a time (streaming).

Each reader yields ``Item``s: a raw case dict with the line it started on, or a located error.
Readers know formats, not rules. Bad input never stops the stream.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import orjson
import yaml

from compliance.errors import ComplianceError, TimelineError

__all__ = ["ColumnMapping", "Item", "detect_format", "read_cases"]

MAX_LINE_BYTES = 50_000_000


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
                    case_id=_guess_id(self.raw),
                ),
            )
        return _case_from(obj, self.line, self.source)


@dataclass
class ColumnMapping:
    """How a foreign CSV export maps to the long form (a small YAML file, see docs/guide)."""

    delimiter: str | None = None
    columns: dict[str, str] = field(default_factory=dict)  # our name -> their column
    attrs: dict[str, str] = field(default_factory=dict)  # attr name -> their column
    subject: dict[str, str] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)  # their value -> our event type
    values: dict[str, dict[str, Any]] = field(default_factory=dict)  # attr -> {theirs: ours}
    date_format: str | None = None  # e.g. "%d-%m-%Y" (dates like 01-03-2024)
    decimal_comma: bool = False

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ColumnMapping:
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8-sig")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ComplianceError(f"{path}: cannot read column mapping: {exc}") from None
        if not isinstance(data, dict):
            raise ComplianceError(f"{path}: a column mapping is a YAML mapping")
        allowed = {f.name for f in fields(cls)}
        bad = set(data) - allowed
        if bad:
            raise ComplianceError(f"{path}: unknown mapping key(s) {sorted(bad)}")
        return cls(**data)


def detect_format(path: str) -> str:
    low = path.lower()
    if low.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if low.endswith(".json"):
        return "json"
    if low.endswith((".csv", ".tsv", ".txt")):
        return "csv"
    raise ComplianceError(f"{path}: unknown input format (use .json, .jsonl or .csv)")


def read_cases(
    path: str, fmt: str | None = None, mapping: ColumnMapping | None = None, lazy: bool = False
) -> Iterator[Item]:
    """Items of one input file. ``lazy``: JSON Lines are left unparsed (``Item.parsed()``)."""
    fmt = fmt or detect_format(path)
    if fmt == "jsonl":
        yield from _jsonl(path, lazy)
    elif fmt == "json":
        yield from _json(path)
    elif fmt == "csv":
        yield from _csv(path, mapping or ColumnMapping())
    else:
        raise ComplianceError(f"unknown input format {fmt!r}")


def _open_binary(path: str) -> io.BufferedReader:
    try:
        return open(path, "rb")
    except OSError as exc:
        raise ComplianceError(f"{path}: cannot open: {exc.strerror}") from None


def _case_from(obj: Any, line: int, source: str) -> Item:
    if not isinstance(obj, dict):
        return Item(
            line,
            source,
            error=TimelineError(
                f"expected a case object, got {type(obj).__name__}", line=line, source=source
            ),
        )
    return Item(line, source, case=obj)


def _lines(fh: io.BufferedReader, limit: int) -> Iterator[tuple[int, bytes | None]]:
    """Numbered lines, never holding more than ``limit`` bytes of one line in memory; a longer
    line is skipped to its end and yielded as None."""
    n = 0
    while True:
        raw = fh.readline(limit + 1)
        if not raw:
            return
        n += 1
        if len(raw) > limit and not raw.endswith(b"\n"):
            while True:  # drain the rest of the over-long line
                rest = fh.readline(1 << 20)
                if not rest or rest.endswith(b"\n"):
                    break
            yield n, None
            continue
        yield n, raw


def _jsonl(path: str, lazy: bool = False) -> Iterator[Item]:
    with _open_binary(path) as fh:
        for n, raw in _lines(fh, MAX_LINE_BYTES):
            if raw is None:
                yield Item(
                    n,
                    path,
                    error=TimelineError(
                        f"line longer than {MAX_LINE_BYTES:,} bytes; skipped", line=n, source=path
                    ),
                )
                continue
            if n == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if not raw.strip():
                continue
            item = Item(n, path, raw=raw)
            yield item if lazy else item.parsed()


def _guess_id(raw: bytes) -> str | None:
    import re

    m = re.search(rb'"case_id"\s*:\s*"([^"]{1,64})"', raw)
    return m.group(1).decode("utf-8", "replace") if m else None


def _json(path: str) -> Iterator[Item]:
    with _open_binary(path) as fh:
        data = fh.read()
    try:
        obj = orjson.loads(data.removeprefix(b"\xef\xbb\xbf"))
    except orjson.JSONDecodeError as exc:
        yield Item(1, path, error=TimelineError(f"invalid JSON: {exc}", line=1, source=path))
        return
    if isinstance(obj, list):
        for i, c in enumerate(obj):
            yield _case_from(c, i + 1, path)  # position in the array stands in for the line
    else:
        yield _case_from(obj, 1, path)


_TRUE = {"true", "yes", "ja", "1"}
_FALSE = {"false", "no", "nej", "0"}


def _convert(value: str, mapping: ColumnMapping) -> Any:
    low = value.strip().lower()
    if low in _TRUE - {"1"}:
        return True
    if low in _FALSE - {"0"}:
        return False
    day = _mapped_date(value.strip(), mapping)
    if day is not None:
        return day
    if mapping.decimal_comma and low.replace(",", "", 1).replace("-", "", 1).isdigit():
        return float(low.replace(",", "."))
    return value


def _mapped_date(text: str, mapping: ColumnMapping) -> str | None:
    """``text`` in the mapping's ``date_format`` (e.g. 01-03-2024) as ISO, else None."""
    if not mapping.date_format:
        return None
    try:
        return dt.datetime.strptime(text, mapping.date_format).date().isoformat()
    except ValueError:
        return None


def _at(value: str, mapping: ColumnMapping) -> str:
    v = value.strip()
    return _mapped_date(v, mapping) or v


def _csv(path: str, mapping: ColumnMapping) -> Iterator[Item]:
    try:
        fh = open(path, encoding="utf-8-sig", newline="", errors="surrogateescape")  # noqa: SIM115
    except OSError as exc:
        raise ComplianceError(f"{path}: cannot open: {exc.strerror}") from None
    with fh:
        head = fh.read(8192)
        fh.seek(0)
        delim = mapping.delimiter or (";" if head.count(";") > head.count(",") else ",")
        reader = csv.reader(fh, delimiter=delim)
        try:
            header = next(reader)
        except StopIteration:
            return
        except (csv.Error, UnicodeDecodeError) as exc:
            yield Item(
                1, path, error=TimelineError(f"unreadable CSV header: {exc}", line=1, source=path)
            )
            return
        cols = {name: i for i, name in enumerate(h.strip() for h in header)}

        def col(ours: str) -> int | None:
            return cols.get(mapping.columns.get(ours, ours))

        ci, ei, ti, ai, ri = (col(c) for c in ("case_id", "event_id", "type", "at", "refs"))
        missing = [
            n
            for n, i in zip(("case_id", "event_id", "type", "at"), (ci, ei, ti, ai), strict=True)
            if i is None
        ]
        if missing:
            yield Item(
                1,
                path,
                error=TimelineError(
                    f"CSV header lacks column(s) {missing} (have {list(cols)[:12]}); "
                    "use a column mapping (--mapping)",
                    line=1,
                    source=path,
                ),
            )
            return
        assert ci is not None and ei is not None and ti is not None and ai is not None
        attr_cols = {k[5:]: i for k, i in cols.items() if k.startswith("attr.")}
        attr_cols.update({a: cols[c] for a, c in mapping.attrs.items() if c in cols})
        subj_cols = {k[8:]: i for k, i in cols.items() if k.startswith("subject.")}
        subj_cols.update({a: cols[c] for a, c in mapping.subject.items() if c in cols})

        current: dict[str, Any] | None = None
        start_line = 0
        broken: TimelineError | None = None
        seen: dict[str, int] = {}
        line = 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except (csv.Error, UnicodeDecodeError) as exc:
                line = reader.line_num
                yield Item(
                    line,
                    path,
                    error=TimelineError(f"unreadable CSV row: {exc}", line=line, source=path),
                )
                continue
            line = reader.line_num
            if not row or not any(c.strip() for c in row):
                continue
            if len(row) < len(header):
                row = row + [""] * (len(header) - len(row))
            bad_utf8 = next((c for c in row if _has_surrogates(c)), None)
            case_id = row[ci].strip()
            if current is None or case_id != current["case_id"]:
                if current is not None:
                    yield _finish(current, start_line, path, broken)
                if case_id in seen:
                    broken = TimelineError(
                        f"rows of this case are not contiguous (first block at line {seen[case_id]});"
                        " sort the export by case_id",
                        case_id=case_id,
                        line=line,
                        source=path,
                    )
                else:
                    broken = None
                seen[case_id] = line
                current = {"case_id": case_id, "subject": {}, "events": []}
                start_line = line
                if len(seen) > 1_000_000:
                    seen.clear()
            if not case_id:
                broken = broken or TimelineError("row without case_id", line=line, source=path)
            if bad_utf8 is not None:
                broken = broken or TimelineError(
                    "invalid UTF-8 in this row (export the file as UTF-8)",
                    case_id=case_id.encode("utf-8", "replace").decode() or None,
                    line=line,
                    source=path,
                )
            etype = row[ti].strip()
            etype = mapping.types.get(etype, etype)
            ev: dict[str, Any] = {"id": row[ei].strip(), "type": etype, "at": _at(row[ai], mapping)}
            if ri is not None and row[ri].strip():
                ev["refs"] = [r for r in row[ri].replace("|", " ").replace(",", " ").split() if r]
            attrs = {}
            for k, i in attr_cols.items():
                cell = row[i].strip() if i < len(row) else ""
                if cell:
                    table = mapping.values.get(k)
                    attrs[k] = table[cell] if table and cell in table else _convert(cell, mapping)
            if attrs:
                ev["attrs"] = attrs
            for k, i in subj_cols.items():
                if i < len(row) and row[i].strip():
                    current["subject"][k] = row[i].strip()
            current["events"].append(ev)
        if current is not None:
            yield _finish(current, start_line, path, broken)


def _has_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
        return False
    except UnicodeEncodeError:
        return True


def _finish(case: dict[str, Any], line: int, path: str, broken: TimelineError | None) -> Item:
    if broken is not None:
        return Item(line, path, error=broken)
    return Item(line, path, case=case)
