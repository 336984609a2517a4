"""Time to evaluate ONE case as it grows (issue 17: quadratic matching inside a case).

The case holds n events: half of them triggers of a deadline (and a limit), then the other
half fulfilling events, plus one recurring duty whose chain runs through all fulfilments — the
worst order for a per-obligation scan. Prints seconds per size, with the cyclic garbage
collector on (what a user sees) and paused (the matching alone).

    .venv/bin/python bench/case_size.py 8000 64000 200000
"""

from __future__ import annotations

import datetime as dt
import gc
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from compliance import Engine, load_rules

RULES = {
    "deadline.yaml": """\
id: b.deadline
title: {da: Frist, en: Deadline}
kind: deadline
versions: [{valid: {from: 2000-01-01}, source: {document: Bench}}]
trigger: notification_received
satisfied_by: notification_assessed
excused_by: {event: decision}
cancelled_by: [case_closed]
within: 3 days
""",
    "recurring.yaml": """\
id: b.recurring
title: {da: Gentaget, en: Recurring}
kind: recurring
versions: [{valid: {from: 2000-01-01}, source: {document: Bench}}]
trigger: investigation_started
satisfied_by: notification_assessed
within: 2 days
every: 2 days
cancelled_by: [case_closed]
""",
    "limit.yaml": """\
id: b.limit
title: {da: Loft, en: Limit}
kind: limit
versions: [{valid: {from: 2000-01-01}, source: {document: Bench}}]
trigger: notification_received
matching: notification_assessed
count: 3
within: 5 days
""",
}


def case_of(n: int) -> dict[str, Any]:
    start = dt.date(2001, 1, 1)
    half = n // 2
    events: list[dict[str, Any]] = [
        {"id": "s0", "type": "investigation_started", "at": start.isoformat()}
    ]
    for i in range(half):
        day = start + dt.timedelta(days=i // 8)
        events.append({"id": f"t{i}", "type": "notification_received", "at": day.isoformat()})
    last = start + dt.timedelta(days=half // 8 + 1)
    for i in range(n - half - 1):
        day = last + dt.timedelta(days=i // 8)
        events.append({"id": f"f{i}", "type": "notification_assessed", "at": day.isoformat()})
    return {"case_id": f"bench-{n}", "events": events}


def timed(engine: Engine, prepared: Any, collect: bool) -> float:
    gc.collect()
    if not collect:
        gc.disable()
    try:
        t0 = time.perf_counter()
        engine.evaluate(prepared, as_of="2999-12-31")
        return time.perf_counter() - t0
    finally:
        gc.enable()


def main(sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in RULES.items():
            (Path(tmp) / name).write_text(text, encoding="utf-8")
        try:
            engine = Engine(load_rules(tmp), max_case_events=10**7, max_case_findings=10**7)
        except TypeError:  # an engine from before the per-case budget (for before/after)
            engine = Engine(load_rules(tmp))
    print("events  findings  seconds(gc on)  seconds(gc paused)")
    for n in sizes:
        prepared = engine.prepare(case_of(n))
        on = timed(engine, prepared, True)
        off = timed(engine, prepared, False)
        found = len(engine.evaluate(prepared, as_of="2999-12-31").findings)
        print(f"{n:>7} {found:>9} {on:>15.2f} {off:>19.2f}", flush=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [8_000, 64_000, 200_000])
