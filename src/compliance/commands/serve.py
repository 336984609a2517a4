"""``compliance serve``: the engine over HTTP. All logic lives in ``compliance.service``; this
module only turns the parsed options into its call (imported when the command runs, so the web
framework is never loaded for other commands)."""

from __future__ import annotations

from typing import Any

__all__ = ["run"]


def run(options: dict[str, Any]) -> None:
    from compliance.service.config import Limits
    from compliance.service.run import serve_command

    max_body_bytes, max_cases, max_events = options.pop("limits")
    serve_command(limits=Limits(max_body_bytes, max_cases, max_events), **options)
