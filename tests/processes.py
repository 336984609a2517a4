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


def children(pid: int) -> list[int]:
    """The pids whose parent is ``pid``."""
    found = []
    for status in Path("/proc").glob("[0-9]*/stat"):
        fields = _stat_fields(int(status.parent.name))
        if fields is not None and int(fields[1]) == pid:
            found.append(int(status.parent.name))
    return found


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
