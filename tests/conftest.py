from __future__ import annotations

import pytest

from compliance import Engine, load_rules
from fuzzing import register_profiles

register_profiles()  # HYPOTHESIS_PROFILE=ci (default) or fuzz; see tests/fuzzing.py


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "fuzz: a Hypothesis fuzzer; `make fuzz` runs these with the long profile"
    )


@pytest.fixture(scope="session")
def dk_rules():  # type: ignore[no-untyped-def]
    return load_rules("dk")


@pytest.fixture(scope="session")
def dk_engine(dk_rules):  # type: ignore[no-untyped-def]
    return Engine(dk_rules)
