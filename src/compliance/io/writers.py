"""Writers: findings and reports to files. Know formats, not rules. Writes are atomic:
a report is written to a temporary file and renamed, so an interrupted run never leaves a
half-written report that looks complete. Every value passes through CPR masking."""

from __future__ import annotations

import contextlib
import csv
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import orjson

from compliance.privacy import mask_bytes, mask_obj

__all__ = ["CSV_FIELDS", "atomic_binary", "finding_row", "jsonl_line", "write_csv", "write_xlsx"]

CSV_FIELDS = [
    "case_id",
    "rule",
    "version",
    "kind",
    "status",
    "severity",
    "partition",
    "occurrence",
    "trigger",
    "triggered_at",
    "anchored_at",
    "due",
    "satisfied_by",
    "satisfied_at",
    "lateness_days",
    "precision",
    "count",
    "law",
    "ref",
    "explain",
]


@contextlib.contextmanager
def atomic_binary(path: str | None) -> Iterator[IO[bytes]]:
    """Yield a binary handle; for a path, write to a temp file and rename when done."""
    if path is None or path == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; a report gets normal permissions
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def jsonl_line(obj: dict[str, Any]) -> bytes:
    return mask_bytes(orjson.dumps(obj)) + b"\n"


def finding_row(f: dict[str, Any]) -> dict[str, Any]:
    row = {k: f.get(k) for k in CSV_FIELDS if k in f}
    src = f.get("source") or {}
    row["law"] = src.get("law") or src.get("document")
    row["ref"] = src.get("ref") or src.get("municipality")
    row["explain"] = " | ".join(f.get("explain") or [])
    return mask_obj(row)  # type: ignore[no-any-return]


def write_csv(fh: IO[bytes], rows: list[dict[str, Any]], fields: list[str]) -> None:
    import io

    text = io.TextIOWrapper(fh, encoding="utf-8", newline="", write_through=True)
    w = csv.DictWriter(text, fieldnames=fields, extrasaction="ignore")
    w.writeheader()
    for r in rows:
        w.writerow(mask_obj(r))
    text.flush()
    text.detach()


def write_xlsx(path: str, sheets: dict[str, tuple[list[str], list[list[Any]]]]) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for name, (header, rows) in sheets.items():
        ws = wb.create_sheet(title=name[:31])
        ws.append(header)
        for r in rows:
            ws.append([mask_obj(v) if isinstance(v, str) else v for v in r])
    with atomic_binary(path) as fh:
        wb.save(fh)
