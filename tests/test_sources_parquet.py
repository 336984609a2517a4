from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from compliance.errors import ComplianceError
from compliance.sources.parquet import parquet_rows


@pytest.fixture
def export(tmp_path: Path) -> str:
    n = 25
    table = pa.table(
        {
            "case:concept:name": [f"C{i % 4}" for i in range(n)],
            "concept:name": ["Create Fine" if i < 4 else "Payment" for i in range(n)],
            "time:timestamp": pa.array(
                [dt.datetime(2024, 3, 1 + i, 9, tzinfo=dt.UTC) for i in range(n)],
                pa.timestamp("us", tz="UTC"),
            ),
            "amount": [float(i) for i in range(n)],
        }
    )
    path = tmp_path / "log.parquet"
    pq.write_table(table, path, row_group_size=10)  # row groups of 10, 10 and 5 rows
    return str(path)


def test_rows_with_row_group_locations_across_batches(export: str) -> None:
    rows = list(parquet_rows(export, batch_rows=4))
    assert len(rows) == 25
    assert [r.location for r in rows[9:12]] == [
        "row group 1 row 10",
        "row group 2 row 1",
        "row group 2 row 2",
    ]
    assert rows[-1].location == "row group 3 row 5"
    assert rows[11].values == {
        "case:concept:name": "C3",
        "concept:name": "Payment",
        "time:timestamp": dt.datetime(2024, 3, 12, 9, tzinfo=dt.UTC),
        "amount": 11.0,
    }
    assert all(r.source == export for r in rows)


def test_only_the_named_columns_are_read(export: str) -> None:
    rows = list(parquet_rows(export, columns=["case:concept:name", "amount"]))
    assert rows[0].values == {"case:concept:name": "C0", "amount": 0.0}
    with pytest.raises(ComplianceError, match=r"no column\(s\) \['Sagsnr'\]"):
        list(parquet_rows(export, columns=["Sagsnr"]))


def test_a_file_that_is_not_parquet_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "log.parquet"
    path.write_text("not parquet", encoding="utf-8")
    with pytest.raises(ComplianceError, match="cannot read as Parquet"):
        list(parquet_rows(str(path)))
    with pytest.raises(ComplianceError, match="cannot read as Parquet"):
        list(parquet_rows(str(tmp_path / "missing.parquet")))
