"""CPR masking. Case data is about children: no CPR-shaped value leaves the program.

A CPR-shaped value is ``ddmmyy-xxxx`` or ``ddmmyyxxxx`` whose first six digits form a valid
date. Masking keeps nothing of it: ``******-****``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import unicodedata
from typing import Any

__all__ = [
    "mask_bytes",
    "mask_cpr",
    "mask_obj",
    "printable",
    "pseudonym",
    "pseudonymise_text",
    "surely_cpr_free_json",
]

# Digits: ASCII and any Unicode decimal digit (full-width, Arabic-Indic, ...) plus the
# superscript/subscript digits NFKC maps to ASCII. Between the date and the serial number any
# short run (up to 3) of separator characters: hyphens and dashes of every kind, the minus
# sign, spaces of every width, tab, NBSP, soft hyphen, zero-width and other format characters,
# control characters. Each match is NFKC-normalised before its date is checked.
_DIGIT = r"[0-9\d\u00b2\u00b3\u00b9\u2070\u2074-\u2079\u2080-\u2089]"
_SEP = (
    r"[\x00-\x20\x7f-\xa0\u00ad\u1680\u180e\u2000-\u2015\u2028-\u202f\u205f-\u2064"
    r"\u2212\u2e3a\u2e3b\u3000\ufe58\ufe63\uff0d\ufeff-]"
)
_CPR = re.compile(
    rf"(?<!{_DIGIT})({_DIGIT}{{2}})({_DIGIT}{{2}})({_DIGIT}{{2}}){_SEP}{{0,3}}({_DIGIT}{{4}})"
    rf"(?!{_DIGIT})"
)
MASK = "******-****"


def _valid(d: str, m: str, y: str) -> bool:
    day, month, year = (int(unicodedata.normalize("NFKC", part)) for part in (d, m, y))
    try:
        dt.date(2000 + year, month, day)  # only day/month validity matters for the shape
        return True
    except ValueError:
        return day == 29 and month == 2  # 29 February of a leap year in another century


# Prefilter (C speed) for ASCII text: map digits to "0", separators (space, tab, "-", other
# control characters) to "-", every other byte to " ". A CPR-shaped value then reads
# "000000", at most three "-", "0000"; the (slower) regex runs only where that shape occurs.
# Text with non-ASCII characters always goes to the regex (Unicode digits and separators).
_SHAPE = bytes(48 if 48 <= i <= 57 else 45 if i <= 32 or i in (45, 127) else 32 for i in range(256))
_ASCII_SHAPE = re.compile(rb"0{6}-{0,3}0{4}")


def _may_hold_cpr(text: str) -> bool:
    if not text.isascii():
        return True
    return _ASCII_SHAPE.search(text.encode("ascii").translate(_SHAPE)) is not None


def mask_cpr(text: str) -> str:
    """Replace CPR-shaped values (a valid ddmmyy, a short run of separators, four digits; any
    Unicode digits and dash/space/invisible separators) by ``******-****``."""
    if len(text) < 10 or not _may_hold_cpr(text):
        return text
    return _CPR.sub(lambda m: MASK if _valid(m[1], m[2], m[3]) else m[0], text)


def mask_bytes(data: bytes) -> bytes:
    """``mask_cpr`` for UTF-8 text already serialised. Prefer masking values before they are
    serialised (``mask_obj``): an escape like ``\u0001`` can hide a CPR from any byte scan."""
    if data.isascii() and _ASCII_SHAPE.search(data.translate(_SHAPE)) is None:
        return data
    return mask_cpr(data.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")


# The prefilter for JSON text as orjson writes it (UTF-8, unescaped beyond what JSON needs):
# ASCII digits and every byte of a non-ASCII character (it may be a Unicode digit or
# separator, 2-4 bytes) -> "0", ASCII separators -> "-", every other byte -> " ". A CPR-shaped
# value (6 digits, up to 3 separators, 4 digits) then reads six "0", at most twelve of [-0],
# four "0": the pattern below matches a superset of every CPR's image, and its literal prefix
# keeps the search at C speed.
_JSON_SHAPE = bytes(
    48 if 48 <= i <= 57 or i >= 128 else 45 if i <= 32 or i in (45, 127) else 32 for i in range(256)
)
_JSON_CPR_SHAPE = re.compile(rb"000000[-0]{0,12}0000")


def surely_cpr_free_json(data: bytes) -> bool:
    """True when JSON text (as orjson writes it) certainly holds no CPR-shaped string value, so
    masking value by value would change nothing: no escape at all (an escaped control
    character such as ``\\u0001`` or ``\\n`` may be a separator the bytes hide), and not the
    digit shape anywhere. False only means: mask value by value (``mask_obj``)."""
    return b"\\" not in data and _JSON_CPR_SHAPE.search(data.translate(_JSON_SHAPE)) is None


def mask_obj(obj: Any) -> Any:
    """Mask CPR-shaped values in strings anywhere inside ``obj`` (dicts, lists, strings)."""
    if isinstance(obj, str):
        return mask_cpr(obj)
    if isinstance(obj, dict):
        return {mask_cpr(str(k)) if isinstance(k, str) else k: mask_obj(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [mask_obj(v) for v in obj]
    return obj


def pseudonym(value: str, key: bytes) -> str:
    """A keyed, stable pseudonym (HMAC-SHA256, 16 hex chars) for a case id."""
    return "p-" + hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


# C0/C1 control characters (ESC starts terminal escape sequences), DEL, line/paragraph
# separators and the bidirectional overrides that make text read differently than it is
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """A message for a terminal: CPR-masked, every control character (ESC, CR, BEL, bidi
    overrides, ...) shown as a visible escape like ``\\x1b``, so data cannot move the cursor,
    retitle the window or hide text."""

    def visible(m: re.Match[str]) -> str:
        code = ord(m[0])
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _UNPRINTABLE.sub(visible, mask_cpr(text))


def pseudonymise_text(text: str, case_id: str | None, key: bytes) -> str:
    """``text`` (an error reason, an explanation) with the real case id replaced by its
    pseudonym wherever it stands as a token of its own."""
    if not case_id:
        return text
    token = re.compile(rf"(?<!\w){re.escape(case_id)}(?!\w)")
    return token.sub(lambda _: pseudonym(case_id, key), text)
