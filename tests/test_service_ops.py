"""``compliance serve`` operations: atomic pack reload (admin endpoint and SIGHUP) without
dropped requests, a bad pack keeping the old rules, and --pseudonymize."""

from __future__ import annotations

import shutil
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from compliance.privacy import pseudonym
from service_server import ROOT, Server, running_server

KEY = "service-test-pseudonym-key"
RULE = "investigation-complete.yaml"
CASE = {
    "case_id": "case-17",
    "events": [
        {"id": "n1", "type": "notification_received", "at": "2024-03-01T09:00:00+01:00"},
        {"id": "i1", "type": "investigation_started", "at": "2024-03-04", "refs": ["n1"]},
    ],
}
BODY = {"timeline": CASE, "as_of": "2024-08-01T12:00:00+02:00"}


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("packs") / "dk"
    shutil.copytree(ROOT / "rules" / "dk", root, ignore=shutil.ignore_patterns("tests"))
    return root


@pytest.fixture(scope="module")
def server(pack: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("serve") / "server.log"
    env = {"COMPLIANCE_PSEUDONYM_KEY": KEY}
    with running_server(["--rules", str(pack), "--pseudonymize"], log, env) as s:
        yield s


def _version(server: Server) -> str:
    return str(httpx.get(server.url + "/readyz").json()["rules_version"])


def _hammer(server: Server, stop: threading.Event, statuses: list[int]) -> None:
    with server.client() as c:
        while not stop.is_set():
            r = c.post("/v1/evaluate", json=BODY)
            statuses.append(r.status_code)
            if r.status_code == 200:
                assert any(f["rule"] == "dk.investigation.complete" for f in r.json()["findings"])


def test_reload_is_atomic_keeps_old_rules_on_error_and_drops_no_request(
    server: Server, pack: Path
) -> None:
    v1 = _version(server)
    statuses: list[int] = []
    stop = threading.Event()
    workers = [threading.Thread(target=_hammer, args=(server, stop, statuses)) for _ in range(4)]
    for w in workers:
        w.start()
    try:
        good = (pack / RULE).read_text(encoding="utf-8")
        (pack / RULE).write_text(good.replace("kind: deadline", "kind: dedline"), encoding="utf-8")
        r = httpx.post(server.url + "/admin/reload", timeout=60)
        assert r.status_code == 422, r.text
        problem = r.json()
        assert problem["type"].endswith("reload-failed") and problem["rules_version"] == v1
        assert RULE in problem["detail"] and ":5:" in problem["detail"]  # file:line: reason
        assert _version(server) == v1
        ready = httpx.get(server.url + "/readyz").json()
        assert ready["last_reload"]["ok"] is False and RULE in ready["last_reload"]["error"]

        changed = good.replace("Child investigation completed", "Child investigation finished")
        (pack / RULE).write_text(changed, encoding="utf-8")
        server.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 60
        while _version(server) == v1 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _version(server) != v1
        with server.client() as c:
            rule = c.get("/v1/rules/dk.investigation.complete").json()
        assert rule["title"]["en"].startswith("Child investigation finished")
    finally:
        stop.set()
        for w in workers:
            w.join()
    assert statuses and set(statuses) == {200}
    assert "rule pack reload failed, keeping version" in server.log_text()


def test_pseudonymize_replaces_case_ids_in_answers_and_errors(server: Server) -> None:
    alias = pseudonym("case-17", KEY.encode())
    with server.client() as c:
        got = c.post("/v1/evaluate", json=BODY).json()
        batch = c.post(
            "/v1/evaluate:batch",
            json={
                "cases": [CASE, {"case_id": "case-18", "events": [{"id": "x"}]}],
                "as_of": "2024-08-01",
            },
        )
    assert got["case_id"] == alias and {f["case_id"] for f in got["findings"]} == {alias}
    assert "case-17" not in str(got)
    lines = batch.text.splitlines()
    assert '"case_id":"' + pseudonym("case-18", KEY.encode()) + '"' in lines[1]
    assert "case-18" not in batch.text
    assert "case-17" not in server.log_text()


def test_pseudonymize_without_a_key_is_a_clear_error(tmp_path: Path) -> None:
    import subprocess

    from service_server import EXE

    r = subprocess.run(
        [EXE, "serve", "--pseudonymize", "--port", "1"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert r.returncode == 2 and "COMPLIANCE_PSEUDONYM_KEY" in r.stderr


def test_the_token_comes_from_a_file_or_the_environment_never_too_short(tmp_path: Path) -> None:
    from compliance.errors import ComplianceError
    from compliance.service.config import read_token

    secret = tmp_path / "token"
    secret.write_text("from-file-0123456789\n")
    secret.chmod(0o600)
    env = {"COMPLIANCE_API_TOKEN": "from-env-0123456789"}
    assert read_token(str(secret), env) == "from-file-0123456789"
    assert read_token(None, {**env, "COMPLIANCE_API_TOKEN_FILE": str(secret)}) == (
        "from-file-0123456789"
    )
    assert read_token(None, env) == "from-env-0123456789"
    assert read_token(None, {}) is None
    with pytest.raises(ComplianceError, match="at least 16"):
        read_token(None, {"COMPLIANCE_API_TOKEN": "short"})
    with pytest.raises(ComplianceError, match="token file"):
        read_token(str(tmp_path / "missing"), {})


def test_a_case_that_hits_a_bug_is_an_error_line_and_the_batch_goes_on() -> None:
    import datetime as dt
    from typing import Any

    import orjson

    from compliance import Engine, load_rules
    from compliance.service.config import Limits
    from compliance.service.evaluation import Request, batch_lines

    real = Engine(load_rules("dk"))

    class Exploding:
        tz = real.tz

        def evaluate(self, case: dict[str, Any], as_of: dt.datetime) -> Any:
            if case["case_id"] == "boom":
                raise RuntimeError("a bug that quotes data: 0101901234")
            return real.evaluate(case, as_of=as_of)

    as_of = dt.datetime(2024, 8, 1, 12, tzinfo=dt.UTC)
    cases = [CASE, {"case_id": "boom"}, CASE]
    req = Request(Exploding(), "v", as_of, cases, {}, None, Limits())  # type: ignore[arg-type]
    lines = [orjson.loads(line) for line in batch_lines(req)]
    assert [sorted(line) for line in lines] == [
        ["index", "result"],
        ["error", "index"],
        ["index", "result"],
        ["summary"],
    ]
    assert lines[1]["error"]["type"].endswith("internal-error")
    assert "0101901234" not in str(lines) and "RuntimeError" not in str(lines)
    assert lines[3]["summary"] == {"cases": 3, "evaluated": 2, "rejected": 1}
