"""JSON Lines (``.jsonl``, ``.ndjson``): one case object per line, streamed.

With ``lazy`` the lines are left unparsed (``Item.raw``) so that parsing happens where the case
is evaluated — in a worker process with --workers."""

from __future__ import annotations

import io
from collections.abc import Iterator

from compliance.sources.item import Item, error_item, open_binary
from compliance.sources.options import ReadOptions

__all__ = ["MAX_LINE_BYTES", "numbered_lines", "read"]

MAX_LINE_BYTES = 50_000_000
_BOM = b"\xef\xbb\xbf"


def read(path: str, options: ReadOptions) -> Iterator[Item]:
    with open_binary(path) as fh:
        for number, raw in numbered_lines(fh, MAX_LINE_BYTES):
            if raw is None:
                yield error_item(
                    f"line longer than {MAX_LINE_BYTES:,} bytes; skipped", number, path
                )
                continue
            if number == 1 and raw.startswith(_BOM):
                raw = raw[len(_BOM) :]
            if not raw.strip():
                continue
            item = Item(number, path, raw=raw)
            yield item if options.lazy else item.parsed()


def numbered_lines(fh: io.BufferedReader, limit: int) -> Iterator[tuple[int, bytes | None]]:
    """Numbered lines, never holding more than ``limit`` bytes of one line in memory; a longer
    line is skipped to its end and yielded as None."""
    number = 0
    while True:
        raw = fh.readline(limit + 1)
        if not raw:
            return
        number += 1
        if len(raw) > limit and not raw.endswith(b"\n"):
            while True:  # drain the rest of the over-long line
                rest = fh.readline(1 << 20)
                if not rest or rest.endswith(b"\n"):
                    break
            yield number, None
            continue
        yield number, raw
