"""The rule file schema (docs/reference/rule-language.md) as pydantic models: a discriminated union over the rule
kinds registered in ``compliance.kinds``, each with its own model, so a field only parses for
the kinds that use it and every schema error has a real location. ``rule_json_schema()``
exports it."""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any, Union

from pydantic import Discriminator, Tag, TypeAdapter

from compliance.rules.fields import (
    AgeTrigger,
    EventMatch,
    FieldProblem,
    Rule,
    Source,
    Success,
    Target,
    Title,
    Variant,
    Version,
)

__all__ = [
    "AgeTrigger",
    "EventMatch",
    "FieldProblem",
    "Rule",
    "Source",
    "Success",
    "Target",
    "Title",
    "Variant",
    "Version",
    "parse_rule",
    "rule_json_schema",
    "rule_kinds",
]


def rule_kinds() -> tuple[str, ...]:
    """The values ``kind:`` may take."""
    from compliance.kinds import KINDS

    return tuple(dict.fromkeys(k.written for k in KINDS.values()))


@cache
def _adapter() -> TypeAdapter[Rule]:
    # imported here: the kinds import the shared schema fragments from compliance.rules
    from compliance.kinds import KINDS, kind_tag

    members = tuple(Annotated[k.model, Tag(k.name)] for k in KINDS.values())
    union: Any = Annotated[Union[members], Discriminator(kind_tag)]  # noqa: UP007
    return TypeAdapter(union)


def parse_rule(data: Any) -> Rule:
    """Validate one rule (a mapping as read from YAML) with its kind's model."""
    return _adapter().validate_python(data)


def rule_json_schema() -> dict[str, Any]:
    schema = _adapter().json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "compliance rule file"
    return schema
