"""The columnar batch path against the per-case engine (the reference): the same outcome for
every case — findings serialised byte for byte (explanations and order included), statistics,
error records, observations — over the demo corpus, the rule fixtures of every rule the
columnar path claims, the road-fines sample, and Hypothesis-generated timelines."""

from __future__ import annotations

import datetime as dt
import functools
import importlib.util
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance import Engine, load_rules
from compliance.audit import CaseOutcome, Emit, evaluate_item, finding_line
from compliance.columnar.capability import why_not_columnar
from compliance.columnar.run import PathCounts, run_columnar
from compliance.engine import parse_as_of
from compliance.rules.schema import parse_rule
from compliance.ruletools.testing import collect
from compliance.sources import Item
from compliance.sources.xes import read_xes

pytest.importorskip("polars")

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "fixtures" / "demo" / "cases.jsonl"
ROAD_FINES = ROOT / "fixtures" / "road-fines" / "roadtraffic100traces.xes"
EVERYTHING = Emit(jsonl=True, keep_findings=True)
#: Nothing written: every columnar status stays a statistic of the columns (a finding that is
#: written is rebuilt by the kinds' own code, which would hide a wrong status column)
STATS_ONLY = Emit(jsonl=True, statuses=frozenset(), keep_findings=False)
#: Some statuses written, the others statistics
SOME = Emit(jsonl=True, statuses=frozenset({"met", "excused", "overdue"}), keep_findings=False)
#: A streamed audit: every finding written, none kept (each line built without a Finding)
LINES = Emit(jsonl=True, keep_findings=False)


def _items(cases: list[Any]) -> list[Item]:
    return [Item(i + 1, "test", case=c) for i, c in enumerate(cases)]


def _comparable(o: CaseOutcome) -> dict[str, Any]:
    return {
        "line": o.line,
        "case_id": o.case_id,
        "findings": [f.to_dict() for f in o.findings],
        "observations": o.observations,
        "error": o.error.to_dict() if o.error else None,
        "unknown": o.unknown_event_types,
        "future": o.ignored_future_events,
        "stats": sorted(o.stats, key=repr),
        "lines": o.lines,
        "subject": o.subject,
    }


def both_paths(
    engine: Engine, cases: list[Any], as_of: str, emit: Emit = EVERYTHING, chunk: int = 7
) -> tuple[list[CaseOutcome], list[CaseOutcome], PathCounts]:
    at = parse_as_of(as_of, engine.tz)
    items = _items(cases)
    reference = [evaluate_item(engine, at, item, emit) for item in items]
    counts = PathCounts()
    columnar = list(run_columnar(engine, at, items, emit, counts, chunk_cases=chunk))
    return reference, columnar, counts


def assert_same(reference: list[CaseOutcome], columnar: list[CaseOutcome]) -> None:
    assert len(reference) == len(columnar)
    for ref, col in zip(reference, columnar, strict=True):
        assert _comparable(col) == _comparable(ref), ref.case_id


def _columnar_rules(engine: Engine) -> set[str]:
    return {r.id for r in engine.rules if why_not_columnar(r) is None}


# -- the demo corpus -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_cases() -> list[Any]:
    return [orjson.loads(line) for line in DEMO.read_bytes().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def demo_engine() -> Engine:
    return Engine(load_rules("dk", "municipal"))


def test_demo_corpus_every_output_identical(demo_cases: list[Any], demo_engine: Engine) -> None:
    reference, columnar, counts = both_paths(demo_engine, demo_cases, "2025-06-30", chunk=500)
    assert_same(reference, columnar)
    assert any(o.error for o in reference)  # the demo holds broken cases: same error records
    assert sum(counts.columnar.values()) > 0, "the columnar path judged nothing"


def test_demo_corpus_streamed_lines_identical(demo_cases: list[Any], demo_engine: Engine) -> None:
    """As ``audit --format jsonl`` streams: no finding kept, every line built from the
    judgement (``columnar/merge.py``), equal to the per-case engine's byte for byte."""
    reference, columnar, _ = both_paths(demo_engine, demo_cases, "2025-06-30", LINES, chunk=500)
    assert_same(reference, columnar)
    assert sum(len(o.lines) for o in columnar) > 100_000


def test_demo_corpus_status_filter_materialises_only_what_is_written(
    demo_cases: list[Any], demo_engine: Engine
) -> None:
    """With --status the columnar path writes only the kept findings; the statistics (the
    summary) still count every finding."""
    cases = demo_cases[:600]
    emit = Emit(jsonl=True, statuses=frozenset({"overdue", "late"}), keep_findings=False)
    reference = [
        evaluate_item(demo_engine, parse_as_of("2025-06-30", demo_engine.tz), item, EVERYTHING)
        for item in _items(cases)
    ]
    at = parse_as_of("2025-06-30", demo_engine.tz)
    counts = PathCounts()
    filtered = list(run_columnar(demo_engine, at, _items(cases), emit, counts, chunk_cases=250))
    for ref, col in zip(reference, filtered, strict=True):
        kept = b"".join(finding_line(emit.record(f)) for f in ref.findings if emit.keep(f))
        assert col.lines == kept
        assert sorted(col.stats, key=repr) == sorted(ref.stats, key=repr)
        assert col.findings == []


# -- the rule fixtures of the rules the columnar path claims ----------------------------------


@functools.cache
def _engine(packs: tuple[str, ...], tz: str | None) -> Engine:
    return Engine(load_rules(*packs), default_tz=tz)


def _fixture_cases() -> list[Any]:
    """The fixture cases of every rule the columnar path claims."""
    packs = [str(ROOT / "rules" / p) for p in ("dk", "municipal", "it")]
    packs.append(str(ROOT / "bench" / "peers" / "rules"))
    return [
        case
        for case in collect(packs)
        if case.rule in _columnar_rules(_engine(tuple(case.packs), case.tz))
    ]


@pytest.mark.parametrize("case", _fixture_cases(), ids=lambda c: c.nodeid)
def test_rule_fixture(case: Any) -> None:
    engine = _engine(tuple(case.packs), case.tz)
    as_of = case.as_of if isinstance(case.as_of, str) else case.as_of.isoformat()
    reference, columnar, _ = both_paths(engine, [case.timeline, *case.more], as_of)
    assert_same(reference, columnar)


# -- the road-fines sample ---------------------------------------------------------------------


def _peers_converter() -> Any:
    path = ROOT / "bench" / "peers" / "xes_to_jsonl.py"
    spec = importlib.util.spec_from_file_location("xes_to_jsonl", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_road_fines_sample_with_the_italian_pack() -> None:
    engine = Engine(load_rules(ROOT / "rules" / "it" / "road-fines"))
    cases = [item.case for item in read_xes(str(ROAD_FINES))]
    assert_same(*both_paths(engine, cases, "2013-04-24")[:2])


def test_road_fines_sample_with_the_peers_pack(tmp_path: Path) -> None:
    out = tmp_path / "sample.jsonl"
    _peers_converter().convert(ROAD_FINES, out)
    cases = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    engine = Engine(load_rules(ROOT / "bench" / "peers" / "rules"))
    assert _columnar_rules(engine) == {r.id for r in engine.rules}  # both peer duties
    reference, columnar, counts = both_paths(engine, cases, "2013-04-24")
    assert_same(reference, columnar)
    assert sum(counts.columnar.values()) > 50


# -- Hypothesis timelines ----------------------------------------------------------------------


def _rule(rule_id: str, **fields: Any) -> dict[str, Any]:
    versions = fields.pop("versions", None) or [
        {"valid": {"from": "2020-01-01"}, "source": {"law": "Test", "ref": "§ 1"}}
    ]
    base = {"id": rule_id, "title": {"en": rule_id}, "kind": "deadline", "versions": versions}
    return base | fields


#: The shapes the columnar path judges: days, weeks, months (month ends), years, hours,
#: business days with a roll, closers, `where` equality, two law versions, a scope,
#: partitions (with wildcard closers and excuses), excuses of deadlines, same_day: unordered,
#: due_from, or_by and variants; and one rule it leaves to the per-case engine
#: (before_trigger: counts), whose findings interleave.
HYPOTHESIS_RULES = [
    _rule("t.days", trigger="a", satisfied_by="b", within="10 days", cancelled_by=["c"]),
    _rule("t.hours", trigger="a", satisfied_by=["b", "c"], within="30 hours"),
    _rule(
        "t.months",
        trigger={"event": "a", "where": {"k": "x"}},
        satisfied_by="b",
        within="1 month",
        until=["c"],
    ),
    _rule("t.years", trigger="c", satisfied_by="a", within="1 year", month_end="next_day"),
    _rule(
        "t.business",
        trigger="b",
        satisfied_by="c",
        within="3 business_days",
        roll="next_business_day",
        versions=[
            {
                "valid": {"from": "2020-01-01", "until": "2024-02-29"},
                "source": {"law": "Old", "ref": "§ 1"},
            },
            {
                "valid": {"from": "2024-03-01"},
                "source": {"law": "New", "ref": "§ 2"},
                "within": "2 weeks",
            },
        ],
    ),
    _rule(
        "t.trigger-day",
        trigger="a",
        satisfied_by="a",
        within="5 days",
        count_from="trigger_day",
        scope={"region": "north"},
    ),
    _rule(
        "t.partitioned",
        trigger="a",
        satisfied_by="b",
        within="7 days",
        partition="k",
        cancelled_by=["c"],
        excused_by=["d"],
    ),
    _rule(
        "t.unordered",
        trigger="b",
        satisfied_by=["c", "d"],
        within="2 days",
        same_day="unordered",
        partition="k",
        until=["a"],
    ),
    _rule(
        "t.excused",
        trigger="c",
        satisfied_by="d",
        within="36 hours",
        excused_by=["a", "b"],
        cancelled_by=["b"],
    ),
    _rule(
        "t.due-from",
        trigger="d",
        satisfied_by="a",
        due_from="due",
        within="5 days",
        or_by=["c"],
        partition="k",
        variants=[{"where": {"k": "y"}, "within": "3 days", "note": "y"}],
    ),
    _rule(
        "t.chain",
        trigger="d",
        satisfied_by="d",
        within="4 days",
        partition="k",
        cancelled_by=["a"],
    ),
    _rule(
        "t.chain-unordered",
        trigger="c",
        satisfied_by=["c", "b"],
        within="2 days",
        same_day="unordered",
    ),
    _rule(
        "t.anchored",
        trigger="d",
        satisfied_by="b",
        within="6 days",
        anchor="first_ref",
        infer_anchor={"event": ["a"], "since_last": ["c"], "pick": "earliest"},
        partition="k",
    ),
    _rule(
        "t.anchored-hours",
        trigger="c",
        satisfied_by=["d"],
        within="40 hours",
        anchor="first_ref",
        infer_anchor={"event": ["a", "b"], "pick": "latest"},
    ),
    _rule(
        "t.age",
        trigger={"age": "4 years"},
        satisfied_by=["b", "a"],
        cancelled_by=["c"],
        within="3 days",
        roll="next_business_day",
        partition="k",
    )
    | {"while": ["a"]},
    _rule(
        "t.attribute",
        trigger="b",
        requires=["due"],
        excused_by=["c", "d"],
        partition="k",
        once=True,
        versions=[
            {"valid": {"from": "2024-01-25"}, "source": {"law": "Test", "ref": "§ 1"}},
        ],
    )
    | {"kind": "attribute"},
    _rule("t.counts", trigger="c", satisfied_by="b", within="4 days", before_trigger="counts"),
    _rule(
        "t.earlier",
        trigger="d",
        satisfied_by=["a", "b"],
        within="2 weeks",
        requires_earlier=[{"event": "c", "at_least": "3 days"}],
    ),
    _rule(
        "t.precondition",
        trigger={"event": "d", "where": {"k": "y"}},
        satisfied_by=["b", "c"],
        excused_by=["a"],
        requires_earlier=[{"event": "a"}],
    )
    | {"kind": "precondition"},
    _rule(
        "t.lookback",
        trigger="c",
        satisfied_by="b",
        excused_by=["d"],
        lookback="10 days",
    )
    | {"kind": "precondition"},
    _rule(
        "t.precondition-partitioned",
        trigger="a",
        satisfied_by=["b", "d"],
        excused_by=["c"],
        partition="k",
        lookback="5 days",
    )
    | {"kind": "precondition"},
]


@pytest.fixture(scope="module")
def hypothesis_engine() -> Engine:
    return Engine([parse_rule(r) for r in HYPOTHESIS_RULES])


_START = dt.datetime(2024, 1, 20, tzinfo=dt.UTC)


@st.composite
def timelines(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(0, 9))
    events = []
    for i in range(n):
        # few distinct days and hours: same-day and same-instant events are common
        day, hour = draw(st.integers(0, 15)), draw(st.sampled_from([0, 9, 9, 15, 23]))
        moment = _START + dt.timedelta(days=day, hours=hour)
        at = moment.date().isoformat() if draw(st.booleans()) else moment.isoformat()
        event: dict[str, Any] = {"id": f"e{i}", "type": draw(st.sampled_from("abcd")), "at": at}
        attrs: dict[str, Any] = {}
        if draw(st.booleans()):  # a partition value (1 and "1" are one partition), or none
            attrs["k"] = draw(st.sampled_from(["x", "y", "y", 1, "1"]))
        if draw(st.integers(0, 3)) == 0:  # a date the data sets (due_from)
            attrs["due"] = (_START.date() + dt.timedelta(days=draw(st.integers(0, 20)))).isoformat()
        if attrs:
            event["attrs"] = attrs
        if i and draw(st.integers(0, 4)) == 0:
            event["refs"] = [f"e{draw(st.integers(0, i - 1))}"]
        events.append(event)
    subject: dict[str, Any] = {"region": draw(st.sampled_from(["north", "south"]))}
    if draw(st.booleans()):  # the age of 4 is reached between 2024-01-20 and 2024-02-09
        subject["birth_date"] = dt.date(2020, 1, 20) + dt.timedelta(draw(st.integers(0, 20)))
        subject["birth_date"] = subject["birth_date"].isoformat()
    return {"case_id": f"h{draw(st.integers(0, 10**6))}", "subject": subject, "events": events}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cases=st.lists(timelines(), min_size=1, max_size=12),
    as_of=st.sampled_from(["2024-02-10", "2024-03-05T12:00:00+01:00", "2024-06-30"]),
    emit=st.sampled_from([EVERYTHING, STATS_ONLY, SOME, LINES]),
)
def test_hypothesis_timelines(
    hypothesis_engine: Engine, cases: list[Any], as_of: str, emit: Emit
) -> None:
    reference, columnar, _ = both_paths(hypothesis_engine, cases, as_of, emit, chunk=5)
    assert_same(reference, columnar)


def test_precondition_with_satisfying_events_on_the_trigger_day(
    hypothesis_engine: Engine,
) -> None:
    """Date-only events on the trigger's day are both 'at or before' it and, by id, 'after'
    it: the latest one is found, the first one is the 'later' event."""
    events = [
        {"id": "e1", "type": "c", "at": "2024-02-01"},
        {"id": "e2", "type": "b", "at": "2024-02-01"},
        {"id": "e3", "type": "b", "at": "2024-02-01"},
    ]
    case = {"case_id": "same-day", "subject": {}, "events": events}
    reference, columnar, _ = both_paths(hypothesis_engine, [case], "2024-03-01")
    assert_same(reference, columnar)
    (found,) = [f for f in reference[0].findings if f.rule == "t.lookback"]
    assert found.satisfied_by == "e3"


def test_part_engines_keep_the_callers_calendars(dk_rules: Any) -> None:
    """The per-case engines of the plan (the rest, and one per columnar rule for the cases it
    leaves) compile their rules with the caller's named calendars, as the reference does."""
    from compliance.calendar import CALENDARS
    from compliance.columnar.plan import Plan

    engine = Engine(dk_rules, calendars={"dk": CALENDARS["dk-saturday"]})
    plan = Plan.of(engine, parse_as_of("2024-03-20", engine.tz))
    case = {
        "case_id": "c",
        "events": [
            {
                "id": "e1",
                "type": "notification_received",
                "at": "2024-03-01",
                "attrs": {"reporter": "professional"},
            }
        ],
    }
    ids = [r.id for r in plan.columnar]
    part = plan.single[ids.index("dk.notification.acknowledge")]
    due = {f.rule: f.due for f in part.evaluate(case, as_of="2024-03-20").findings}
    assert due["dk.notification.acknowledge"] == "2024-03-08"  # Saturday counts: 2024-03-11 without
    assert plan.rest.calendars == engine.calendars


# -- each shape, judged as columns (not handed to the per-case engine) and exactly -------------


def _event(eid: str, etype: str, at: str, **attrs: Any) -> dict[str, Any]:
    return {"id": eid, "type": etype, "at": at} | ({"attrs": attrs} if attrs else {})


def _columnar_findings(
    engine: Engine, rule_id: str, cases: list[list[dict[str, Any]]], as_of: str = "2024-03-01"
) -> list[list[Any]]:
    """Per case, the rule's findings, after checking that both paths agree and that the
    columnar path judged the rule in every case itself."""
    timelines = [{"case_id": f"c{i}", "events": evs} for i, evs in enumerate(cases)]
    assert_same(*both_paths(engine, timelines, as_of, STATS_ONLY)[:2])  # the status columns
    reference, columnar, counts = both_paths(engine, timelines, as_of)
    assert_same(reference, columnar)
    assert all(o.error is None for o in reference)
    assert counts.columnar.get(rule_id) == len(cases)
    assert counts.per_case.get(rule_id, 0) == 0, "handed to the per-case engine"
    return [[f for f in o.findings if f.rule == rule_id] for o in reference]


def test_partitioned_deadline(hypothesis_engine: Engine) -> None:
    """A satisfying event fulfils only its own partition (1 and "1" are one); a closer
    without the attribute closes every partition's obligation."""
    (found,) = _columnar_findings(
        hypothesis_engine,
        "t.partitioned",
        [
            [
                _event("e1", "a", "2024-02-01", k="x"),
                _event("e2", "a", "2024-02-01", k="y"),
                _event("e3", "a", "2024-02-02"),
                _event("e4", "b", "2024-02-03", k="y"),
                _event("e5", "b", "2024-02-04"),
                _event("e6", "c", "2024-02-05"),
                _event("e7", "a", "2024-02-06", k=1),
                _event("e8", "b", "2024-02-07", k="1"),
            ]
        ],
    )
    got = {f.trigger: (f.partition, f.status, f.satisfied_by) for f in found}
    assert got == {
        "e1": ("x", "cancelled", None),
        "e2": ("y", "met", "e4"),
        "e3": (None, "met", "e5"),
        "e7": ("1", "met", "e8"),
    }


def test_partitioned_precondition(hypothesis_engine: Engine) -> None:
    """Satisfying events count in their own partition; an excuse without the attribute
    excuses every partition (within the lookback)."""
    (found,) = _columnar_findings(
        hypothesis_engine,
        "t.precondition-partitioned",
        [
            [
                _event("p1", "b", "2024-02-01", k="x"),
                _event("p2", "c", "2024-02-02"),
                _event("p3", "a", "2024-02-03", k="x"),
                _event("p4", "a", "2024-02-03", k="y"),
                _event("p5", "b", "2024-02-09", k="y"),
                _event("p6", "a", "2024-02-10", k="z"),
                _event("p7", "d", "2024-02-11", k="z"),
            ]
        ],
    )
    got = {f.trigger: (f.partition, f.status, f.satisfied_by) for f in found}
    assert got == {
        "p3": ("x", "met", "p1"),
        "p4": ("y", "excused", None),
        "p6": ("z", "missed", None),
    }
    assert "p7" in found[-1].explain[-1]  # the later satisfying event of its own partition


def test_excused_deadline(hypothesis_engine: Engine) -> None:
    """The first excuse at or after the trigger that is in time excuses an obligation that is
    not fulfilled in time, before a closer; a late fulfilment before any closer stays late;
    an in-time fulfilment after a closer leaves the closer (no excuse is looked for)."""
    found = _columnar_findings(
        hypothesis_engine,
        "t.excused",
        [
            [_event("t", "c", "2024-02-01T10:00:00Z"), _event("x", "a", "2024-02-02T09:00:00Z")],
            [_event("t", "c", "2024-02-01T10:00:00Z"), _event("x", "a", "2024-02-03T09:00:00Z")],
            [_event("t", "c", "2024-02-01T10:00:00Z"), _event("x", "b", "2024-02-01T12:00:00Z")],
            [
                _event("t", "c", "2024-02-01T10:00:00Z"),
                _event("x", "a", "2024-02-01T20:00:00Z"),
                _event("f", "d", "2024-02-03T10:00:00Z"),
            ],
            [
                _event("t", "c", "2024-02-01T10:00:00Z"),
                _event("x", "b", "2024-02-01T12:00:00Z"),
                _event("f", "d", "2024-02-01T14:00:00Z"),
            ],
            [
                # due 2024-02-02T22:00: a date-only excuse on that day is in time (by date)
                _event("t", "c", "2024-02-01T10:00:00Z"),
                _event("y", "a", "2024-02-02"),
                _event("x", "a", "2024-02-02T23:00:00Z"),
            ],
        ],
    )
    statuses = [[f.status for f in case] for case in found]
    assert statuses == [["excused"], ["overdue"], ["excused"], ["late"], ["cancelled"], ["excused"]]
    assert found[5][0].explain[-1].startswith("excused by y ")


def test_same_day_unordered(hypothesis_engine: Engine) -> None:
    """A satisfying event counts from the trigger's local day, whatever its time; triggers take
    satisfying events of mixed precision in turn."""
    found = _columnar_findings(
        hypothesis_engine,
        "t.unordered",
        [
            [_event("t", "b", "2024-02-01T15:00:00Z"), _event("s", "c", "2024-02-01T09:00:00Z")],
            [
                _event("t1", "b", "2024-02-01"),
                _event("s1", "c", "2024-02-01T08:00:00Z"),
                _event("t2", "b", "2024-02-01T20:00:00Z"),
                _event("s2", "d", "2024-02-05"),
            ],
        ],
    )
    (early,) = found[0]
    assert (early.status, early.satisfied_by) == ("met", "s")
    assert "is before the trigger and counts" in " ".join(early.explain)
    assert [(f.trigger, f.status, f.satisfied_by) for f in found[1]] == [
        ("t1", "met", "s1"),
        ("t2", "late", "s2"),
    ]


def test_due_from_or_by_and_variants(hypothesis_engine: Engine) -> None:
    """The due date the data sets, brought forward by an earlier or_by event of the partition
    (or of none); a variant's period where the trigger matches it."""
    found = _columnar_findings(
        hypothesis_engine,
        "t.due-from",
        [
            [
                _event("t", "d", "2024-02-01", k="x", due="2024-02-10"),
                _event("o", "c", "2024-02-05"),
                _event("s", "a", "2024-02-07", k="x"),
            ],
            [_event("t", "d", "2024-02-01", k="y"), _event("s", "a", "2024-02-04", k="y")],
        ],
    )
    assert [(f.due, f.status) for case in found for f in case] == [
        ("2024-02-05", "late"),
        ("2024-02-04", "met"),
    ]


def test_triggers_that_are_satisfying_events(hypothesis_engine: Engine) -> None:
    """Each event starts the next duty and fulfils the previous one (dk.follow-up.next),
    never its own: judged as columns when no two such events are at the same point."""
    days = ["2024-02-01T10:00:00Z", "2024-02-03T10:00:00Z", "2024-02-10T10:00:00Z"]
    chain = [_event(f"d{i}", "d", at, k="x") for i, at in enumerate(days)]
    unordered = [
        _event("c0", "c", "2024-02-01T10:00:00Z"),
        _event("b0", "b", "2024-02-02"),
        _event("c1", "c", "2024-02-04T09:00:00Z"),
        _event("c2", "c", "2024-02-08"),
    ]
    (found,) = _columnar_findings(hypothesis_engine, "t.chain", [chain])
    assert [(f.trigger, f.status, f.satisfied_by) for f in found] == [
        ("d0", "met", "d1"),
        ("d1", "late", "d2"),
        ("d2", "overdue", None),
    ]
    (found,) = _columnar_findings(hypothesis_engine, "t.chain-unordered", [unordered])
    assert [(f.trigger, f.status, f.satisfied_by) for f in found] == [
        ("c0", "met", "b0"),
        ("c1", "late", "c2"),
        ("c2", "overdue", None),
    ]


def test_triggers_at_one_point_go_per_case(hypothesis_engine: Engine) -> None:
    """Two triggers that are satisfying events on one day, by date: which takes which depends
    on the order of the per-case scan, so the pair goes to the per-case engine (same output)."""
    case = {
        "case_id": "tie",
        "events": [_event("d0", "d", "2024-02-01"), _event("d1", "d", "2024-02-01")],
    }
    reference, columnar, counts = both_paths(hypothesis_engine, [case], "2024-03-01")
    assert_same(reference, columnar)
    assert counts.per_case.get("t.chain") == 1


def test_clock_from_a_referenced_or_inferred_event(hypothesis_engine: Engine) -> None:
    """anchor: first_ref: the clock starts at the earliest event the trigger refs, else at the
    event infer_anchor finds (of the trigger's partition or of none, since the last closing
    event), else at the trigger (fallback); the satisfying event is still looked for from the
    trigger."""
    found = _columnar_findings(
        hypothesis_engine,
        "t.anchored",
        [
            [
                _event("r", "a", "2024-02-01"),
                {"id": "t", "type": "d", "at": "2024-02-05", "refs": ["r"]},
                _event("s", "b", "2024-02-08"),
            ],
            [
                _event("a0", "a", "2024-02-01", k="y"),
                _event("a1", "a", "2024-02-02", k="x"),
                _event("c", "c", "2024-02-03"),
                _event("a2", "a", "2024-02-04"),
                _event("t", "d", "2024-02-06", k="x"),
            ],
            [_event("t", "d", "2024-02-06", k="x"), _event("s", "b", "2024-02-07", k="x")],
        ],
    )
    got = [(f.anchor, f.anchored_at, f.due, f.status) for case in found for f in case]
    assert got == [
        ("ref", "2024-02-01", "2024-02-07", "late"),
        ("inferred", "2024-02-04", "2024-02-10", "overdue"),
        ("fallback", None, "2024-02-12", "met"),
    ]


def test_age_rule(hypothesis_engine: Engine) -> None:
    """Per measure begun by the day the age is reached: due that day + within (rolled); the
    earliest unused satisfying event at or after the measure fulfils it, the measure itself
    included; a closer without the partition attribute closes every measure."""
    events = [
        _event("m1", "a", "2024-01-20", k="x"),
        _event("m2", "a", "2024-01-22", k="y"),
        _event("m3", "a", "2024-01-30", k="x"),
        _event("s1", "b", "2024-01-23", k="y"),
        _event("c1", "c", "2024-02-20"),
    ]
    case = {"case_id": "age", "subject": {"birth_date": "2020-01-25"}, "events": events}
    reference, columnar, counts = both_paths(hypothesis_engine, [case], "2024-03-01")
    assert_same(reference, columnar)
    assert_same(*both_paths(hypothesis_engine, [case], "2024-03-01", STATS_ONLY)[:2])
    assert counts.columnar.get("t.age") == 1 and "t.age" not in counts.per_case
    found = [f for f in reference[0].findings if f.rule == "t.age"]
    got = [(f.trigger, f.partition, f.due, f.status, f.satisfied_by) for f in found]
    assert got == [
        ("m1", "x", "2024-01-29", "met", "m1"),
        ("m2", "y", "2024-01-29", "met", "m2"),
    ]
    assert found[0].anchored_at == "2024-01-25"


def test_attribute_rule(hypothesis_engine: Engine) -> None:
    """The trigger settles it: met when it carries the attribute; else excused by the first
    excusing event at or before it (its own partition or none), else missed; once: the first
    trigger per partition in the data, even before the rule's first version."""
    events = [
        _event("b0", "b", "2024-01-24", k="z"),
        _event("b1", "b", "2024-02-01", k="x", due="2024-03-01"),
        _event("c1", "c", "2024-02-02T10:00:00Z", k="x"),
        _event("b2", "b", "2024-02-03T09:00:00Z", k="y"),
        _event("b3", "b", "2024-02-03T11:00:00Z", k="x"),
        _event("d1", "d", "2024-02-03T10:00:00Z"),
        _event("b4", "b", "2024-02-04"),
        _event("b5", "b", "2024-02-05", k="z"),
    ]
    (found,) = _columnar_findings(hypothesis_engine, "t.attribute", [events])
    assert [(f.trigger, f.status) for f in found] == [
        ("b1", "met"),
        ("b2", "missed"),
        ("b4", "excused"),
    ]


def test_the_hypothesis_rules_claimed(hypothesis_engine: Engine) -> None:
    """Every Hypothesis rule but one is a shape the columnar path claims."""
    assert {r.id for r in hypothesis_engine.rules} - _columnar_rules(hypothesis_engine) == {
        "t.counts"
    }
