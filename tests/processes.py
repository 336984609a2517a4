"""Watching a child process from a test: its children, its CPU time, waiting until it works.

Signal tests must hit a process while it is busy, not while it still imports (a SIGINT during
the interpreter's imports is not ours to handle) and not after it has finished. Sleeping a
fixed time does neither on a loaded machine; the process's own CPU time does.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _processes() -> list[tuple[int, list[str]]]:
    """Every process now, with the fields of its stat after the name (state, ppid, pgrp,
    session, ...)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/stat"):
        pid = int(status.parent.name)
        fields = _stat_fields(pid)
        if fields is not None:
            found.append((pid, fields))
    return found


def children(pid: int) -> list[int]:
    """The pids whose parent is ``pid``."""
    return [child for child, fields in _processes() if int(fields[1]) == pid]


def running(pids: list[int]) -> list[int]:
    """Those of ``pids`` still running: neither gone nor a zombie."""
    return [pid for pid in pids if (fields := _stat_fields(pid)) is not None and fields[0] != "Z"]


def running_in_session(sid: int) -> list[int]:
    """The running (non-zombie) processes of session ``sid``: whatever a process started with
    ``start_new_session=True`` left behind, however deep."""
    return [pid for pid, fields in _processes() if int(fields[3]) == sid and fields[0] != "Z"]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` so far (0 when it is gone)."""
    fields = _stat_fields(pid)
    if fields is None:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime (stat fields 14, 15)


def wait_until_busy(proc: subprocess.Popen[str], cpu: float, timeout: float = 60) -> None:
    """Return once ``proc`` has used ``cpu`` seconds of CPU (past its start-up); fail if it
    ends first or the time runs out."""
    deadline = time.monotonic() + timeout
    while cpu_seconds(proc.pid) < cpu:
        assert proc.poll() is None, "the process ended before the signal could be sent"
        assert time.monotonic() < deadline, f"the process did not use {cpu} s of CPU in time"
        time.sleep(0.05)
