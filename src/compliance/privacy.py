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

__all__ = ["mask_cpr", "mask_obj", "pseudonym"]

_CPR = re.compile(r"(?<!\d)(\d{2})(\d{2})(\d{2})[- ]?(\d{4})(?!\d)")
MASK = "******-****"


def _valid(d: str, m: str, y: str) -> bool:
    try:
        dt.date(2000 + int(y), int(m), int(d))  # any century: only day/month validity matters
        return True
    except ValueError:
        return int(d) == 29 and int(m) == 2  # 29 Feb of a leap year in another century


def mask_cpr(text: str) -> str:
    if not any(c.isdigit() for c in text):
        return text
    return _CPR.sub(lambda m: MASK if _valid(m[1], m[2], m[3]) else m[0], text)


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
