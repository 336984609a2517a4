"""``compliance audit --engine columnar --workers N`` through the CLI, in subprocesses (a fork
after this test process ran polars would hang: see ``columnar.run._fork_is_safe``): byte for
byte the output of ``--engine case`` and of one process, error records included; the same
per-rule path counts; interruption as with the per-case workers."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from compliance.demo import generate
from processes import children, running

pytest.importorskip("polars")

ROOT = Path(__file__).resolve().parent.parent
EXE = str(Path(sys.executable).parent / "compliance")
DEMO = str(ROOT / "fixtures" / "demo" / "cases.jsonl")
AS_OF = "2025-06-30"
OVERSIZED_LINE = 301  # in the second chunk a worker gets (250, 500, ... cases)


def audit(corpus: str | Path, out: Path, *more: str) -> str:
    """The audit's stderr (rejected cases, the reconciliation and path lines); exit 0."""
    args = [EXE, "audit", str(corpus), "--rules", "dk", "--as-of", AS_OF, "-o", str(out), *more]
    res = subprocess.run(args, capture_output=True, text=True, timeout=600, check=False)
    assert res.returncode == 0, res.stderr
    return res.stderr


def write_corpus(path: Path, n: int, seed: int, broken_rate: float = 0.0) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for i, case in enumerate(generate(n, seed=seed, broken_rate=broken_rate), 1):
            if i == OVERSIZED_LINE:
                events = [
                    {"id": f"x{k}", "type": "note", "at": "2024-01-01"} for k in range(100_001)
                ]
                fh.write(json.dumps({"case_id": "HUGE-1", "events": events}) + "\n")
            elif i == OVERSIZED_LINE + 7:
                fh.write('{"case_id": "BAD-JSON", "events": [\n')
            else:
                fh.write(json.dumps(case) + "\n")
    return path


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[bytes, str]]:
    """The demo corpus (2,000 cases: chunks of 250, 500, 1,000 and 250 with workers) audited
    to JSON Lines by the per-case engine, the columnar path alone and with two workers."""
    d = tmp_path_factory.mktemp("demo")
    runs = {
        "case": ("--engine", "case"),
        "columnar": ("--engine", "columnar"),
        "columnar-2": ("--engine", "columnar", "--workers", "2"),
    }
    found = {}
    for name, more in runs.items():
        out = d / f"{name}.jsonl"
        err = audit(DEMO, out, *more)
        found[name] = (out.read_bytes(), err)
    return found


def test_demo_corpus_two_workers_write_the_same_bytes(demo: dict[str, tuple[bytes, str]]) -> None:
    case, columnar, workers = demo["case"][0], demo["columnar"][0], demo["columnar-2"][0]
    assert len(case) > 1_000_000 and case.count(b"\n") > 10_000
    assert workers == columnar == case


def test_demo_corpus_two_workers_say_the_same_on_stderr(
    demo: dict[str, tuple[bytes, str]],
) -> None:
    """The same rejected cases and reconciliation, and the same per-rule path counts."""
    case, columnar, workers = demo["case"][1], demo["columnar"][1], demo["columnar-2"][1]
    assert "cases read 2000 = evaluated 1998 + rejected 2 (reconciled)" in case
    assert workers == columnar and workers.startswith(case.rstrip("\n"))
    assert "engine: dk.notification.assess: columnar " in workers


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """700 cases, some broken, one not JSON and one over the event budget, audited to the
    JSON document (findings, error records, summary) three ways, with --progress on."""
    d = tmp_path_factory.mktemp("broken")
    corpus = write_corpus(d / "cases.jsonl", 700, seed=21, broken_rate=0.05)
    runs = {
        "case": ("--engine", "case"),
        "columnar": ("--engine", "columnar"),
        "columnar-2": ("--engine", "columnar", "--workers", "2", "--progress"),
    }
    found = {}
    for name, more in runs.items():
        out = d / f"{name}.json"
        err = audit(corpus, out, "--format", "json", *more)
        found[name] = {"doc": json.loads(out.read_bytes()), "stderr": err, "raw": out.read_bytes()}
    assert "engine" not in found["case"]["doc"]["summary"]
    return found


def test_broken_and_oversized_cases_give_the_same_error_records(
    broken: dict[str, dict[str, Any]],
) -> None:
    case, workers = broken["case"], broken["columnar-2"]
    for needle in ("HUGE-1: 100001 events, over the per-case budget", "invalid JSON"):
        assert needle in case["stderr"] and needle in workers["stderr"]
    doc = json.loads(workers["raw"])  # a copy: the fixture's is shared
    summary = doc["summary"]
    assert summary["reconciles"] and summary["cases_read"] == 700
    assert summary["rejected"] > 20 and summary["evaluated"] + summary["rejected"] == 700
    paths = summary.pop("engine")
    assert doc == case["doc"]
    assert paths["dk.notification.assess"]["columnar_cases"] > 100


def test_two_workers_give_the_one_process_document_and_path_counts(
    broken: dict[str, dict[str, Any]],
) -> None:
    one, two = broken["columnar"], broken["columnar-2"]
    assert two["raw"] == one["raw"]  # the summary's per-rule path counts included
    engine = two["doc"]["summary"]["engine"]
    for rule, p in engine.items():  # every case read counts once per rule judged for it
        assert p["columnar_cases"] + p["case_cases"] <= 700, rule
    assert engine["dk.placement.renewal"]["case_cases"] == 700


def test_interrupted_columnar_workers_stop_cleanly(tmp_path: Path) -> None:
    """As tests/test_hardening_io.py's per-case workers: exit 130/143, no traceback, no
    report, no partial file, no worker left running."""
    data = write_corpus(tmp_path / "c.jsonl", 6_000, seed=5)
    for sig in (signal.SIGINT, signal.SIGTERM):
        out = tmp_path / f"r{sig}.json"
        args = ["audit", str(data), "--as-of", AS_OF, "--format", "json", "-o", str(out)]
        proc = subprocess.Popen(
            [EXE, *args, "--engine", "columnar", "--workers", "2"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while len(children(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        workers = children(proc.pid)
        assert len(workers) >= 2 and proc.poll() is None, "no workers before the signal"
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)  # a deadlock fails here
        assert proc.returncode in (130, 143, -sig) and "Traceback" not in err, err
        assert not out.exists() and not list(tmp_path.glob(f".r{sig}.json.*"))
        time.sleep(0.2)
        assert not running(workers)


HOST = """
import sys
import polars as pl
pl.DataFrame({"a": [1, 2, 3]}).lazy().select(pl.col("a").sum()).collect()  # polars' threads
from compliance.cli import main
sys.argv = ["compliance", *sys.argv[1:]]
main()
"""


def test_a_process_that_already_ran_polars_judges_the_chunks_itself(tmp_path: Path) -> None:
    """A fork would wait forever for polars' threads; the same output, without hanging."""
    data = write_corpus(tmp_path / "c.jsonl", 400, seed=8)
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    audit(data, one, "--engine", "columnar")
    args = ["audit", str(data), "--rules", "dk", "--as-of", AS_OF, "-o", str(two)]
    res = subprocess.run(
        [sys.executable, "-c", HOST, *args, "--engine", "columnar", "--workers", "2"],
        capture_output=True,
        text=True,
        timeout=300,  # a forked worker that hangs fails here
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert two.read_bytes() == one.read_bytes() and one.stat().st_size > 10_000
