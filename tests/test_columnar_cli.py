"""``compliance audit --engine columnar`` through the CLI: the same files in every format, the
summary says which path judged each rule, and the user's mistakes exit 2 with a clear message."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from compliance.cli import app
from compliance.demo import generate

pytest.importorskip("polars")

runner = CliRunner()
AS_OF = "2025-06-30"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> str:
    p = tmp_path_factory.mktemp("c") / "cases.jsonl"
    with open(p, "w", encoding="utf-8") as fh:
        for case in generate(250, seed=7, broken_rate=0.03):
            fh.write(json.dumps(case) + "\n")
    return str(p)


def audit(corpus: str, out: Path, *more: str) -> tuple[int, str]:
    args = ["audit", corpus, "--rules", "dk", "--as-of", AS_OF, "-o", str(out), *more]
    result = runner.invoke(app, args)
    return result.exit_code, result.stderr


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_both_engines_write_the_same_file(corpus: str, tmp_path: Path, fmt: str) -> None:
    case, columnar = tmp_path / f"case.{fmt}", tmp_path / f"columnar.{fmt}"
    code_case, err_case = audit(corpus, case, "--format", fmt)
    code_col, err_col = audit(corpus, columnar, "--format", fmt, "--engine", "columnar")
    assert code_case == code_col == 0
    assert case.read_bytes() == columnar.read_bytes() and case.stat().st_size > 10_000
    # the same rejected cases and the same reconciliation line; then the paths
    assert err_col.startswith(err_case.rstrip("\n"))
    assert "engine: dk.notification.assess: columnar " in err_col
    assert "engine: dk.placement.renewal: per-case 250 case(s) (kind recurring)" in err_col
    assert "engine:" not in err_case


def test_json_summary_says_which_path_judged_each_rule(corpus: str, tmp_path: Path) -> None:
    case, columnar = tmp_path / "case.json", tmp_path / "columnar.json"
    assert audit(corpus, case, "--format", "json")[0] == 0
    assert audit(corpus, columnar, "--format", "json", "--engine", "columnar")[0] == 0
    by_case, by_columnar = json.loads(case.read_text()), json.loads(columnar.read_text())
    paths = by_columnar["summary"].pop("engine")
    assert by_case == by_columnar
    assert "engine" not in by_case["summary"]
    assessed = paths["dk.notification.assess"]
    assert assessed["path"] == "columnar" and assessed["columnar_cases"] > 100
    assert paths["dk.placement.renewal"] == {
        "path": "case",
        "columnar_cases": 0,
        "case_cases": 250,
        "why_not_columnar": "kind recurring",
    }


def test_status_filter_gives_the_same_findings(corpus: str, tmp_path: Path) -> None:
    case, columnar = tmp_path / "case.jsonl", tmp_path / "columnar.jsonl"
    assert audit(corpus, case, "--status", "overdue,met")[0] == 0
    assert audit(corpus, columnar, "--status", "overdue,met", "--engine", "columnar")[0] == 0
    assert case.read_bytes() == columnar.read_bytes() and case.stat().st_size > 1_000


@pytest.mark.parametrize("workers", ["0", "-3"])
def test_workers_below_one_with_the_columnar_engine_are_refused(
    corpus: str, tmp_path: Path, workers: str
) -> None:
    out = tmp_path / "x.jsonl"
    code, err = audit(corpus, out, "--engine", "columnar", "--workers", workers)
    assert code == 2
    assert f"--workers must be at least 1, not {workers}" in err
    assert not out.exists()


def test_an_unknown_engine_is_refused(corpus: str, tmp_path: Path) -> None:
    code, err = audit(corpus, tmp_path / "x.jsonl", "--engine", "vector")
    assert code == 2
    assert "unknown --engine 'vector' (case, columnar)" in err
    code, err = audit(corpus, tmp_path / "x.jsonl", "--engine", "colmnar")
    assert code == 2
    assert "did you mean 'columnar'?" in err


def test_without_polars_the_message_names_the_extra(
    corpus: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "polars", None)  # import polars raises ImportError
    out = tmp_path / "x.jsonl"
    code, err = audit(corpus, out, "--engine", "columnar")
    assert code == 2
    assert "pip install 'casework-compliance[columnar]'" in err
    assert not out.exists()
