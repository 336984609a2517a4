"""Sources: every input format, chosen by one table.

A format is one module here with ``read(path: str, options: ReadOptions) -> Iterator[Item]``
and one row in ``SOURCES`` (its name for --input-format and the file endings it is detected
by). The module is imported only when a file of that format is read."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from compliance.errors import ComplianceError
from compliance.sources.item import Item
from compliance.sources.mapping import ColumnMapping
from compliance.sources.options import ReadOptions

__all__ = [
    "SOURCES",
    "ColumnMapping",
    "Item",
    "ReadOptions",
    "Source",
    "detect_format",
    "is_database_url",
    "read_cases",
    "source_named",
]

Reader = Callable[[str, ReadOptions], Iterator[Item]]


@dataclass(frozen=True)
class Source:
    name: str  # the --input-format value
    module: str  # compliance.sources.<module> defines read(path, options)
    endings: tuple[str, ...]  # lower-case file name endings detected as this format

    def reader(self) -> Reader:
        read: Reader = importlib.import_module(f"compliance.sources.{self.module}").read
        return read


SOURCES = (
    Source("json", "json", (".json",)),
    Source("jsonl", "jsonl", (".jsonl", ".ndjson")),
    Source("csv", "csv", (".csv", ".tsv", ".txt")),
    Source("xes", "xes", (".xes", ".xes.gz", ".xes.zip")),
    Source("xlsx", "spreadsheet", (".xlsx", ".xlsm")),
    Source("parquet", "parquet", (".parquet", ".pq")),
    Source("sql", "sql", ()),  # a database URL (sqlite:///x.db, postgresql+psycopg://...)
)


def source_named(name: str) -> Source:
    for source in SOURCES:
        if source.name == name:
            return source
    raise ComplianceError(f"unknown input format {name!r}")


def detect_format(path: str) -> str:
    """The format of ``path``: ``sql`` for a database URL, else by its ending."""
    if is_database_url(path):
        return "sql"
    low = path.lower()
    for source in SOURCES:
        if low.endswith(source.endings):
            return source.name
    endings = [source.endings[0] for source in SOURCES if source.endings]
    raise ComplianceError(
        f"{path}: unknown input format (use {', '.join(endings)} or a database URL, "
        "or name it with --input-format)"
    )


def is_database_url(text: str) -> bool:
    """``sqlite:///cases.db``, ``postgresql+psycopg://...``: a SQL source, not a file."""
    scheme, sep, _ = text.partition("://")
    return bool(sep) and scheme.replace("+", "").replace("_", "").isalnum() and len(scheme) > 1


def read_cases(
    path: str,
    input_format: str | None = None,
    mapping: ColumnMapping | None = None,
    lazy: bool = False,
) -> Iterator[Item]:
    """Items of one input file. ``lazy``: JSON Lines are left unparsed (``Item.parsed()``)."""
    source = source_named(input_format or detect_format(path))
    yield from source.reader()(path, ReadOptions(mapping=mapping, lazy=lazy))
