"""compliance: statutory deadlines and compliance checks over case timelines.

>>> from compliance import Engine, load_rules
>>> engine = Engine(load_rules("dk"))
>>> result = engine.evaluate(timeline_dict, as_of="2024-07-10")
>>> result.violations, result.upcoming
"""

from compliance.calendar import CALENDARS, Calendar
from compliance.engine import Engine, Observation, Result
from compliance.errors import ComplianceError, EvaluationError, RuleError, TimelineError
from compliance.model import Event, Finding, Subject, Timeline
from compliance.periods import Period, parse_period
from compliance.rules.load import RuleSet, load_rules

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
