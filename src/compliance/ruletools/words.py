"""Plain-language wording of rule parts, shared by the catalogue and the kinds' own wording."""

from __future__ import annotations

from compliance.rules.fields import EventMatch

__all__ = ["events_text"]


def events_text(matches: list[EventMatch] | None) -> str:
    """``a`` or ``b`` where attr value; or ... (an em dash for none)."""
    if not matches:
        return "—"
    parts = []
    for em in matches:
        names = " or ".join(f"`{e}`" for e in em.event)
        if em.where:
            conds = ", ".join(f"{k} {v}" for k, v in em.where.items())
            names += f" where {conds}"
        parts.append(names)
    return "; or ".join(parts)
