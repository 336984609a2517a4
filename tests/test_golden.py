"""The behaviour guard (tests/golden/guard.py): every output for the demo corpus and every rule
fixture is byte-identical to the recorded digests. Re-record only for a deliberate change."""

from __future__ import annotations

import json

from golden.guard import DIGESTS, compute


def test_outputs_are_byte_identical_to_the_recorded_ones() -> None:
    recorded = json.loads(DIGESTS.read_text())
    now = compute()
    changed = sorted(k for k in recorded.keys() | now.keys() if recorded.get(k) != now.get(k))
    assert not changed, (
        f"outputs changed: {changed}. If deliberate, re-record with "
        "`.venv/bin/python -m tests.golden.guard --record` and say why in the commit."
    )
