"""The OpenAPI 3.1 document: FastAPI's paths plus the request/response models as components.

Request bodies are read raw (size limit first, then one validation pass by the engine), so
FastAPI does not see their models; they are added here by reference. ``docs/openapi.json`` is
this document, committed and checked for freshness by a test. Regenerate it with
``python -m compliance.service.openapi docs/openapi.json``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import orjson
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from compliance.finding_schema import EvaluationResult, FindingRecord
from compliance.model import Timeline
from compliance.service import models
from compliance.service.http import PROTECTED

__all__ = ["DESCRIPTION", "build_openapi", "openapi_bytes", "responses"]

DESCRIPTION = (
    "Statutory deadlines and compliance checks over case timelines, for case systems in any "
    "language. Send a case's timeline and an instant; get every obligation the rules raise "
    "with its status, the violations, the agenda and `next_change_at`, the instant to look "
    "at the case again if no event arrives before. Errors are RFC 9457 problem details "
    "(`application/problem+json`). Every response carries the `Compliance-Rules-Version` "
    "header: the content hash of the rule packs that answered. Authentication (a bearer "
    "token) is required when the server is configured with one."
)

PROBLEM_TITLES = {
    401: "Missing or wrong bearer token",
    404: "Not found",
    409: "Conflict",
    413: "Request body over the size limit",
    415: "Body is not JSON",
    422: "Invalid request, timeline or rule pack; or a limit on cases or events exceeded",
}


class ProblemDetails(BaseModel):
    """RFC 9457 problem details; extension members (errors, case_id, location, limit) may
    follow."""

    type: str
    title: str
    status: int
    detail: str
    case_id: str | None = None
    location: str | None = None
    limit: int | None = None


COMPONENTS: tuple[type[BaseModel], ...] = (
    Timeline,
    models.EvaluateRequest,
    models.BatchRequest,
    models.AgendaRequest,
    EvaluationResult,
    FindingRecord,
    models.BatchLine,
    models.AgendaResponse,
    models.RulesCatalogue,
    models.RuleDetail,
    models.Health,
    models.Readiness,
    models.ReloadResult,
    ProblemDetails,
)


def responses(
    model: str | None, *errors: int, media: str = "application/json", auth: bool = True
) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: the 200 body by reference, problem+json for errors."""
    problem = {"$ref": "#/components/schemas/ProblemDetails"}
    schema = {"$ref": f"#/components/schemas/{model}"} if model else {"type": "object"}
    out: dict[int | str, dict[str, Any]] = {
        200: {"description": "OK", "content": {media: {"schema": schema}}}
    }
    for code in ((401,) if auth else ()) + errors:
        out[code] = {
            "description": PROBLEM_TITLES[code],
            "content": {"application/problem+json": {"schema": problem}},
        }
    return out


def _add_components(schemas: dict[str, Any]) -> None:
    for model in COMPONENTS:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in schema.pop("$defs", {}).items():
            schemas.setdefault(name, sub)
        schemas[model.__name__] = schema


def _resolve_marks(node: Any) -> Any:
    """Replace ``{"x-component-ref": Name, ...}`` placeholders by ``$ref`` to the component."""
    if isinstance(node, dict):
        if models.REF_MARK in node:
            ref = {"$ref": f"#/components/schemas/{node[models.REF_MARK]}"}
            return {
                **ref,
                **({"description": node["description"]} if "description" in node else {}),
            }
        return {k: _resolve_marks(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve_marks(v) for v in node]
    return node


def _declare_bearer(doc: dict[str, Any]) -> None:
    """The token is checked by middleware (cheaper than a dependency); declare it here."""
    doc["components"]["securitySchemes"] = {
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "required when the server has a token (COMPLIANCE_API_TOKEN or "
            "--token-file); /healthz, /readyz and /openapi.json are open",
        }
    }
    for path, item in doc["paths"].items():
        if path.startswith(PROTECTED):
            for op in item.values():
                op["security"] = [{"bearer": []}]


def _drop_validation_errors(doc: dict[str, Any]) -> None:
    """FastAPI adds a 422 ``HTTPValidationError`` to routes with parameters; ours answer 422 as
    problem+json (or not at all), so that entry would mislead client generators."""
    for item in doc["paths"].values():
        for op in item.values():
            resp = op.get("responses", {})
            body = resp.get("422", {}).get("content", {}).get("application/json")
            if body is not None:
                del resp["422"]
    schemas = doc["components"]["schemas"]
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)


def build_openapi(app: Any) -> dict[str, Any]:
    doc = get_openapi(
        title=app.title,
        version=app.version,
        openapi_version="3.1.0",
        description=app.description,
        routes=app.routes,
        separate_input_output_schemas=False,
    )
    _add_components(doc.setdefault("components", {}).setdefault("schemas", {}))
    _declare_bearer(doc)
    _drop_validation_errors(doc)
    resolved: dict[str, Any] = _resolve_marks(doc)
    resolved["components"]["schemas"] = dict(sorted(resolved["components"]["schemas"].items()))
    return resolved


def openapi_bytes(doc: dict[str, Any]) -> bytes:
    """The committed form: indented, keys as generated, trailing newline."""
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n"


def _document_without_packs() -> dict[str, Any]:
    """The document does not depend on the packs loaded; build an app over the dk pack."""
    from compliance.service.app import create_app
    from compliance.service.config import ServiceConfig

    return build_openapi(create_app(ServiceConfig()))


if __name__ == "__main__":
    data = openapi_bytes(_document_without_packs())
    if len(sys.argv) > 1:
        Path(sys.argv[1]).write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
