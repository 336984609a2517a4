"""``compliance schema rules|timeline|finding``: JSON Schemas for editors and integrators."""

from __future__ import annotations

import sys
from typing import Any

import orjson

__all__ = ["finding", "rules", "timeline"]


def _print(schema: dict[str, Any]) -> None:
    sys.stdout.write(orjson.dumps(schema, option=orjson.OPT_INDENT_2).decode() + "\n")


def rules() -> None:
    from compliance.rules.schema import rule_json_schema

    _print(rule_json_schema())


def timeline() -> None:
    from compliance.model import Timeline

    schema = Timeline.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    _print(schema)


def finding() -> None:
    from compliance.finding_schema import finding_json_schema

    _print(finding_json_schema())
