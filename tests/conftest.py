from __future__ import annotations

import pytest

from compliance import Engine, load_rules


@pytest.fixture(scope="session")
def dk_rules():  # type: ignore[no-untyped-def]
    return load_rules("dk")


@pytest.fixture(scope="session")
def dk_engine(dk_rules):  # type: ignore[no-untyped-def]
    return Engine(dk_rules)
