"""HTTP plumbing shared by the endpoints: bearer auth, bounded body reading, the access log
(method, path, status, time — never a body, a query string or a case id), the rules-version
header, and problem+json for every error, including unexpected ones."""  # noqa: RUF100

from __future__ import annotations

import hmac
import logging
import time
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from compliance.privacy import mask_cpr
from compliance.service.problems import Problem, problem_response

__all__ = ["PROTECTED", "VERSION_HEADER", "Gate", "install_error_handlers", "read_body"]

VERSION_HEADER = "Compliance-Rules-Version"
log = logging.getLogger("compliance.service")
access_log = logging.getLogger("compliance.service.access")

PROTECTED = ("/v1/", "/admin/")  # /healthz, /readyz, /openapi.json stay open
_UNAUTHORIZED = Problem(
    401,
    "unauthorized",
    "Authentication required",
    "send 'Authorization: Bearer <token>' with the server's token",
    headers={"WWW-Authenticate": 'Bearer realm="compliance"'},
)


def _authorized(scope: Scope, token: bytes) -> bool:
    """Constant-time check of ``Authorization: Bearer <token>`` (scheme case-insensitive)."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, given = value.partition(b" ")
            return scheme.lower() == b"bearer" and hmac.compare_digest(given.strip(), token)
    return False


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it is known to exceed ``limit`` bytes."""
    ctype = request.headers.get("content-type", "application/json")
    if "json" not in ctype.lower():
        raise Problem(
            415,
            "unsupported-media-type",
            "Send JSON",
            f"Content-Type {ctype!r}; use application/json",
        )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(int(declared), limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(size, limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(size: int, limit: int) -> Problem:
    return Problem(
        413,
        "content-too-large",
        "The request body is too large",
        f"at least {size} bytes; the limit is {limit} bytes (split the batch)",
        limit=limit,
    )


def install_error_handlers(app: Any) -> None:
    async def on_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Problem)
        return problem_response(exc)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        kind = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
        title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "HTTP error")
        return problem_response(
            Problem(exc.status_code, kind, title, str(exc.detail)), dict(exc.headers or {})
        )

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        where = "; ".join(".".join(map(str, e["loc"])) + ": " + e["msg"] for e in exc.errors())
        return problem_response(Problem(422, "invalid-request", "The request is not valid", where))

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_validation)


_INTERNAL = Problem(500, "internal-error", "Internal error", "the error was logged; it is a bug")


class Gate:
    """Pure ASGI middleware around every request: the bearer token on /v1 and /admin, one log
    line, safety headers, the rules version, and a problem+json 500 (logged without its
    message's data) for anything unexpected. (A FastAPI dependency would do the token check
    at about three times the cost per request.)"""

    def __init__(self, app: ASGIApp, store: Any, token: str | None) -> None:
        self.app = app
        self.store = store
        self.token = token.encode() if token is not None else None

    def _refused(self, scope: Scope) -> bool:
        protected = str(scope["path"]).startswith(PROTECTED)
        return self.token is not None and protected and not _authorized(scope, self.token)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        status = 0
        version = self.store.state.version.encode()

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                if not any(k.lower() == VERSION_HEADER.lower().encode() for k, _ in headers):
                    headers.append((VERSION_HEADER.encode(), version))
                headers.append((b"cache-control", b"no-store"))
                headers.append((b"x-content-type-options", b"nosniff"))
                message = {**message, "headers": headers}
            await send(message)

        try:
            if self._refused(scope):
                await problem_response(_UNAUTHORIZED)(scope, receive, send_with_headers)
                return
            await self.app(scope, receive, send_with_headers)
        except Exception as exc:
            log.error(
                "internal error on %s %s: %s", scope["method"], _path(scope), type(exc).__name__
            )
            if status == 0:
                await problem_response(_INTERNAL)(scope, receive, send_with_headers)
        finally:
            ms = (time.perf_counter() - t0) * 1000
            access_log.info("%s %s %d %.1fms", scope["method"], _path(scope), status, ms)


def _path(scope: Scope) -> str:
    return mask_cpr(str(scope.get("path", "")))
