"""Errors as RFC 9457 ``application/problem+json``: type, title, status, detail, and
extension members (``errors``, ``case_id``, ``limit``). Details never echo a request body; any
CPR-shaped value is masked."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

from compliance.privacy import mask_bytes

__all__ = ["PROBLEM_TYPE_BASE", "Problem", "problem_response"]

PROBLEM_TYPE_BASE = "urn:compliance:problem:"
MEDIA_TYPE = "application/problem+json"


class Problem(Exception):
    """An error the client can act on; becomes a problem+json response."""

    def __init__(
        self,
        status: int,
        kind: str,
        title: str,
        detail: str,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.kind = kind
        self.title = title
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {
            "type": PROBLEM_TYPE_BASE + self.kind,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            **self.extra,
        }


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> Response:
    return Response(
        mask_bytes(orjson.dumps(problem.body())),
        status_code=problem.status,
        media_type=MEDIA_TYPE,
        headers={**problem.headers, **(headers or {})},
    )
