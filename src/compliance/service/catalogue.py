"""The rule catalogue and the JSON Schemas, as the service shows them."""

from __future__ import annotations

from typing import Any

from compliance import Timeline
from compliance.finding_schema import DRAFT_2020_12, finding_json_schema, result_json_schema
from compliance.rules.schema import Rule, rule_json_schema
from compliance.service.packs import PackState
from compliance.service.problems import Problem

__all__ = ["SCHEMAS", "catalogue", "rule_detail", "schema_document"]


def _timeline_schema() -> dict[str, Any]:
    schema = Timeline.model_json_schema()
    schema["$schema"] = DRAFT_2020_12
    return schema


SCHEMAS = {
    "timeline": _timeline_schema,
    "rules": rule_json_schema,
    "finding": finding_json_schema,
    "result": result_json_schema,
}


def schema_document(name: str) -> dict[str, Any]:
    make = SCHEMAS.get(name)
    if make is None:
        raise Problem(404, "not-found", "No such schema", f"{name!r}; one of {', '.join(SCHEMAS)}")
    return make()


def _summary(state: PackState, rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "pack": state.pack_of(rule.id),
        "title": rule.title.texts(),
        "kind": rule.kind,
        "severity": rule.severity,
        "confidence": rule.confidence,
        "versions": [
            {
                "valid_from": v.valid.from_.isoformat(),
                "valid_until": v.valid.until.isoformat() if v.valid.until else None,
                "source": {k: s for k, s in v.source.model_dump().items() if s},
                "confidence": v.confidence,
            }
            for v in rule.versions
        ],
    }


def catalogue(state: PackState) -> dict[str, Any]:
    return {
        "rules_version": state.version,
        "packs": [p.to_dict() for p in state.packs],
        "rules": [_summary(state, r) for r in state.ruleset.rules],
    }


def rule_detail(state: PackState, rule_id: str) -> dict[str, Any]:
    rule = state.ruleset.get(rule_id)
    if rule is None:
        raise Problem(404, "not-found", "No such rule", f"rule {rule_id!r} is not loaded")
    return {
        **_summary(state, rule),
        "description": rule.description,
        "notes": rule.notes,
        "definition": rule.model_dump(mode="json", by_alias=True, exclude_none=True),
    }
