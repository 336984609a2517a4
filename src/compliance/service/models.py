"""Request and response bodies of the HTTP API, as pydantic models for the OpenAPI document.

Requests are parsed with orjson and checked by :mod:`compliance.service.evaluation` (the
timeline itself by the engine, which gives located errors); these models describe them for
client generators. ``timeline`` is typed with the library's ``Timeline`` model for the schema
but is not validated twice (``SkipValidation``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SkipValidation, WithJsonSchema

from compliance.finding_schema import EvaluationResult, FindingRecord, PackVersion
from compliance.model import Timeline

REF_MARK = "x-component-ref"

__all__ = [
    "REF_MARK",
    "AgendaRequest",
    "AgendaResponse",
    "BatchLine",
    "BatchRequest",
    "CaseError",
    "EvaluateRequest",
    "Health",
    "Readiness",
    "ReloadResult",
    "RuleDetail",
    "RuleSummary",
    "RulesCatalogue",
]

AsOf = Annotated[
    str,
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "date-time"},
                {"type": "string", "format": "date"},
            ],
            "description": "ISO 8601 instant with UTC offset (required), or a date alone "
            "meaning the end of that day in the rules' time zone (Europe/Copenhagen)",
            "examples": ["2024-07-10T12:00:00+02:00"],
        }
    ),
]
PackIds = Annotated[
    list[str] | None,
    Field(
        default=None,
        description="ids of loaded packs to judge by (GET /v1/rules lists them); default all",
    ),
]


# The timeline is described by reference to the ``Timeline`` component (the library's model,
# added to the document by compliance.service.openapi), so generated clients get one class.
TimelineRef = Annotated[
    SkipValidation[Timeline], WithJsonSchema({"type": "object", REF_MARK: "Timeline"})
]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EvaluateRequest(_Body):
    timeline: Annotated[
        TimelineRef, Field(description="one case (schema: GET /v1/schema/timeline)")
    ]
    as_of: AsOf
    rules: PackIds = None


class BatchRequest(_Body):
    cases: Annotated[
        list[TimelineRef],
        Field(description="timelines, answered one NDJSON line each, in this order"),
    ]
    as_of: AsOf
    rules: PackIds = None


class AgendaRequest(_Body):
    cases: Annotated[list[TimelineRef], Field(description="timelines")]
    as_of: AsOf
    horizon: str = Field(
        default="14d",
        description="look ahead: 14d, 4w, 3m, or a period such as '10 business_days'",
    )
    rules: PackIds = None


class CaseError(_Body):
    """A case that could not be evaluated: where and why (RFC 9457 members)."""

    index: int = Field(description="position of the case in the request's list")
    case_id: str | None
    type: str
    title: str
    status: int
    detail: str
    location: str | None = Field(default=None, description="where in the timeline, if known")
    limit: int | None = Field(default=None, description="the limit exceeded, if that is why")


class BatchLine(_Body):
    """One NDJSON line of /v1/evaluate:batch: exactly one of ``result``, ``error`` or (last
    line) ``summary``."""

    index: int | None = None
    result: EvaluationResult | None = None
    error: CaseError | None = None
    summary: dict[str, int] | None = Field(
        default=None, description="last line: cases, evaluated, rejected (cases = the sum)"
    )


class AgendaResponse(_Body):
    as_of: str
    until: str = Field(description="last local date of the horizon")
    rules_version: str
    items: list[FindingRecord] = Field(
        description="overdue obligations and those due up to and including 'until', soonest "
        "first (then by case and rule)"
    )
    errors: list[CaseError] = Field(description="cases that could not be evaluated")


class VersionInfo(_Body):
    valid_from: str
    valid_until: str | None
    source: dict[str, str] = Field(description="law and ref, or document and municipality")
    confidence: str | None = None


class RuleSummary(_Body):
    id: str
    pack: str | None
    title: dict[str, str] = Field(description="da and en")
    kind: str
    severity: str
    confidence: str | None
    versions: list[VersionInfo] = Field(description="citations per law period")


class RuleDetail(RuleSummary):
    description: str | None
    notes: str | None
    definition: dict[str, Any] = Field(description="the rule as loaded (rule-file JSON Schema)")


class RulesCatalogue(_Body):
    rules_version: str
    packs: list[PackVersion]
    rules: list[RuleSummary]


class Health(_Body):
    status: Literal["ok"]


class Readiness(_Body):
    status: Literal["ready"]
    rules_version: str
    packs: list[PackVersion]
    loaded_at: str
    last_reload: dict[str, Any] | None = Field(
        description="outcome of the latest reload (ok, at, version, error)"
    )


class ReloadResult(_Body):
    status: Literal["reloaded"]
    rules_version: str
    packs: list[PackVersion]
