"""The ASGI application: ``create_app(config)`` builds it (FastAPI; served by uvicorn).

Endpoints (OpenAPI 3.1 at ``/openapi.json``; committed as ``docs/openapi.json``):

- ``POST /v1/evaluate`` — one case as of an instant: findings, violations, agenda,
  ``next_change_at``;
- ``POST /v1/evaluate:batch`` — many cases, answered as NDJSON in order; a bad case is an
  error line, never the end of the batch;
- ``POST /v1/agenda`` — overdue and soon-due obligations over many cases, for a worklist;
- ``GET /v1/rules``, ``GET /v1/rules/{rule_id}`` — the catalogue with citations per law period;
- ``GET /v1/schema/{name}`` — JSON Schemas (timeline, rules, finding, result);
- ``GET /healthz``, ``GET /readyz``; ``POST /admin/reload`` — reload the packs atomically.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from starlette.responses import Response, StreamingResponse

from compliance import __version__
from compliance.service import evaluation as ev
from compliance.service.catalogue import catalogue, rule_detail, schema_document
from compliance.service.config import ServiceConfig
from compliance.service.http import VERSION_HEADER, Gate, install_error_handlers, read_body
from compliance.service.openapi import DESCRIPTION, build_openapi, responses
from compliance.service.packs import PackStore, ReloadOutcome
from compliance.service.problems import Problem

__all__ = ["create_app", "reload_packs"]

log = logging.getLogger("compliance.service")
JSON = "application/json"
NDJSON = "application/x-ndjson"

# both need the bearer token when the server has one (checked by Gate; declared in OpenAPI)
api = APIRouter(prefix="/v1")
admin = APIRouter(prefix="/admin")
probes = APIRouter()


def _json(obj: Any, version: str | None = None, status: int = 200) -> Response:
    headers = {VERSION_HEADER: version} if version else None
    return Response(ev.dumps(obj), status_code=status, media_type=JSON, headers=headers)


async def _request(
    request: Request, *, single: bool, allowed: frozenset[str] = frozenset()
) -> ev.Request:
    config: ServiceConfig = request.app.state.config
    raw = await read_body(request, config.limits.max_body_bytes)
    state = request.app.state.store.state  # one snapshot for the whole request
    return ev.parse_body(
        raw, state, config.limits, config.pseudonym_key, single=single, allowed=allowed
    )


def _body(model: str) -> dict[str, Any]:
    ref = {"$ref": f"#/components/schemas/{model}"}
    return {"requestBody": {"required": True, "content": {JSON: {"schema": ref}}}}


@api.post(
    "/evaluate",
    summary="Evaluate one case as of an instant",
    openapi_extra=_body("EvaluateRequest"),
    responses=responses("EvaluationResult", 413, 415, 422),
    operation_id="evaluate",
)
async def evaluate(request: Request) -> Response:
    """All findings for one case, the violations, the agenda (open obligations, soonest first)
    and `next_change_at`, the instant to check the case again if nothing happens before."""
    req = await _request(request, single=True)
    result = ev.evaluate_one(req, req.cases[0])
    return _json(ev.result_dict(result, req.rules_version, req.pseudonym_key), req.rules_version)


@api.post(
    "/evaluate:batch",
    summary="Evaluate many cases; NDJSON answer, one line per case, in order",
    openapi_extra=_body("BatchRequest"),
    responses=responses("BatchLine", 413, 415, 422, media=NDJSON),
    operation_id="evaluateBatch",
)
async def evaluate_batch(request: Request) -> Response:
    """Each line is `{"index", "result"}` or `{"index", "error"}` (a case that cannot be
    evaluated never stops the batch); the last line is `{"summary": {cases, evaluated,
    rejected}}`. Lines follow the order of `cases`."""
    req = await _request(request, single=False)

    async def lines() -> AsyncIterator[bytes]:
        for line in ev.batch_lines(req):
            yield line
            await asyncio.sleep(0)  # let other requests in between cases

    return StreamingResponse(
        lines(), media_type=NDJSON, headers={VERSION_HEADER: req.rules_version}
    )


@api.post(
    "/agenda",
    summary="Open obligations over many cases within a horizon",
    openapi_extra=_body("AgendaRequest"),
    responses=responses("AgendaResponse", 413, 415, 422),
    operation_id="agenda",
)
async def agenda(request: Request) -> Response:
    """Overdue obligations and those falling due up to `as_of` + `horizon` (local date),
    soonest first: a caseworker's worklist. Cases that cannot be evaluated are listed in
    `errors`; the others are answered."""
    req = await _request(request, single=False, allowed=frozenset({"horizon"}))
    ev.parse_horizon(req.body.get("horizon", "14d"))
    return _json(await asyncio.to_thread(ev.agenda, req), req.rules_version)


@api.get(
    "/rules",
    summary="The loaded rule catalogue",
    responses=responses("RulesCatalogue"),
    operation_id="listRules",
)
async def list_rules(request: Request) -> Response:
    """Every loaded rule with its titles (da, en), kind, severity, confidence and the
    citation of each law period; the packs with their content versions."""
    state = request.app.state.store.state
    return _json(catalogue(state), state.version)


@api.get(
    "/rules/{rule_id}",
    summary="One rule: citations per law period, confidence, titles, definition",
    responses=responses("RuleDetail", 404),
    operation_id="getRule",
)
async def get_rule(request: Request, rule_id: str) -> Response:
    state = request.app.state.store.state
    return _json(rule_detail(state, rule_id), state.version)


@api.get(
    "/schema/{name}",
    summary="JSON Schema: timeline, rules, finding or result",
    responses=responses(None, 404),
    operation_id="getSchema",
)
async def get_schema(name: str) -> Response:
    """`timeline` (a case), `rules` (a rule file), `finding` (one finding), `result` (the
    answer of /v1/evaluate). JSON Schema draft 2020-12."""
    return _json(schema_document(name))


@probes.get(
    "/healthz",
    summary="Liveness",
    responses=responses("Health", auth=False),
    operation_id="healthz",
)
async def healthz() -> Response:
    return _json({"status": "ok"})


@probes.get(
    "/readyz",
    summary="Readiness: the rule packs loaded, their versions, the last reload",
    responses=responses("Readiness", auth=False),
    operation_id="readyz",
)
async def readyz(request: Request) -> Response:
    store: PackStore = request.app.state.store
    state = store.state
    last = store.last_reload.to_dict() if store.last_reload else None
    body = {
        "status": "ready",
        "rules_version": state.version,
        "packs": [p.to_dict() for p in state.packs],
        "loaded_at": state.loaded_at.isoformat(),
        "last_reload": last,
    }
    return _json(body, state.version)


@admin.post(
    "/reload",
    summary="Reload the rule packs from disk, atomically",
    responses=responses("ReloadResult", 409, 422),
    operation_id="reload",
)
async def reload(request: Request) -> Response:
    """Loads the packs again; requests in flight finish with the rules they started with. If
    a pack is bad, the old rules stay in service and the answer says why (file and line)."""
    if not request.app.state.config.admin_reload:
        raise Problem(
            409, "reload-disabled", "Reload is disabled", "the server runs with --no-admin"
        )
    outcome = await reload_packs(request.app)
    if not outcome.ok:
        raise Problem(
            422,
            "reload-failed",
            "The rule packs could not be reloaded; the old ones stay in service",
            outcome.error or "",
            rules_version=outcome.version,
        )
    state = request.app.state.store.state
    body = {
        "status": "reloaded",
        "rules_version": state.version,
        "packs": [p.to_dict() for p in state.packs],
    }
    return _json(body, state.version)


async def reload_packs(app: FastAPI) -> ReloadOutcome:
    """Reload off the event loop (requests keep being answered meanwhile) and log the outcome."""
    outcome: ReloadOutcome = await asyncio.to_thread(app.state.store.reload)
    if outcome.ok:
        log.info("rule packs reloaded: version %s", outcome.version)
    else:
        log.error("rule pack reload failed, keeping version %s: %s", outcome.version, outcome.error)
    return outcome


def _lifespan(handle_sighup: bool) -> Any:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        tasks: set[asyncio.Task[ReloadOutcome]] = set()

        def on_hup() -> None:
            task = loop.create_task(reload_packs(app))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

        hup = getattr(signal, "SIGHUP", None) if handle_sighup else None  # none on Windows
        if hup is not None:
            loop.add_signal_handler(hup, on_hup)
        try:
            yield
        finally:
            if hup is not None:
                loop.remove_signal_handler(hup)

    return lifespan


def create_app(
    config: ServiceConfig, store: PackStore | None = None, *, handle_sighup: bool = False
) -> FastAPI:
    """The service for ``config``; packs are loaded here (fail fast) unless ``store`` is given."""
    app = FastAPI(
        title="compliance",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,  # the interactive pages load scripts from a CDN: not for case data
        redoc_url=None,
        separate_input_output_schemas=False,
        lifespan=_lifespan(handle_sighup),
    )
    app.state.config = config
    app.state.store = store or PackStore(config.packs, config.default_tz)
    for router in (api, admin, probes):
        app.include_router(router)
    install_error_handlers(app)
    if config.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(config.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
            expose_headers=[VERSION_HEADER],
        )
    app.add_middleware(Gate, store=app.state.store, token=config.token)
    document = build_openapi(app)
    app.openapi = lambda: document  # type: ignore[method-assign]
    return app
