"""compliance: statutory deadlines and compliance checks over case timelines.

>>> from compliance import Engine, load_rules
>>> engine = Engine(load_rules("dk"))
>>> result = engine.evaluate(timeline_dict, as_of="2024-07-10")
>>> result.violations, result.upcoming
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from compliance.calendar import CALENDARS, Calendar
    from compliance.engine import Engine, Observation, Result
    from compliance.errors import ComplianceError, EvaluationError, RuleError, TimelineError
    from compliance.model import Event, Finding, Subject, Timeline
    from compliance.periods import Period, parse_period
    from compliance.rules.load import RuleSet, load_rules

# Public name -> the module that defines it. Imported on first use (PEP 562), so that the
# command line (``compliance --help``) and light modules do not load the engine.
_EXPORTED_FROM = {
    "CALENDARS": "compliance.calendar",
    "Calendar": "compliance.calendar",
    "ComplianceError": "compliance.errors",
    "Engine": "compliance.engine",
    "EvaluationError": "compliance.errors",
    "Event": "compliance.model",
    "Finding": "compliance.model",
    "Observation": "compliance.engine",
    "Period": "compliance.periods",
    "Result": "compliance.engine",
    "RuleError": "compliance.errors",
    "RuleSet": "compliance.rules.load",
    "Subject": "compliance.model",
    "Timeline": "compliance.model",
    "TimelineError": "compliance.errors",
    "load_rules": "compliance.rules.load",
    "parse_period": "compliance.periods",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTED_FROM.get(name)
    if module is None:
        raise AttributeError(f"module 'compliance' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "CALENDARS",
    "Calendar",
    "ComplianceError",
    "Engine",
    "EvaluationError",
    "Event",
    "Finding",
    "Observation",
    "Period",
    "Result",
    "RuleError",
    "RuleSet",
    "Subject",
    "Timeline",
    "TimelineError",
    "load_rules",
    "parse_period",
]
__version__ = "0.1.0"
