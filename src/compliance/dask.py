"""National-scale runs on Dask: evaluate case-partitioned Parquet in parallel, on any cluster.

The audit is a pure function per case, so it maps over a Dask DataFrame of events without any
home-made distribution: each partition is grouped by ``case_id``, each case evaluated by an
``Engine`` built once per worker process, and the partition's result is a DataFrame with one
row per finding, one ``evaluated`` row per case and one ``rejected`` row per broken case — so
totals reconcile across the cluster exactly as in ``compliance audit``.

Input: the long form of docs/reference/timelines.md as Parquet — columns ``case_id, event_id, type, at`` (ISO
8601 text or timezone-aware timestamps), optional ``refs`` (ids separated by spaces, ``|`` or ``,``),
``attr.<name>`` and ``subject.<name>``. **All rows of a case must be in one partition**
(write the files partitioned by case, e.g. with :func:`write_parquet_corpus`);
:func:`check_partitioning` verifies it.

    from dask.distributed import Client
    from compliance.dask import audit_parquet, summarize
    client = Client(n_workers=8)                       # or an existing cluster's address
    out = audit_parquet("s3://bucket/cases/", rules=("dk",), as_of="2025-06-30")
    out.to_parquet("findings/")                        # or: summarize(out)

Needs the optional dependencies: ``pip install 'casework-compliance[dask]'``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import dask.dataframe as dd
import pandas as pd

from compliance.engine import Engine
from compliance.errors import ComplianceError, TimelineError
from compliance.outputs.rows import FINDING_COLUMNS, finding_row
from compliance.privacy import mask_cpr
from compliance.rules.load import load_rules
from compliance.sources.long_form import (
    ATTR_PREFIX,
    SUBJECT_PREFIX,
    CaseAssembler,
    LongFormRow,
    prefixed,
)

__all__ = [
    "COLUMNS",
    "audit_parquet",
    "check_partitioning",
    "evaluate_frame",
    "summarize",
    "write_parquet_corpus",
]

_INTEGER_COLUMNS = {"occurrence", "lateness_days", "count"}
COLUMNS: dict[str, str] = {  # record: finding | evaluated | rejected; reason: why rejected
    "record": "string",
    **{c: "Int64" if c in _INTEGER_COLUMNS else "string" for c in FINDING_COLUMNS},
    "reason": "string",
}


@lru_cache(maxsize=8)
def _engine(rules: tuple[str, ...], default_tz: str | None) -> Engine:
    return Engine(load_rules(*rules), default_tz=default_tz)


def _scalar(v: Any) -> Any:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, pd.Timestamp):
        return v.isoformat() if v.tzinfo is not None else v.date().isoformat()
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat()
    if hasattr(v, "item"):  # numpy scalars
        return v.item()
    return v


def _case(case_id: str, rows: pd.DataFrame) -> dict[str, Any]:
    """The long-form rows of one case as a timeline (the same conversion as for CSV)."""
    attr_columns = prefixed({c: c for c in rows.columns}, ATTR_PREFIX)
    subject_columns = prefixed({c: c for c in rows.columns}, SUBJECT_PREFIX)
    assembler = CaseAssembler(case_id)
    for record in rows.to_dict("records"):
        values = {column: _scalar(value) for column, value in record.items()}
        refs = values.get("refs")
        assembler.add(
            LongFormRow(
                event_id=values.get("event_id"),
                type=values.get("type"),
                at=values.get("at"),
                refs=str(refs) if refs else None,
                attrs={a: values[c] for a, c in attr_columns.items() if values[c] is not None},
                subject={k: values[c] for k, c in subject_columns.items() if values[c] is not None},
            )
        )
    return assembler.case


def evaluate_frame(
    df: pd.DataFrame, rules: Sequence[str], as_of: str, default_tz: str | None = None
) -> pd.DataFrame:
    """Evaluate every case in one partition (a pandas DataFrame of events). Pure."""
    engine = _engine(tuple(rules), default_tz)
    out: list[dict[str, Any]] = []
    if len(df):
        for case_id, rows in df.groupby("case_id", sort=True):
            cid = str(case_id)
            try:
                res = engine.evaluate(_case(cid, rows), as_of=as_of)
            except TimelineError as exc:
                reason = f"{exc.location}: {exc.reason}" if exc.location else exc.reason
                out.append(
                    {"record": "rejected", "case_id": mask_cpr(cid), "reason": mask_cpr(reason)}
                )
                continue
            except ComplianceError as exc:
                out.append(
                    {"record": "rejected", "case_id": mask_cpr(cid), "reason": mask_cpr(str(exc))}
                )
                continue
            out.append({"record": "evaluated", "case_id": mask_cpr(cid)})
            out += [{"record": "finding", **finding_row(f.to_dict())} for f in res.findings]
    frame = pd.DataFrame(out, columns=list(COLUMNS))
    return frame.astype(COLUMNS)


def audit_parquet(
    source: str | dd.DataFrame, rules: Sequence[str], as_of: str, *, default_tz: str | None = None
) -> dd.DataFrame:
    """A lazy Dask DataFrame of findings, ``evaluated`` and ``rejected`` records."""
    # never split a file across partitions (a case must stay whole); combining files is fine
    ddf = dd.read_parquet(source, split_row_groups=False) if isinstance(source, str) else source
    meta = pd.DataFrame({k: pd.Series(dtype=v) for k, v in COLUMNS.items()})
    load_rules(*rules)  # fail fast, here, on a bad rule pack
    result: dd.DataFrame = ddf.map_partitions(
        evaluate_frame, tuple(rules), as_of, default_tz, meta=meta
    )
    return result


def summarize(result: dd.DataFrame | pd.DataFrame) -> dict[str, Any]:
    """Reconciliation and counts: cases read = evaluated + rejected; findings per status."""
    records = result[["record", "status"]]
    frame = records.compute() if isinstance(records, dd.DataFrame) else records  # type: ignore[no-untyped-call]
    evaluated = int((frame["record"] == "evaluated").sum())
    rejected = int((frame["record"] == "rejected").sum())
    findings = frame[frame["record"] == "finding"]["status"].value_counts().to_dict()
    return {
        "cases_read": evaluated + rejected,
        "evaluated": evaluated,
        "rejected": rejected,
        "findings": {str(k): int(v) for k, v in sorted(findings.items())},
    }


def check_partitioning(source: str | Path) -> list[str]:
    """Case ids found in more than one Parquet file (must be empty). Dask may combine whole
    files into one partition, which keeps cases intact; a case split across files is not."""
    import pyarrow.dataset as ds

    seen: dict[str, str] = {}
    split: set[str] = set()
    for fragment in ds.dataset(str(source), format="parquet").get_fragments():
        ids = fragment.to_table(columns=["case_id"]).column("case_id").unique().to_pylist()
        for cid in ids:
            key = str(cid)
            if key in seen and seen[key] != fragment.path:
                split.add(key)
            seen.setdefault(key, fragment.path)
    return sorted(split)


def write_parquet_corpus(
    cases: Iterable[dict[str, Any]], path: str | Path, partitions: int = 8
) -> Path:
    """Write timelines as case-partitioned long-form Parquet (``part-<n>.parquet`` files)."""
    import zlib

    import pyarrow as pa
    import pyarrow.parquet as pq

    buckets: list[list[dict[str, Any]]] = [[] for _ in range(partitions)]
    for case in cases:
        b = zlib.crc32(str(case["case_id"]).encode()) % partitions
        subject = {f"subject.{k}": v for k, v in (case.get("subject") or {}).items()}
        for ev in case.get("events", []):
            row = {
                "case_id": str(case["case_id"]),
                "event_id": ev.get("id"),
                "type": ev.get("type"),
                "at": ev.get("at"),
                "refs": " ".join(ev.get("refs") or []) or None,
                **subject,
            }
            row.update(
                {
                    f"attr.{k}": (v if isinstance(v, bool | int | float) else str(v))
                    for k, v in (ev.get("attrs") or {}).items()
                }
            )
            buckets[b].append(row)
    root = Path(path)
    root.mkdir(parents=True, exist_ok=True)
    columns = sorted({k for rows in buckets for r in rows for k in r})
    for i, rows in enumerate(buckets):
        table = pa.Table.from_pylist([{c: r.get(c) for c in columns} for r in rows])
        pq.write_table(table, root / f"part-{i:04d}.parquet")
    return root
