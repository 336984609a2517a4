from __future__ import annotations

import gzip
import zipfile
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from compliance.errors import ComplianceError
from compliance.model import normalize
from compliance.sources.xes import read_xes

SAMPLE = (
    Path(__file__).resolve().parent.parent / "fixtures" / "road-fines" / "roadtraffic100traces.xes"
)

SMALL = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0" xmlns="http://www.xes-standard.org/">
  <string key="concept:name" value="log name is not a case"/>
  <trace>
    <string key="concept:name" value="T1"/>
    <string key="municipality" value="Slagelse"/>
    <date key="birth_date" value="2012-05-12T00:00:00.000+02:00"/>
    <event>
      <string key="concept:name" value="Send Fine"/>
      <string key="lifecycle:transition" value="start"/>
      <date key="time:timestamp" value="2024-03-01T09:00:00.000+01:00"/>
    </event>
    <event>
      <string key="concept:name" value="Send Fine"/>
      <date key="time:timestamp" value="2024-03-01T09:00:00.000+01:00"/>
      <boolean key="paid" value="true"/>
      <list key="notes"><values><string key="n" value="x"/></values></list>
      <id key="identity:id" value="ev-7"/>
    </event>
    <event>
      <string key="concept:name" value="Payment"/>
      <date key="time:timestamp" value="2024-03-01T09:00:00.000+01:00"/>
      <float key="amount" value="36.5"><string key="meta" value="nested meta-attribute"/></float>
    </event>
  </trace>
  <trace>
    <event><string key="concept:name" value="Orphan"/>
      <date key="time:timestamp" value="2024-03-01T00:00:00Z"/></event>
  </trace>
  <trace>
    <string key="concept:name" value="T3"/>
    <event><string key="concept:name" value="No time"/></event>
  </trace>
  <trace>
    <string key="concept:name" value="T4"/>
    <event><string key="concept:name" value="Bad"/><date key="time:timestamp" value="yesterday"/></event>
  </trace>
  <trace>
    <string key="concept:name" value="T4b"/>
    <event><string key="concept:name" value="Bad"/><int key="points" value="two"/>
      <date key="time:timestamp" value="2024-03-02T00:00:00Z"/></event>
  </trace>
  <trace>
    <string key="concept:name" value="T5"/>
    <event><string key="concept:name" value="Create Fine"/>
      <date key="time:timestamp" value="2024-03-02T00:00:00Z"/><int key="points" value="2"/></event>
  </trace>
</log>
"""


def _write(tmp_path: Path, text: str, name: str = "log.xes") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_traces_become_cases_with_typed_attributes_and_lifecycle(tmp_path: Path) -> None:
    items = list(read_xes(_write(tmp_path, SMALL)))
    assert [i.location for i in items] == [f"trace {n}" for n in range(1, 7)]
    t1 = items[0].case
    assert t1 is not None
    assert t1["case_id"] == "T1"
    assert t1["subject"] == {"municipality": "Slagelse", "birth_date": "2012-05-12T00:00:00+02:00"}
    start, complete, payment = t1["events"]
    assert start["type"] == "Send Fine+start" and complete["type"] == "Send Fine"
    assert start["attrs"] == {"lifecycle:transition": "start"}
    assert complete["id"] == "ev-7"  # identity:id is kept
    assert complete["attrs"] == {"paid": True}  # list attributes are skipped
    assert payment["attrs"] == {"amount": 36.5}
    assert [e["at"] for e in t1["events"]] == ["2024-03-01T09:00:00+01:00"] * 3
    # generated ids number the same-instant events in file order
    assert (start["id"], payment["id"]) == (
        "2024-03-01T09:00:00+01:00#01",
        "2024-03-01T09:00:00+01:00#02",
    )


def test_bad_traces_are_located_errors_and_reading_goes_on(tmp_path: Path) -> None:
    path = _write(tmp_path, SMALL)
    items = list(read_xes(path))
    errors = {i.trace: str(i.error) for i in items if i.error is not None}
    assert errors == {
        2: f"{path}: trace 2: trace without concept:name (the case id)",
        3: f"{path}: case T3: trace 3: event 1 (No time) has no time:timestamp",
        4: f"{path}: case T4: trace 4: event 1: attribute 'time:timestamp': not an xs:dateTime: 'yesterday'",
        5: f"{path}: case T4b: trace 5: event 1: attribute 'points': invalid literal for int() with base 10: 'two'",
    }
    last = items[-1].case
    assert last is not None and last["events"][0]["attrs"] == {"points": 2}


def test_broken_xml_yields_the_good_traces_then_a_located_error(tmp_path: Path) -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    cut = text.index("<trace>", text.index("<trace>") + 1)  # inside the 2nd trace
    cut = text.index("<event>", cut) + 20
    path = _write(tmp_path, text[:cut] + "\n</trace></log>\n")
    items = list(read_xes(path))
    assert [i.case["case_id"] for i in items if i.case] == ["N77802"]
    err = items[-1].error
    assert err is not None and items[-1].location == "trace 2"
    assert err.line is not None
    assert text[:cut].count("\n") + 1 <= err.line <= text[:cut].count("\n") + 3
    assert str(err).startswith(f"{path}:{err.line}: trace 2: malformed XES after trace 1:")


def test_road_fines_sample_reads_as_100_valid_timelines() -> None:
    items = list(read_xes(str(SAMPLE)))
    assert len(items) == 100 and all(i.error is None for i in items)
    assert sum(i.events for i in items) == sum(len(i.case["events"]) for i in items if i.case)
    first = items[0].case
    assert first is not None and first["case_id"] == "N77802"
    assert [e["type"] for e in first["events"]] == ["Create Fine", "Send Fine"]
    assert first["events"][0]["attrs"]["amount"] == 35.0
    for item in items:  # every case passes the engine's own validation
        assert item.case is not None
        normalize(item.case, ZoneInfo("Europe/Rome"))


@pytest.mark.parametrize("kind", ["gz", "zip"])
def test_gzipped_and_zipped_logs_read_the_same(tmp_path: Path, kind: str) -> None:
    raw = SAMPLE.read_bytes()
    if kind == "gz":
        path = tmp_path / "log.xes.gz"
        path.write_bytes(gzip.compress(raw))
    else:
        path = tmp_path / "log.xes.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("__MACOSX/._log.xes", b"resource fork")
            zf.writestr("log.xes", raw)
    assert [i.case for i in read_xes(str(path))] == [i.case for i in read_xes(str(SAMPLE))]


def test_zip_without_one_xes_member_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "two.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("a.xes", "<log/>")
        zf.writestr("b.xes", "<log/>")
    with pytest.raises(ComplianceError, match=r"expected one \.xes file .*'a\.xes', 'b\.xes'"):
        list(read_xes(str(path)))


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ComplianceError, match="cannot open"):
        list(read_xes(str(tmp_path / "nope.xes")))
