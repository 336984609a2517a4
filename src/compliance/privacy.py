"""CPR masking. Case data is about children: no CPR-shaped value leaves the program.

A CPR-shaped value is ``ddmmyy-xxxx`` or ``ddmmyyxxxx`` whose first six digits form a valid
date. Masking keeps nothing of it: ``******-****``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from typing import Any

__all__ = ["mask_bytes", "mask_cpr", "mask_obj", "pseudonym"]

_PATTERN = r"(?<![0-9])([0-9]{2})([0-9]{2})([0-9]{2})[- ]?([0-9]{4})(?![0-9])"  # ASCII digits
_CPR = re.compile(_PATTERN)
_CPR_BYTES = re.compile(_PATTERN.encode())
MASK = "******-****"


def _valid(d: str | bytes, m: str | bytes, y: str | bytes) -> bool:
    day, month, year = int(d), int(m), int(y)
    try:
        dt.date(2000 + year, month, day)  # only day/month validity matters for the shape
        return True
    except ValueError:
        return day == 29 and month == 2  # 29 February of a leap year in another century


# Prefilter (C speed): map ASCII digits to "0", "-" and space to "-", every other byte to " ".
# A CPR-shaped value then reads "0000000000" or "000000-0000", so a plain substring test is an
# exact superset check, and the (slower) regex runs only on text that really could hold one.
_SHAPE = bytes(48 if 48 <= i <= 57 else 45 if i in (32, 45) else 32 for i in range(256))


def _may_hold_cpr(data: bytes) -> bool:
    shape = data.translate(_SHAPE)
    return b"0000000000" in shape or b"000000-0000" in shape


def mask_cpr(text: str) -> str:
    """Replace CPR-shaped values (ddmmyy-xxxx, ddmmyyxxxx with a valid date) by a mask."""
    if len(text) < 10 or not _may_hold_cpr(text.encode("utf-8", "surrogatepass")):
        return text
    return _CPR.sub(lambda m: MASK if _valid(m[1], m[2], m[3]) else m[0], text)


def mask_bytes(data: bytes) -> bytes:
    """``mask_cpr`` for serialized output (one pass over a whole JSON line)."""
    if not _may_hold_cpr(data):
        return data
    return _CPR_BYTES.sub(lambda m: MASK.encode() if _valid(m[1], m[2], m[3]) else m[0], data)


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
