"""Parquet exports (pyarrow), read a batch at a time so memory stays flat.

Each row is yielded with its location ``row group G row R`` (both 1-based; R counts within the
row group), which is how a row is found again with any Parquet tool. Values are Python objects
as pyarrow gives them: timestamps with a time zone are aware datetimes, dates are dates.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from compliance.errors import ComplianceError
from compliance.sources.item import Item
from compliance.sources.options import ReadOptions
from compliance.sources.rows import Row, check_header

__all__ = ["parquet_rows", "read"]

BATCH_ROWS = 65_536


def _open(path: str) -> Any:
    try:
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover - depends on the installation
        raise ComplianceError(
            "reading Parquet needs pyarrow: pip install 'casework-compliance[sources]'"
        ) from None
    try:
        return pq.ParquetFile(path)
    except OSError as exc:
        raise ComplianceError(f"{path}: cannot read as Parquet: {exc}") from None
    except Exception as exc:  # pyarrow raises ArrowInvalid for a file that is not Parquet
        raise ComplianceError(f"{path}: cannot read as Parquet: {exc}") from None


def parquet_rows(
    path: str, columns: Sequence[str] | None = None, batch_rows: int = BATCH_ROWS
) -> Iterator[Row]:
    """The rows of a Parquet file, row group by row group, ``batch_rows`` at a time.

    ``columns``: read only these (the others are never decoded); a missing one is an error.
    """
    pf = _open(path)
    names = list(pf.schema_arrow.names)
    check_header(names, path, "schema")
    if columns is not None:
        missing = [c for c in columns if c not in names]
        if missing:
            raise ComplianceError(f"{path}: no column(s) {missing} (have {names[:12]})")
    wanted = list(columns) if columns is not None else None
    for group in range(pf.num_row_groups):
        r = 0
        for batch in pf.iter_batches(batch_size=batch_rows, row_groups=[group], columns=wanted):
            for values in batch.to_pylist():
                r += 1
                yield Row(values, path, f"row group {group + 1} row {r}")


def read(path: str, options: ReadOptions) -> Iterator[Item]:
    """The cases of a Parquet export, through the mapping like any table."""
    from compliance.sources.table import table_items

    yield from table_items(parquet_rows(path), path, options.mapping)
