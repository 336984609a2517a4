"""JSON (``.json``): one case object, or an array of them (read whole)."""

from __future__ import annotations

from collections.abc import Iterator

import orjson

from compliance.sources.item import Item, case_item, error_item, open_binary
from compliance.sources.options import ReadOptions

__all__ = ["read"]


def read(path: str, options: ReadOptions) -> Iterator[Item]:
    with open_binary(path) as fh:
        data = fh.read()
    try:
        obj = orjson.loads(data.removeprefix(b"\xef\xbb\xbf"))
    except orjson.JSONDecodeError as exc:
        yield error_item(f"invalid JSON: {exc}", 1, path)
        return
    if isinstance(obj, list):
        for position, case in enumerate(obj, 1):
            yield case_item(case, position, path)  # the position stands in for the line
    else:
        yield case_item(obj, 1, path)
