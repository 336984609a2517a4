"""``compliance serve`` over real HTTP on a loopback port: every endpoint, through httpx.

One server (all bundled packs by path, a bearer token, small limits) serves most tests; the
fixture-identity test compares /v1/evaluate with ``Engine.evaluate`` for every rule fixture
timeline. Reload, pseudonymisation and the Java client are in test_service_ops.py.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from openapi_spec_validator import validate

from compliance import Engine, Timeline, load_rules
from compliance.finding_schema import finding_json_schema, result_json_schema
from compliance.rules.schema import rule_json_schema
from compliance.ruletools.testing import FixtureCase, collect
from service_server import EXE, ROOT, Server, running_server

TOKEN = "test-token-0123456789abcdef"
PACKS = [
    "rules/dk",
    "rules/municipal/aarhus-doegn",
    "rules/municipal/eksempel",
    "rules/municipal/fredericia-taskforce",
    "rules/municipal/morsoe",
    "rules/municipal/slagelse",
]
LIMITS = ["--max-body-bytes", "300000", "--max-cases", "40", "--max-events", "200"]
CASES = collect(["rules/dk", "rules/municipal"])
CPR = "0101901234"  # CPR-shaped (valid date), never to appear in an answer or a log
NOTIFIED = {
    "case_id": "sag-xyz",
    "events": [{"id": "e1", "type": "notification_received", "at": "2024-03-01T14:05:00+01:00"}],
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    args = [a for p in PACKS for a in ("--rules", p)] + LIMITS
    log = tmp_path_factory.mktemp("serve") / "server.log"
    with running_server(args, log, {"COMPLIANCE_API_TOKEN": TOKEN}, TOKEN) as s:
        yield s


@pytest.fixture(scope="module")
def http(server: Server) -> Iterator[httpx.Client]:
    with server.client() as c:
        yield c


_ENGINES: dict[tuple[str, ...], Engine] = {}


def library_result(case: FixtureCase, timeline: dict[str, Any]) -> tuple[list[Any], str | None]:
    """The library's findings and next_change_at (ISO) for one fixture timeline."""
    if case.packs not in _ENGINES:
        _ENGINES[case.packs] = Engine(load_rules(*case.packs))
    result = _ENGINES[case.packs].evaluate(timeline, as_of=case.as_of)
    nxt = result.next_change_at
    return [f.to_dict() for f in result.findings], nxt.isoformat() if nxt else None


def pack_ids(case: FixtureCase) -> list[str]:
    """The fixture's packs as the server names them (the paths it was started with)."""
    out = []
    for p in case.packs:
        rel = str(Path(p).resolve().relative_to(ROOT)) if Path(p).exists() else f"rules/{p}"
        out.append(rel)
    return out


def test_evaluate_matches_the_library_for_every_fixture_timeline(http: httpx.Client) -> None:
    compared = changes = 0
    for case in CASES:
        for timeline in [case.timeline, *case.more]:
            body = {"timeline": timeline, "as_of": case.as_of, "rules": pack_ids(case)}
            r = http.post("/v1/evaluate", json=body)
            assert r.status_code == 200, (case.nodeid, r.text)
            got = r.json()
            findings, next_change_at = library_result(case, timeline)
            assert got["findings"] == findings, case.nodeid
            assert got["next_change_at"] == next_change_at, case.nodeid
            changes += next_change_at is not None
            assert got["violations"] == [
                f
                for f in got["findings"]
                if f["status"] in ("late", "overdue", "missed", "breached")
            ]
            assert {json.dumps(f) for f in got["agenda"]} == {
                json.dumps(f) for f in got["findings"] if f["status"] == "due"
            }
            compared += 1
    assert compared >= len(CASES) > 100
    assert changes > 10, "fixtures with open obligations report when they next change"


def test_batch_streams_ndjson_in_order_and_a_bad_case_never_stops_it(
    http: httpx.Client,
) -> None:
    good = [c for c in CASES if c.packs == ("rules/dk",)][:20]
    cases: list[Any] = [c.timeline for c in good]
    cases.insert(3, {"case_id": "broken", "events": [{"id": "x", "type": "decision"}]})
    cases.insert(7, "not a timeline")
    too_many = {
        "case_id": "big",
        "events": [{"id": f"e{i}", "type": "follow_up", "at": "2024-01-01"} for i in range(201)],
    }
    cases.insert(9, too_many)
    as_of = "2025-01-01T00:00:00+01:00"
    with http.stream(
        "POST", "/v1/evaluate:batch", json={"cases": cases, "as_of": as_of, "rules": ["rules/dk"]}
    ) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/x-ndjson")
        lines = [orjson.loads(line) for line in r.iter_lines() if line]
    assert [ln["index"] for ln in lines[:-1]] == list(range(len(cases)))
    assert lines[-1] == {"summary": {"cases": len(cases), "evaluated": 20, "rejected": 3}}
    assert lines[3]["error"]["case_id"] == "broken"
    assert lines[3]["error"]["location"] == "events[0] (x).at"
    assert lines[7]["error"]["type"].endswith("invalid-timeline")
    assert lines[9]["error"]["type"].endswith("limit-exceeded")
    engine = Engine(load_rules("rules/dk"))
    for line, case in zip([ln for ln in lines[:-1] if "result" in ln], good, strict=True):
        want = [f.to_dict() for f in engine.evaluate(case.timeline, as_of=as_of).findings]
        assert line["result"]["findings"] == want


def test_agenda_lists_overdue_and_due_within_the_horizon_soonest_first(
    http: httpx.Client,
) -> None:
    timelines = [c.timeline for c in CASES if c.packs == ("rules/dk",)][:30]
    as_of = "2024-03-20T12:00:00+01:00"
    r = http.post(
        "/v1/agenda",
        json={"cases": [*timelines, {"case_id": "x"}, 7], "as_of": as_of, "horizon": "4w"},
    )
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["until"] == "2024-04-17"
    assert [e["index"] for e in got["errors"]] == [len(timelines) + 1]
    engine = Engine(load_rules(*PACKS))
    want = []
    for t in timelines:
        for f in engine.evaluate(t, as_of=as_of).findings:
            day = dt.date.fromisoformat((f.due or "")[:10])
            if f.status == "overdue" or (f.status == "due" and day <= dt.date(2024, 4, 17)):
                want.append(f.to_dict())
    assert sorted(map(json.dumps, got["items"])) == sorted(map(json.dumps, want))
    dues = [i["due"][:10] for i in got["items"]]
    assert dues == sorted(dues) and got["items"]


def test_a_horizon_past_the_calendar_is_a_located_422(http: httpx.Client) -> None:
    body = {"cases": [NOTIFIED], "as_of": "2024-03-20", "horizon": "99999y"}
    r = http.post("/v1/agenda", json=body)
    assert r.status_code == 422, r.text  # was a 500: the date arithmetic overflowed
    assert "horizon" in r.text and "9999" in r.text


def test_rules_catalogue_and_detail(http: httpx.Client) -> None:
    r = http.get("/v1/rules")
    assert r.status_code == 200
    cat = r.json()
    loaded = load_rules(*PACKS)
    assert [x["id"] for x in cat["rules"]] == [rule.id for rule in loaded.rules]
    assert [p["id"] for p in cat["packs"]] == PACKS
    inv = next(x for x in cat["rules"] if x["id"] == "dk.investigation.complete")
    assert inv["pack"] == "rules/dk"
    assert inv["title"]["en"] == "Child investigation completed within 4 months"
    laws = [(v["source"]["law"], v["source"]["ref"]) for v in inv["versions"]]
    assert laws == [
        ("Serviceloven", "§ 50, stk. 6"),
        ("Serviceloven", "§ 50, stk. 7"),
        ("Barnets Lov", "§ 20, stk. 3"),
    ]
    assert inv["versions"][1]["valid_until"] == "2023-12-31"
    slagelse = next(x for x in cat["rules"] if x["id"].startswith("slagelse."))
    assert slagelse["pack"] == "rules/municipal/slagelse"
    detail = http.get("/v1/rules/dk.investigation.complete").json()
    assert detail["definition"]["within"] == "4 months"
    assert detail["versions"][-1]["confidence"] == "C"
    missing = http.get("/v1/rules/no.such.rule")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


def test_schemas_are_the_library_schemas(http: httpx.Client) -> None:
    timeline = {**Timeline.model_json_schema(), "$schema": finding_json_schema()["$schema"]}
    assert http.get("/v1/schema/timeline").json() == timeline
    assert http.get("/v1/schema/rules").json() == rule_json_schema()
    assert http.get("/v1/schema/finding").json() == finding_json_schema()
    assert http.get("/v1/schema/result").json() == result_json_schema()
    assert http.get("/v1/schema/nothing").status_code == 404


def test_openapi_document_validates_and_is_the_committed_one(server: Server) -> None:
    served = httpx.get(server.url + "/openapi.json").json()
    validate(served)
    assert served["openapi"].startswith("3.1")
    committed = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    assert served == committed, (
        "docs/openapi.json is stale: python -m compliance.service.openapi docs/openapi.json"
    )
    result = served["components"]["schemas"]["EvaluationResult"]
    assert "next_change_at" in result["required"]


def test_bearer_token_is_required_on_the_api_but_not_on_probes(server: Server) -> None:
    body = {"timeline": NOTIFIED, "as_of": "2024-03-10"}
    for token in (None, "wrong-token-0123456789"):
        with server.client(token=token) as c:
            c.headers.pop("Authorization", None) if token is None else None
            r = c.post("/v1/evaluate", json=body)
        assert r.status_code == 401
        assert r.headers["content-type"] == "application/problem+json"
        assert r.headers["www-authenticate"].startswith("Bearer")
    assert httpx.get(server.url + "/healthz").json() == {"status": "ok"}
    ready = httpx.get(server.url + "/readyz").json()
    assert ready["status"] == "ready" and [p["id"] for p in ready["packs"]] == PACKS


def test_rules_version_header_names_the_rules_that_answered(
    http: httpx.Client, server: Server
) -> None:
    ready = httpx.get(server.url + "/readyz").json()
    r = http.post("/v1/evaluate", json={"timeline": NOTIFIED, "as_of": "2024-03-10"})
    assert r.headers["compliance-rules-version"] == ready["rules_version"]
    assert r.json()["rules_version"] == ready["rules_version"]
    only_dk = http.post(
        "/v1/evaluate", json={"timeline": NOTIFIED, "as_of": "2024-03-10", "rules": ["rules/dk"]}
    )
    dk_version = next(p["version"] for p in ready["packs"] if p["id"] == "rules/dk")
    assert only_dk.headers["compliance-rules-version"] == dk_version
    assert only_dk.json()["next_change_at"] == "2024-03-12T00:00:00+01:00"  # receipt due 11 March


@pytest.mark.parametrize(
    ("body", "status", "kind"),
    [
        (b"{not json", 400, "malformed-json"),
        (b"[]", 422, "invalid-request"),
        (orjson.dumps({"timeline": NOTIFIED}), 422, "invalid-request"),
        (orjson.dumps({"timeline": NOTIFIED, "as_of": "2024-03-10T12:00"}), 422, "invalid-request"),
        (
            orjson.dumps({"timeline": NOTIFIED, "as_of": "2024-03-10", "x": 1}),
            422,
            "invalid-request",
        ),
        (
            orjson.dumps({"timeline": NOTIFIED, "as_of": "2024-03-10", "rules": ["nope"]}),
            422,
            "invalid-request",
        ),
        (
            orjson.dumps(
                {"timeline": {"case_id": "c"}, "as_of": "2024-03-10", "pad": "x" * 300_001}
            ),
            413,
            "content-too-large",
        ),
    ],
)
def test_bad_requests_are_problem_details(
    http: httpx.Client, body: bytes, status: int, kind: str
) -> None:
    r = http.post("/v1/evaluate", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["type"] == f"urn:compliance:problem:{kind}"
    assert problem["status"] == status and problem["title"] and problem["detail"]


def test_case_and_event_limits_are_422(http: httpx.Client) -> None:
    r = http.post("/v1/evaluate:batch", json={"cases": [NOTIFIED] * 41, "as_of": "2024-03-10"})
    assert r.status_code == 422 and r.json()["limit"] == 40
    events = [{"id": f"e{i}", "type": "follow_up", "at": "2024-01-01"} for i in range(201)]
    r = http.post(
        "/v1/evaluate", json={"timeline": {"case_id": "c", "events": events}, "as_of": "2024-03-10"}
    )
    assert r.status_code == 422 and r.json()["limit"] == 200


def test_no_cpr_number_in_answers_or_logs_and_no_bodies_in_logs(
    http: httpx.Client, server: Server
) -> None:
    case = {"case_id": CPR, "events": [{**NOTIFIED["events"][0], "attrs": {"reporter": CPR}}]}
    ok = http.post("/v1/evaluate", json={"timeline": case, "as_of": "2024-03-10"})
    bad = http.post(
        "/v1/evaluate", json={"timeline": {**case, "events": [{"id": CPR}]}, "as_of": "2024-03-10"}
    )
    assert ok.status_code == 200 and bad.status_code == 422
    for r in (ok, bad):
        assert CPR not in r.text and "******-****" in r.text
    log = server.log_text()
    assert "POST /v1/evaluate 200" in log
    assert CPR not in log and "notification_received" not in log and "sag-xyz" not in log


def test_cors_is_off_by_default(server: Server) -> None:
    r = httpx.options(
        server.url + "/v1/evaluate",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in r.headers


def test_serve_refuses_a_public_address_without_a_token() -> None:
    r = subprocess.run(
        [EXE, "serve", "--host", "0.0.0.0", "--port", "1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2
    assert "without a bearer token" in r.stderr


def test_schema_finding_command_prints_the_finding_schema() -> None:
    r = subprocess.run([EXE, "schema", "finding"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0
    assert json.loads(r.stdout) == finding_json_schema()


@pytest.mark.skipif(shutil.which("java") is None, reason="no JDK on this machine")
def test_a_java_client_gets_the_library_findings(server: Server, tmp_path: Path) -> None:
    case = next(c for c in CASES if c.name == "overdue" and c.packs == ("rules/dk",))
    request = tmp_path / "request.json"
    request.write_bytes(orjson.dumps({"timeline": case.timeline, "as_of": case.as_of}))
    r = subprocess.run(
        ["java", str(ROOT / "tests" / "clients" / "Client.java"), server.url, str(request)],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "COMPLIANCE_API_TOKEN": TOKEN},
    )
    assert r.returncode == 0, r.stderr
    status, version, body = r.stdout.split("\n", 2)
    assert status == "200" and len(version) == 16
    want = Engine(load_rules(*PACKS)).evaluate(case.timeline, as_of=case.as_of)
    assert json.loads(body)["findings"] == [f.to_dict() for f in want.findings]
    assert any(f["status"] == "overdue" for f in json.loads(body)["findings"])


def test_the_host_guides_example_request_runs(http: httpx.Client) -> None:
    guide = (ROOT / "docs" / "guide" / "hosts.md").read_text(encoding="utf-8")
    body = guide.split("<<'JSON'\n", 1)[1].split("\nJSON\n", 1)[0]
    r = http.post("/v1/evaluate", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    by_rule = {f["rule"]: f for f in r.json()["findings"]}
    assert by_rule["dk.notification.assess"]["status"] == "met"
    assert by_rule["dk.investigation.complete"]["status"] == "due"
