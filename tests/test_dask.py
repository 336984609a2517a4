"""The Dask path, tested on a small local cluster (worker processes on loopback)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from compliance import Engine, load_rules
from compliance.dask import (
    audit_parquet,
    check_partitioning,
    evaluate_frame,
    summarize,
    write_parquet_corpus,
)
from compliance.demo import generate


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    cases = list(generate(400, seed=21, broken_rate=0.02))
    path = write_parquet_corpus(cases, tmp_path_factory.mktemp("pq") / "cases", partitions=6)
    return path, cases


def expected(cases: list[dict]) -> tuple[set[tuple], int]:
    eng = Engine(load_rules("dk"))
    found, rejected = set(), 0
    for c in cases:
        try:
            res = eng.evaluate(json.loads(json.dumps(c)), as_of="2025-06-30")
        except Exception:
            rejected += 1
            continue
        found |= {
            (f.case_id, f.rule, f.partition, f.occurrence, f.status, f.due) for f in res.findings
        }
    return found, rejected


def test_local_cluster_matches_the_engine(corpus: tuple[Path, list[dict]]) -> None:
    from dask.distributed import Client, LocalCluster

    path, cases = corpus
    assert check_partitioning(str(path)) == []
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster),
    ):
        result = audit_parquet(str(path), rules=("dk",), as_of="2025-06-30").compute()
    summary = summarize(result)
    want, want_rejected = expected(cases)
    assert summary["cases_read"] == len(cases) == summary["evaluated"] + summary["rejected"]
    assert summary["rejected"] == want_rejected > 0
    got = {
        (
            r.case_id,
            r.rule,
            None if pd.isna(r.partition) else r.partition,
            None if pd.isna(r.occurrence) else int(r.occurrence),
            r.status,
            r.due,
        )
        for r in result[result.record == "finding"].itertuples()
    }
    assert got == want
    assert set(result[result.record == "rejected"]["reason"].dropna()) != set()


def test_split_case_is_detected(tmp_path: Path) -> None:
    rows = pd.DataFrame(
        {
            "case_id": ["a", "a"],
            "event_id": ["e1", "e2"],
            "type": ["notification_received"] * 2,
            "at": ["2024-03-01", "2024-03-02"],
        }
    )
    rows.iloc[:1].to_parquet(tmp_path / "p0.parquet")
    rows.iloc[1:].to_parquet(tmp_path / "p1.parquet")
    assert check_partitioning(str(tmp_path)) == ["a"]


def test_evaluate_frame_is_pure_and_typed() -> None:
    df = pd.DataFrame(
        {
            "case_id": ["c"],
            "event_id": ["e1"],
            "type": ["notification_received"],
            "at": [pd.Timestamp("2024-03-01T14:05:00+01:00")],
            "attr.reporter": ["professional"],
        }
    )
    out = evaluate_frame(df, ("dk",), "2024-03-05")
    assert list(out.record) == ["evaluated", "finding", "finding"]
    assert set(out.rule.dropna()) == {"dk.notification.assess", "dk.notification.acknowledge"}
    assert out.equals(evaluate_frame(df, ("dk",), "2024-03-05"))


def test_parquet_rows_become_the_same_case_as_csv_rows(tmp_path: Path) -> None:
    """One long-form conversion: refs separated by ',' or '|' mean the same in both formats."""
    from typer.testing import CliRunner

    from compliance.cli import app

    rows = pd.DataFrame(
        {
            "case_id": ["c", "c", "c"],
            "event_id": ["e1", "e2", "e3"],
            "type": ["notification_received", "notification_received", "notification_assessed"],
            "at": ["2024-03-01T10:00:00+01:00", "2024-03-01T11:00:00+01:00", "2024-03-02"],
            "refs": [None, None, "e1, e2"],
            "attr.reporter": ["professional", "citizen", None],
        }
    )
    frame = evaluate_frame(rows, ("dk",), "2024-03-05")
    assert list(frame.record[:1]) == ["evaluated"]
    csv_path = tmp_path / "c.csv"
    rows.to_csv(csv_path, index=False)
    res = CliRunner().invoke(app, ["audit", str(csv_path), "--as-of", "2024-03-05"])
    assert res.exit_code == 0, res.output
    from_csv = sorted(
        (d["rule"], d["status"], d["due"]) for d in map(json.loads, res.stdout.splitlines())
    )
    findings = frame[frame.record == "finding"]
    from_parquet = sorted(zip(findings.rule, findings.status, findings.due, strict=True))
    assert from_parquet == from_csv
    assert ("dk.notification.assess", "met") in {(r, s) for r, s, _ in from_parquet}
