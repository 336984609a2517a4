"""XLSX reports leave no working files behind (issue 17; docs/reliability.md): XlsxWriter's
constant-memory mode keeps each sheet's rows, then the workbook's XML parts, in named temporary
files — case data. They go to a private folder beside the report, never to the shared system
temporary directory, and are removed however the write ends."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pytest

from compliance.demo import generate
from compliance.outputs.xlsx import Sheet, write_workbook

EXE = str(Path(sys.executable).parent / "compliance")


def _entries(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.fixture
def system_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private stand-in for /tmp: whatever lands there would land in the shared one."""
    folder = tmp_path / "system-tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


class Probe:
    """A cell value that looks at the disk while the workbook is being written (as a SIGKILL
    at that moment would find it), or interrupts the write there as Ctrl-C would."""

    def __init__(self, system_tmp: Path, interrupt: bool = False) -> None:
        self.system_tmp, self.interrupt = system_tmp, interrupt
        self.seen: list[str] = []

    def __str__(self) -> str:
        self.seen = _entries(self.system_tmp)
        if self.interrupt:
            raise KeyboardInterrupt
        return "probe"


def _sheets(probe: Probe) -> list[Sheet]:
    rows = [[f"case-{i}", i, "0102031234"] for i in range(3000)]
    return [
        Sheet("Fund", ["case", "n", "note"], rows),
        Sheet("Afviste", ["case", "reason"], [["c", "x"], [probe, "y"]]),
    ]


def test_a_workbook_is_written_without_files_in_the_system_temp_dir(
    tmp_path: Path, system_tmp: Path
) -> None:
    out = tmp_path / "reports" / "audit.xlsx"
    probe = Probe(system_tmp)
    write_workbook(str(out), _sheets(probe))
    assert probe.seen == []  # not even while writing
    assert _entries(system_tmp) == []
    assert _entries(out.parent) == ["audit.xlsx"]  # the working folder is gone
    with zipfile.ZipFile(out) as z:
        assert "xl/worksheets/sheet1.xml" in z.namelist()
        assert b"case-2999" in z.read("xl/worksheets/sheet1.xml")


def test_an_interrupted_workbook_leaves_nothing(tmp_path: Path, system_tmp: Path) -> None:
    out = tmp_path / "reports" / "audit.xlsx"
    with pytest.raises(KeyboardInterrupt):
        write_workbook(str(out), _sheets(Probe(system_tmp, interrupt=True)))
    assert _entries(system_tmp) == []
    assert _entries(out.parent) == []  # no report, no .partial file, no working folder


def test_a_workbook_to_a_device_uses_a_working_folder_and_removes_it(system_tmp: Path) -> None:
    probe = Probe(system_tmp)
    write_workbook(os.devnull, _sheets(probe))
    assert len(probe.seen) >= 1 and all(".xlsx-work" in e.split("/")[0] for e in probe.seen)
    assert _entries(system_tmp) == []


def test_a_killed_xlsx_audit_leaves_no_case_data_in_the_system_temp_dir(tmp_path: Path) -> None:
    """SIGKILL (nothing can clean up after it) while the workbook is being written: what is
    left is beside the report, named after it, and no case data is in TMPDIR."""
    src = tmp_path / "cases.jsonl"
    src.write_text("".join(json.dumps(c) + "\n" for c in generate(1500, seed=8)), "utf-8")
    system_tmp, reports = tmp_path / "system-tmp", tmp_path / "reports"
    system_tmp.mkdir()
    reports.mkdir()
    proc = subprocess.Popen(
        [EXE, "audit", str(src), "--as-of", "2025-06-30", "--format", "xlsx",
         "-o", str(reports / "audit.xlsx")],
        env={**os.environ, "TMPDIR": str(system_tmp)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 300
        while not any(".xlsx-work" in e for e in _entries(reports)):
            assert proc.poll() is None, "the workbook was finished before it could be seen"
            assert time.monotonic() < deadline
            time.sleep(0.002)
        proc.send_signal(signal.SIGSTOP)  # frozen while writing: what a SIGKILL now leaves
        in_system_tmp = _entries(system_tmp)
        proc.kill()
    finally:
        proc.kill()
        proc.wait(timeout=60)
    assert in_system_tmp == []
    assert _entries(system_tmp) == []
    left = _entries(reports)
    assert "audit.xlsx" not in left
    assert all(e.startswith(".audit.xlsx.") for e in left), left
