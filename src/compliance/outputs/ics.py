"""iCalendar (RFC 5545): the agenda as all-day events, one per open obligation."""

from __future__ import annotations

import datetime as dt

from compliance.model import Finding
from compliance.outputs.documents import Agenda
from compliance.outputs.files import atomic_binary
from compliance.outputs.messages import messages
from compliance.privacy import mask_cpr

__all__ = ["write_agenda"]


def write_agenda(agenda: Agenda, output: str | None) -> None:
    stamp = agenda.as_of.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//compliance//agenda//EN"]
    for finding in agenda.items:
        lines += _event(finding, agenda, stamp)
    lines.append("END:VCALENDAR")
    with atomic_binary(output) as fh:
        fh.write(("\r\n".join(lines) + "\r\n").encode("utf-8"))


def _event(finding: Finding, agenda: Agenda, stamp: str) -> list[str]:
    f = finding
    day = (f._due_key or agenda.as_of.date()).strftime("%Y%m%d")
    uid = f"{f.case_id}-{f.rule}-{f.partition or ''}-{f.occurrence or ''}-{f.trigger}@compliance"
    m = messages(agenda.lang)
    known = agenda.titles.get(f.rule)
    title = (known.da if m.lang == "da" else known.en) if known else f.rule
    return [
        "BEGIN:VEVENT",
        f"UID:{mask_cpr(uid)}",
        f"DTSTAMP:{stamp}",
        f"DTSTART;VALUE=DATE:{day}",
        f"SUMMARY:{mask_cpr(f.case_id)}: {title} ({m.status(f.status)})".replace(",", "\\,"),
        "END:VEVENT",
    ]
