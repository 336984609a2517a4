"""JSON Schema for findings (the stable finding shape) and for a case's evaluation result.

The pydantic models here mirror ``Finding.to_dict()`` field by field (a test checks every
fixture timeline's findings against them), and describe the result the HTTP service returns
for one case. ``compliance schema finding`` prints :func:`finding_json_schema`; the service's
OpenAPI document embeds the same models.

A host that is not written in Python generates its types from these schemas, so every field is
documented and the enumerations are closed.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from compliance.model import STATUSES

__all__ = [
    "DRAFT_2020_12",
    "EvaluationResult",
    "FindingRecord",
    "FindingSource",
    "finding_json_schema",
    "result_json_schema",
]

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"

Status = Literal["met", "late", "overdue", "missed", "breached", "due", "cancelled", "excused"]
assert set(get_args(Status)) == set(STATUSES), "finding statuses out of step with the model"
Kind = Literal[
    "deadline", "precondition", "recurring", "quota", "limit", "indicator", "timely", "attribute"
]
Severity = Literal["high", "medium", "low", "info"]

_DATE_OR_INSTANT = {
    "anyOf": [
        {"type": "string", "format": "date"},
        {"type": "string", "format": "date-time"},
        {"type": "null"},
    ]
}
DateOrInstant = Annotated[
    str | None,
    WithJsonSchema(
        {
            **_DATE_OR_INSTANT,
            "description": "ISO 8601: a date (day precision) or an instant with UTC offset",
        }
    ),
]
Instant = Annotated[
    str,
    WithJsonSchema(
        {"type": "string", "format": "date-time", "description": "ISO 8601 instant with offset"}
    ),
]
NullableInstant = Annotated[
    str | None,
    WithJsonSchema(
        {
            "anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}],
            "description": "ISO 8601 instant with offset, or null",
        }
    ),
]

AuditInstant = Annotated[
    str | None,
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "description": "batch outputs only: the audit instant (--as-of, or the time of the "
            "run) the status holds for, ISO 8601 with offset",
        }
    ),
]
AsOfGiven = Annotated[
    bool | None,
    WithJsonSchema(
        {
            "type": "boolean",
            "description": "batch outputs only: false when no --as-of was given and the "
            "audit instant is the time of the run",
        }
    ),
]


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


class FindingSource(BaseModel):
    """The citation of the rule version that raised the obligation. Only fields the rule file
    sets are present: ``law`` + ``ref`` for statutes, ``document`` (+ ``municipality``) for a
    municipality's own standards."""

    model_config = ConfigDict(extra="forbid")

    law: str | None = Field(default=None, description="the statute, e.g. Barnets Lov")
    ref: str | None = Field(default=None, description="section, e.g. § 20, stk. 3")
    url: str | None = None
    consolidation: str | None = Field(default=None, description="consolidated act cited")
    document: str | None = Field(default=None, description="a municipal standard's document")
    municipality: str | None = None


class FindingRecord(BaseModel):
    """One obligation and its status as of ``as_of`` (``Finding.to_dict()``; stable names)."""

    model_config = ConfigDict(extra="forbid", title="Finding")

    case_id: str = Field(
        description="the case's id (a keyed pseudonym if the server pseudonymises)"
    )
    rule: str = Field(description="rule id, stable across law reforms")
    version: str = Field(description="the rule version applied: the date its validity starts")
    kind: Kind
    status: Status = Field(
        description="met, due, cancelled and excused are not violations; late, overdue, missed "
        "and breached are"
    )
    severity: Severity
    partition: str | None = Field(
        description="the value the rule keeps obligations apart by (e.g. a measure_id)"
    )
    trigger: str | None = Field(description="id of the event that raised the obligation")
    triggered_at: DateOrInstant = Field(description="when the trigger happened")
    anchored_at: DateOrInstant = Field(
        description="when the clock started, if not at the trigger (anchor: first_ref)"
    )
    anchor: Literal["ref", "inferred", "fallback"] | None = Field(
        description="anchor: first_ref rules: how the clock start was found — ref (the event "
        "the trigger refs), inferred (no refs; the rule's infer_anchor found it in the case), "
        "fallback (neither: the clock starts at the trigger, possibly later than the law's, so "
        "lateness may be under-reported); null when the clock starts at the trigger by rule"
    )
    due: DateOrInstant = Field(
        description="due date (a date) or instant (hour deadlines with a precise start)"
    )
    satisfied_by: str | None = Field(description="id of the event that satisfied it")
    satisfied_at: DateOrInstant
    lateness_days: int | None = Field(description="days late (late, overdue, missed), else null")
    precision: Literal["day", "instant"]
    occurrence: int | None = Field(description="recurring and quota rules: which occurrence")
    count: int | None = Field(description="limit and quota rules: the events counted")
    source: FindingSource
    explain: list[str] = Field(description="each step of the computation, for a human reader")
    # Batch outputs only (audit and agenda JSON Lines, the audit CSV): the instant the status
    # holds for, on every line, so a line read on its own says when it was true. Never part of
    # the engine's finding (Finding.to_dict) nor of the service's (its result has ``as_of``).
    # (no "default": null in the schema: a null default beside "type": "string" is invalid
    # OpenAPI, and absent is what the default means)
    as_of: AuditInstant = Field(default=None, exclude=True, json_schema_extra=_no_default)
    as_of_given: AsOfGiven = Field(default=None, exclude=True, json_schema_extra=_no_default)


class PackVersion(BaseModel):
    """A loaded rule pack and the content hash of the rules it contributes."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="the pack as named when the server was started")
    version: str = Field(description="sha256 (first 16 hex digits) of its rules' content")
    rules: int = Field(description="number of rules, including the packs it requires")


class EvaluationResult(BaseModel):
    """All findings for one case as of one instant, with the subsets a host acts on."""

    model_config = ConfigDict(extra="forbid")

    case_id: str
    as_of: Instant
    rules_version: str = Field(
        description="content hash of the rule set that judged the case; log it with the result"
    )
    findings: list[FindingRecord] = Field(description="every obligation the rules raised")
    violations: list[FindingRecord] = Field(description="late, overdue, missed or breached")
    agenda: list[FindingRecord] = Field(description="open obligations not yet due, soonest first")
    next_change_at: NullableInstant = Field(
        description="the earliest instant at which this case's findings change if no new event "
        "arrives (a due date passing, a status flipping); null when nothing will change or the "
        "engine does not compute it. Schedule the next check or reminder for this instant "
        "instead of polling."
    )
    ignored_future_events: int = Field(description="events after as_of, ignored (causality)")
    unknown_event_types: dict[str, int] = Field(
        description="event types not in the vocabulary, with counts (never fatal)"
    )


def _document(model: type[BaseModel], title: str) -> dict[str, Any]:
    schema = model.model_json_schema()
    schema["$schema"] = DRAFT_2020_12
    schema["title"] = title
    return schema


def finding_json_schema() -> dict[str, Any]:
    """JSON Schema (2020-12) of one finding as ``Finding.to_dict()`` and the service emit it."""
    return _document(FindingRecord, "compliance finding")


def result_json_schema() -> dict[str, Any]:
    """JSON Schema (2020-12) of one case's evaluation result as the service returns it."""
    return _document(EvaluationResult, "compliance evaluation result")
