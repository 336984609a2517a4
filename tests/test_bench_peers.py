"""The peers benchmark's own logic (bench/peers/), without the peers or the real log installed:
the streaming XES reader, the verdict mapping, the benchmark rules and the categories that
explain a disagreement."""

from __future__ import annotations

import importlib.util
import io
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import pytest
from typer.testing import CliRunner

from compliance import Engine, load_rules
from compliance.cli import app

PEERS = Path(__file__).resolve().parent.parent / "bench" / "peers"
sys.path.insert(0, str(PEERS))


def _module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_peers_{name}", PEERS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


xes = _module("xes_to_jsonl")
verdicts = _module("verdicts")
compare = _module("compare")

LOG = b"""<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0" xmlns="http://www.xes-standard.org/">
  <string key="concept:name" value="meta, not a trace"/>
  <global scope="event"><string key="concept:name" value="__INVALID__"/></global>
  <trace>
    <string key="concept:name" value="A1"/>
    <event>
      <float key="amount" value="35.0"/><string key="org:resource" value="561"/>
      <string key="concept:name" value="Create Fine"/><int key="points" value="0"/>
      <string key="lifecycle:transition" value="complete"/>
      <boolean key="paid" value="false"/>
      <date key="time:timestamp" value="2006-08-10T00:00:00.000+02:00"/>
    </event>
    <event>
      <string key="concept:name" value="Send Fine"/>
      <date key="time:timestamp" value="2006-11-08T00:00:00.000+01:00"/>
    </event>
  </trace>
  <trace>
    <string key="concept:name" value="A2"/>
    <event>
      <string key="concept:name" value="Insert Fine Notification"/>
      <date key="time:timestamp" value="2007-01-10T00:00:00.000+01:00"/>
    </event>
  </trace>
</log>
"""


def test_xes_traces_become_timelines_in_file_order() -> None:
    cases = list(xes.read_cases(io.BytesIO(LOG)))
    assert [c["case_id"] for c in cases] == ["A1", "A2"]
    first = cases[0]["events"][0]
    assert first == {
        "id": "e01",
        "type": "create_fine",
        "at": "2006-08-10T00:00:00.000+02:00",
        "attrs": {"amount": 35.0, "resource": "561", "points": 0, "paid": False},
    }
    assert cases[0]["events"][1] == {
        "id": "e02",
        "type": "send_fine",
        "at": "2006-11-08T00:00:00.000+01:00",
    }
    assert cases[1]["events"][0]["type"] == "insert_fine_notification"


def test_a_zipped_log_is_read_and_converted(tmp_path: Path) -> None:
    archive = tmp_path / "log.xes.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("__MACOSX/._log.xes", b"junk")
        zf.writestr("log.xes", LOG)
    assert xes.convert(archive, tmp_path / "log.jsonl") == (2, 3)
    assert len((tmp_path / "log.jsonl").read_text(encoding="utf-8").splitlines()) == 2


def test_an_event_without_timestamp_is_a_located_error() -> None:
    broken = LOG.replace(b'<date key="time:timestamp" value="2007-01-10T00:00:00.000+01:00"/>', b"")
    with pytest.raises(xes.XesError, match="trace A2: event 1"):
        list(xes.read_cases(io.BytesIO(broken)))


@pytest.mark.parametrize(
    ("statuses", "verdict"),
    [
        ([], "vacuous"),
        (["met"], "satisfied"),
        (["met", "met"], "satisfied"),
        (["late"], "violated"),
        (["met", "overdue"], "violated"),
        (["due"], "pending"),
        (["due", "late"], "violated"),
    ],
)
def test_finding_statuses_map_onto_verdicts(statuses: list[str], verdict: str) -> None:
    assert verdicts.engine_verdict(statuses) == verdict


def test_the_duties_are_the_declare_constraints_of_the_issue() -> None:
    assert [d.declare for d in verdicts.DUTIES] == [
        "Response[Create Fine, Send Fine] | | |0,90,d",
        "Response[Insert Fine Notification, Payment] | | |0,60,d",
    ]


def test_the_benchmark_rules_pass_their_fixtures() -> None:
    result = CliRunner().invoke(app, ["rules", "test", str(PEERS / "rules")])
    assert result.exit_code == 0, result.output
    assert "0 failed" in result.output


def test_day_90_across_a_dst_change_is_met_here_and_explained_for_the_peers() -> None:
    case = next(xes.read_cases(io.BytesIO(LOG)))
    engine = Engine(load_rules(PEERS / "rules"))
    found = engine.evaluate(case, as_of="2007-12-31").findings
    assert [(f.rule, f.status) for f in found] == [("bench.roadfines.send-fine-90-days", "met")]
    send = verdicts.DUTIES[0]
    why = compare.category(case, send, "satisfied", "violated")
    assert why.startswith("target on day 90") and "2161 h" in why


def test_other_disagreements_get_their_category() -> None:
    pay = verdicts.DUTIES[1]
    open_case = {
        "case_id": "o",
        "events": [
            {"id": "e1", "type": "insert_fine_notification", "at": "2013-04-01T00:00:00+02:00"}
        ],
    }
    assert compare.category(open_case, pay, "pending", "violated").startswith("open at the log")
    two = {
        "case_id": "t",
        "events": [
            {"id": "e1", "type": "insert_fine_notification", "at": "2007-01-01T00:00:00+01:00"},
            {"id": "e2", "type": "insert_fine_notification", "at": "2007-06-01T00:00:00+02:00"},
            {"id": "e3", "type": "payment", "at": "2007-06-02T00:00:00+02:00"},
        ],
    }
    assert compare.category(two, pay, "violated", "satisfied") == "several activations in one case"
    tie = {
        "case_id": "s",
        "events": [
            {"id": "e1", "type": "payment", "at": "2007-01-01T00:00:00+01:00"},
            {"id": "e2", "type": "insert_fine_notification", "at": "2007-01-01T00:00:00+01:00"},
        ],
    }
    assert compare.category(tie, pay, "satisfied", "violated").startswith("target at the same")
    plain = {
        "case_id": "p",
        "events": [
            {"id": "e1", "type": "insert_fine_notification", "at": "2007-01-01T00:00:00+01:00"}
        ],
    }
    assert compare.category(plain, pay, "violated", "satisfied") == "UNEXPLAINED"
