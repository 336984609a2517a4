"""Delimited text (``.csv``, ``.tsv``, ``.txt``): one event per row, any delimiter, quoting and
encoding (:mod:`compliance.sources.encoding`: the mapping's ``encoding:``, a BOM, and a located
error naming the likely encoding when the bytes do not decode). Rows of a case may be anywhere
in the file (:mod:`compliance.sources.table` groups them)."""

from __future__ import annotations

from collections.abc import Iterator

from compliance.sources.encoding import delimited_rows
from compliance.sources.item import Item
from compliance.sources.options import ReadOptions
from compliance.sources.table import table_items

__all__ = ["read"]


def read(path: str, options: ReadOptions) -> Iterator[Item]:
    mapping = options.mapping
    rows = delimited_rows(
        path,
        encoding=mapping.encoding if mapping else None,
        delimiter=mapping.delimiter if mapping else None,
    )
    yield from table_items(rows, path, mapping)
