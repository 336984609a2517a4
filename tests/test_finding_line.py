"""``audit.finding_line`` skips value-by-value CPR masking when the serialised finding surely
holds no CPR; it must equal ``outputs.jsonl.jsonl_line`` byte for byte on any record."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.audit import finding_line
from compliance.outputs.jsonl import jsonl_line
from compliance.privacy import MASK

# pieces that make CPR shapes likely: digits (ASCII and other scripts), separators of every
# kind the masking knows (control characters, which JSON escapes, included), and plain text
PIECES = st.sampled_from(
    [
        "010203",
        "1234",
        "311299",
        "-",
        " ",
        "\t",
        "\n",
        "\x01",
        "\x7f",
        "\u00ad",
        "\u200b",
        "\u2212",
        "\uff10\uff11\uff10\uff12\uff10\uff13",
        "\u00b2",
        "2024-06-30",
        "T14:49:00+02:00",
        'a"b',
        "\\",
        "case ",
        "9",
        "é",
    ]
)
TEXT = st.lists(PIECES | st.text(max_size=6), max_size=8).map("".join)
VALUES = st.recursive(
    st.none() | st.integers(-(2**63), 2**63 - 1) | st.booleans() | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=600, deadline=None)
@given(st.dictionaries(TEXT, VALUES, max_size=6))
def test_finding_line_equals_masked_line(record: dict[str, Any]) -> None:
    assert finding_line(record) == jsonl_line(record)


def test_cpr_behind_an_escaped_separator_is_still_masked() -> None:
    for separator in ("\n", "\x01", "\t", " ", "-", "\x7f", ""):
        record = {"explain": [f"note 010203{separator}1234 seen"]}
        line = finding_line(record)
        assert line == jsonl_line(record)
        assert MASK.encode() in line and b"1234" not in line


def test_a_finding_without_cpr_is_serialised_unchanged() -> None:
    record = {"case_id": "AAR-2022-000000", "due": "2024-07-04", "lateness_days": 3}
    assert (
        finding_line(record)
        == b'{"case_id":"AAR-2022-000000","due":"2024-07-04","lateness_days":3}\n'
    )
