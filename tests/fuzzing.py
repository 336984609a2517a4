"""Hypothesis budgets for the fuzzers (tests/test_reliability.py, tests/test_hardening_*.py).

Two profiles, chosen with ``HYPOTHESIS_PROFILE`` (tests/conftest.py loads one before any test
module is imported):

- ``ci`` (the default, what ``make test`` runs): a small budget per fuzzer, so the suite stays
  well inside CI's 10 minutes;
- ``fuzz`` (``make fuzz``): the recorded long run in docs/reliability.md.

``RELIABILITY_EXAMPLES=N`` overrides the examples per fuzzer in either profile. A fuzzer whose
example costs a whole rule-pack load takes a share of the budget (``FUZZ_SLOW``); the shares
are fixed, so the figures in docs/reliability.md follow from the profile.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

CI_EXAMPLES = 100
LONG_EXAMPLES = 10_000
SLOW_SHARE = 4  # a fuzzer that loads a rule file per example gets 1/4 of the budget


def register_profiles() -> None:
    override = os.environ.get("RELIABILITY_EXAMPLES")
    common = {
        "deadline": None,  # a shared 2-core machine: timing is not what these tests check
        "suppress_health_check": [HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        "print_blob": True,  # a failure in CI prints the @reproduce_failure line
    }
    for name, examples in (("ci", CI_EXAMPLES), ("fuzz", LONG_EXAMPLES)):
        settings.register_profile(
            name, max_examples=int(override) if override else examples, **common
        )
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def budget() -> int:
    """Examples per fuzzer in the loaded profile."""
    return settings.default.max_examples if settings.default else CI_EXAMPLES


def slow_budget() -> int:
    return max(10, budget() // SLOW_SHARE)
