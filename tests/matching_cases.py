"""The worst case for matching inside one case (issue 17), shared by the near-linear tests
(tests/test_hardening_engine.py) and the measurement (bench/case_size.py): one rule of each
matching kind, and a case whose triggers all come before their fulfilments."""

from __future__ import annotations

import datetime as dt
from typing import Any

__all__ = ["MATCH_RULES", "big_case"]

MATCH_RULES = {
    "deadline.yaml": """\
id: t.deadline
title: {da: Frist, en: Deadline}
kind: deadline
versions: [{valid: {from: 2000-01-01}, source: {document: Test standard}}]
trigger: notification_received
satisfied_by: notification_assessed
excused_by: {event: decision}
cancelled_by: [case_closed]
within: 3 days
""",
    "recurring.yaml": """\
id: t.recurring
title: {da: Gentaget, en: Recurring}
kind: recurring
versions: [{valid: {from: 2000-01-01}, source: {document: Test standard}}]
trigger: investigation_started
satisfied_by: notification_assessed
within: 2 days
every: 2 days
cancelled_by: [case_closed]
""",
    "limit.yaml": """\
id: t.limit
title: {da: Loft, en: Limit}
kind: limit
versions: [{valid: {from: 2000-01-01}, source: {document: Test standard}}]
trigger: notification_received
matching: notification_assessed
count: 3
within: 5 days
""",
}


def big_case(n: int) -> dict[str, Any]:
    """``n`` events: all triggers first, then all fulfilments — the worst case for a scan."""
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
    return {"case_id": f"big-{n}", "events": events}
