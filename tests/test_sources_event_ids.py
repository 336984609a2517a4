from __future__ import annotations

import pytest

from compliance.sources.event_ids import event_id, generate_event_ids


def test_ids_are_time_and_occurrence_in_file_order() -> None:
    ats = ["2024-03-01", "2024-03-01", "2024-03-05T09:30:00+01:00"]
    assert generate_event_ids(ats) == [
        "2024-03-01#01",
        "2024-03-01#02",
        "2024-03-05T09:30:00+01:00#01",
    ]


def test_ids_are_stable_when_later_events_and_other_times_are_added() -> None:
    before = generate_event_ids(["2024-03-01", "2024-03-02", "2024-03-01"])
    after = generate_event_ids(["2024-04-09", "2024-03-01", "2024-03-02", "2024-03-01"])
    assert after[1:] == before


def test_same_instant_ties_sort_in_file_order_even_past_nine() -> None:
    ids = generate_event_ids(["2024-03-01"] * 12)
    assert sorted(ids) == ids
    assert ids[-1] == "2024-03-01#12"
    assert len(set(ids)) == 12


def test_width_grows_with_the_largest_tie() -> None:
    ids = generate_event_ids(["2024-03-01"] * 100)
    assert ids[0] == "2024-03-01#001" and sorted(ids) == ids


def test_given_ids_are_kept_and_never_collided_with() -> None:
    ids = generate_event_ids(
        ["2024-03-01", "2024-03-01", "2024-03-02"], ["2024-03-01#01", "", None]
    )
    assert ids == ["2024-03-01#01", "2024-03-01#01~", "2024-03-02#01"]
    assert len(set(ids)) == 3


def test_deterministic() -> None:
    ats = ["2024-03-0" + str(1 + i % 3) for i in range(30)]
    assert generate_event_ids(ats) == generate_event_ids(list(ats))


def test_bad_arguments_are_errors() -> None:
    with pytest.raises(ValueError, match="1-based"):
        event_id("2024-03-01", 0)
    with pytest.raises(ValueError, match="without a time"):
        event_id("  ", 1)
    with pytest.raises(ValueError, match="2 times but 1 ids"):
        generate_event_ids(["2024-03-01", "2024-03-02"], ["a"])
