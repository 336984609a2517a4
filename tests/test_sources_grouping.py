from __future__ import annotations

from pathlib import Path

import pytest

from compliance.sources.encoding import delimited_rows
from compliance.sources.grouping import group_rows
from compliance.sources.rows import Row

# A report-module export: sorted by date, cases interleaved, one same-instant tie (S-2, 05-03).
DATE_SORTED = """Sagsnr;Hændelse;Dato;Tidspunkt
S-1;Underretning modtaget;01-03-2024;09:15
S-2;Underretning modtaget;01-03-2024;14:00
S-3;Underretning modtaget;02-03-2024;08:00
S-1;Kvittering sendt;03-03-2024;10:00
S-2;Kvittering sendt;05-03-2024;11:00
S-2;Undersøgelse startet;05-03-2024;11:00
S-3;Kvittering sendt;06-03-2024;12:00
S-1;Afgørelse;20-03-2024;13:00
"""


@pytest.fixture
def export(tmp_path: Path) -> str:
    path = tmp_path / "sorted-by-date.csv"
    path.write_text(DATE_SORTED, encoding="utf-8")
    return str(path)


def _summary(path: str, limit: int, spill: Path) -> list[tuple[str, list[str], list[str]]]:
    groups = group_rows(delimited_rows(path), "Sagsnr", max_in_memory=limit, spill_dir=str(spill))
    return [
        (g.case_id, [r.values["Hændelse"] for r in g.rows], [r.location for r in g.rows])
        for g in groups
    ]


@pytest.mark.parametrize("limit", [1_000, 2], ids=["in-memory", "spilled"])
def test_date_sorted_interleaved_export_groups_whole_cases(
    export: str, limit: int, tmp_path: Path
) -> None:
    got = _summary(export, limit, tmp_path)
    assert got == [
        (
            "S-1",
            ["Underretning modtaget", "Kvittering sendt", "Afgørelse"],
            ["line 2", "line 5", "line 9"],
        ),
        (
            "S-2",
            ["Underretning modtaget", "Kvittering sendt", "Undersøgelse startet"],
            ["line 3", "line 6", "line 7"],
        ),
        ("S-3", ["Underretning modtaget", "Kvittering sendt"], ["line 4", "line 8"]),
    ]
    assert not list(tmp_path.glob("compliance-group-*"))  # the spill database is gone


def _rows(n: int, cases: int) -> list[Row]:
    return [
        Row(
            {"case": f"C{k % cases}", "k": k, "at": f"2024-01-{1 + k // (n // 20 + 1):02d}"},
            "gen",
            f"row {k + 1}",
        )
        for k in range(n)
    ]


def test_spilled_and_in_memory_paths_agree_exactly(tmp_path: Path) -> None:
    rows = _rows(5_000, 37)
    small = [(g.case_id, g.rows) for g in group_rows(rows, "case", max_in_memory=10**6)]
    big = [
        (g.case_id, g.rows)
        for g in group_rows(rows, "case", max_in_memory=100, spill_dir=str(tmp_path))
    ]
    assert small == big
    assert [c for c, _ in small] == [f"C{i}" for i in range(37)]  # order of first appearance
    for case_id, case_rows in big:
        ks = [r.values["k"] for r in case_rows]
        assert ks == sorted(ks)  # file order inside the case
        assert all(r.values["case"] == case_id for r in case_rows)
    assert sum(len(r) for _, r in big) == 5_000


def test_values_of_any_type_survive_the_spill(tmp_path: Path) -> None:
    import datetime as dt

    cell = {
        "case": "A",
        "when": dt.datetime(2024, 3, 1, 9, 30, tzinfo=dt.UTC),
        "day": dt.date(2024, 3, 1),
        "n": 3,
        "x": 1.5,
        "ok": True,
        "none": None,
    }
    rows = [Row(dict(cell), "s.parquet", f"row group 1 row {i}") for i in range(1, 4)]
    (group,) = list(group_rows(rows, "case", max_in_memory=1, spill_dir=str(tmp_path)))
    assert group.rows == rows
    assert group.location == "row group 1 row 1"


def test_key_function_and_blank_case_ids(tmp_path: Path) -> None:
    rows = [Row({"id": v}, "s", f"line {i}", i) for i, v in enumerate([" a ", "", "b", "a"], 2)]
    by_column = [(g.case_id, len(g.rows)) for g in group_rows(rows, "id")]
    assert by_column == [("a", 2), ("", 1), ("b", 1)]
    by_function = [g.case_id for g in group_rows(rows, lambda r: str(r.line % 2))]
    assert by_function == ["0", "1"]


def test_abandoned_iteration_removes_the_spill(tmp_path: Path) -> None:
    groups = group_rows(_rows(500, 7), "case", max_in_memory=10, spill_dir=str(tmp_path))
    first = next(groups)
    assert first.case_id == "C0"
    assert list(tmp_path.glob("compliance-group-*"))
    groups.close()
    assert not list(tmp_path.glob("compliance-group-*"))


def test_empty_input() -> None:
    assert list(group_rows([], "case")) == []


def test_small_inputs_stay_in_memory_and_never_touch_the_disk(tmp_path: Path) -> None:
    nowhere = str(tmp_path / "no-such-directory")  # a spill would fail here
    groups = list(group_rows(_rows(1_000, 9), "case", spill_dir=nowhere))
    assert len(groups) == 9
    with pytest.raises(FileNotFoundError):
        list(group_rows(_rows(1_000, 9), "case", max_in_memory=10, spill_dir=nowhere))
