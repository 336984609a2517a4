"""Bounds on what one case may cost and what the engine echoes back (docs/reliability.md,
"Engine: hostile values").

Case data comes from others: a 100 KB event id repeated in every explanation, or a case with
hundreds of thousands of events, must not turn one input line into hundreds of megabytes of
report or stall a batch. The engine therefore shortens every id and value it echoes in labels
and explanations, and rejects a case over its budget with a located reason.
"""

from __future__ import annotations

__all__ = [
    "ECHO_LIMIT",
    "MAX_CASE_EVENTS",
    "MAX_CASE_FINDINGS",
    "MAX_OCCURRENCES",
    "shorten",
]

#: Characters of an id or value echoed in a label or explanation before it is cut.
ECHO_LIMIT = 80
#: Events one case may have (``Engine(max_case_events=...)``); more rejects the case.
MAX_CASE_EVENTS = 100_000
#: Findings one case may produce (``Engine(max_case_findings=...)``); more rejects the case.
MAX_CASE_FINDINGS = 50_000
#: Occurrences one recurring duty may raise per trigger; the last finding says when it is hit.
MAX_OCCURRENCES = 10_000


def shorten(text: str, limit: int = ECHO_LIMIT) -> str:
    """``text`` itself when short, else its head and a visible marker with the cut length."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…[+{len(text) - limit} chars]"
