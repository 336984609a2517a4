"""iCalendar (RFC 5545): the agenda as all-day events, one per open obligation.

Everything taken from data is TEXT escaped per RFC 5545 §3.3.11 (backslash, ``;``, ``,``,
newline), with control characters dropped, so a case id cannot end a property or add an
event; lines are folded at 75 octets (§3.1); a UID is a hash, never the case id itself."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from compliance.model import Finding
from compliance.outputs.documents import Agenda
from compliance.outputs.files import atomic_binary
from compliance.outputs.messages import messages
from compliance.privacy import mask_cpr

__all__ = ["escape_text", "fold_line", "write_agenda"]

_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
FOLD_OCTETS = 75


def escape_text(value: str) -> str:
    """An RFC 5545 TEXT value: CPR-masked, newlines as ``\\n``, control characters dropped,
    backslash, semicolon and comma escaped."""
    text = mask_cpr(value).replace("\r\n", "\n").replace("\r", "\n")
    parts = (_CONTROL.sub("", part).replace("\\", "\\\\") for part in text.split("\n"))
    return "\\n".join(parts).replace(";", "\\;").replace(",", "\\,")


def fold_line(line: str) -> str:
    """Fold a content line into pieces of at most 75 octets (CRLF + space before each
    continuation), never splitting a UTF-8 character."""
    out: list[str] = []
    piece, size, limit = "", 0, FOLD_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            out.append(piece)
            piece, size, limit = "", 0, FOLD_OCTETS - 1  # the leading space counts
        piece += char
        size += width
    out.append(piece)
    return "\r\n ".join(out)


def write_agenda(agenda: Agenda, output: str | None) -> None:
    stamp = agenda.as_of.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//compliance//agenda//EN"]
    for finding in agenda.items:
        lines += _event(finding, agenda, stamp)
    lines.append("END:VCALENDAR")
    with atomic_binary(output) as fh:
        fh.write(("\r\n".join(fold_line(line) for line in lines) + "\r\n").encode("utf-8"))


def _uid(f: Finding) -> str:
    key = "\x1f".join(
        (f.case_id, f.rule, f.partition or "", str(f.occurrence or ""), str(f.trigger))
    )
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32] + "@compliance"


def _event(finding: Finding, agenda: Agenda, stamp: str) -> list[str]:
    f = finding
    day = (f._due_key or agenda.as_of.date()).strftime("%Y%m%d")
    m = messages(agenda.lang)
    known = agenda.titles.get(f.rule)
    title = known.best(m.lang) if known else f.rule
    return [
        "BEGIN:VEVENT",
        f"UID:{_uid(f)}",
        f"DTSTAMP:{stamp}",
        f"DTSTART;VALUE=DATE:{day}",
        "SUMMARY:" + escape_text(f"{f.case_id}: {title} ({m.status(f.status)})"),
        "END:VEVENT",
    ]
