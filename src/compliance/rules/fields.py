"""Schema fragments shared by every rule kind (docs/reference/rule-language.md): event matches, versions, citations,
titles and the fields every rule has. Each kind's own model lives in ``compliance/kinds/``."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)

from compliance.calendar import CalendarSpec, check_calendar_name
from compliance.periods import PeriodError, parse_period

Severity = Literal["high", "medium", "low", "info"]
PREDICATE_OPS = frozenset({"in", "not", "not_in", "gte", "gt", "lte", "lt", "exists"})
AGE_OPS = frozenset({"gte", "gt", "lte", "lt"})


class FieldProblem(ValueError):
    """A whole-rule check that failed because of one field: the loader points at that field's
    line (pydantic keeps the exception, so no message text is parsed to find it)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def check_predicates(where: dict[str, Any]) -> dict[str, Any]:
    for attr, cond in where.items():
        if attr == "subject_age":
            if not isinstance(cond, dict) or not cond or set(cond) - AGE_OPS:
                raise ValueError(
                    "subject_age takes comparisons such as {lt: '1 year'} (gte, gt, lte, lt)"
                )
            for op, val in cond.items():
                try:
                    parse_period(val)
                except PeriodError as exc:
                    raise ValueError(f"subject_age.{op}: {exc}") from None
            continue
        if isinstance(cond, dict):
            bad = set(cond) - PREDICATE_OPS
            if bad:
                raise ValueError(
                    f"unknown operator(s) {sorted(bad)} for attribute {attr!r}; "
                    f"use one of {sorted(PREDICATE_OPS)}"
                )
            for op in ("in", "not_in"):
                if op in cond and not isinstance(cond[op], list):
                    raise ValueError(f"{attr}.{op} must be a list")
        elif isinstance(cond, list):
            raise ValueError(f"{attr}: use {{in: [...]}} to match one of several values")
    return where


Where = Annotated[dict[str, Any], BeforeValidator(lambda v: v or {})]
#: ``where:`` predicates on an event's attrs (and ``subject_age``), checked.
Predicates = Annotated[Where, AfterValidator(check_predicates)]


class EventMatch(Strict):
    """An event type (or alternatives) with optional ``where`` predicates on its attrs."""

    event: list[str] = Field(min_length=1)
    where: Predicates = Field(default_factory=dict)

    @field_validator("event", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v


def coerce_matches(v: Any) -> Any:
    """``x`` | ``[x, y]`` | ``{event: .., where: ..}`` | list of those -> list of EventMatch."""
    if v is None:
        return None
    if isinstance(v, str | dict):
        v = [v]
    if isinstance(v, list):
        return [{"event": x} if isinstance(x, str) else x for x in v]
    return v


#: One or more event matches as written in YAML: ``x``, ``[x, y]``, ``{event:, where:}``.
Matches = Annotated[list[EventMatch], BeforeValidator(coerce_matches)]


def _some(v: list[EventMatch]) -> list[EventMatch]:
    if not v:
        raise ValueError("needs at least one event")
    return v


#: Matches a kind requires: at least one.
SomeMatches = Annotated[list[EventMatch], BeforeValidator(coerce_matches), AfterValidator(_some)]


class AgeTrigger(Strict):
    """``trigger: {age: "17 years 6 months"}``: the day the subject reaches an age."""

    age: str

    @field_validator("age")
    @classmethod
    def _age(cls, v: str) -> str:
        p = parse_period(v)
        if p.unit != "months":
            raise ValueError("age must be in years and/or months")
        return v


#: The longest period a rule may state, per unit: 100 years. Anything longer is a typo
#: (``999999999 years``) and would overflow date arithmetic; lint reports it with file and line.
MAX_PERIOD: dict[str, int] = {
    "hours": 100 * 366 * 24,
    "days": 100 * 366,
    "weeks": 100 * 53,
    "months": 100 * 12,
    "business_days": 100 * 262,
}


def period_text(v: Any, *, zero: bool = False) -> Any:
    """A period with a unit, more than zero (``zero``: ``0 days`` allowed, see WithinText) and
    at most 100 years."""
    if v is None:
        return None
    if isinstance(v, int | float) and not isinstance(v, bool):
        raise ValueError(f"a period needs a unit, e.g. '{v} days'")
    try:
        p = parse_period(v)
    except PeriodError as exc:
        raise ValueError(str(exc)) from None
    if p.amount > MAX_PERIOD[p.unit]:
        raise ValueError(f"period {v!r} is longer than 100 years; is it a typo?")
    if p.amount == 0 and not (zero and p.unit in ("days", "business_days")):
        where = "a period" if not zero else "a period other than '0 days' (the same day)"
        raise ValueError(f"period {v!r} is zero: {where} must be at least one unit")
    return v


#: A period (``every``, ``period``, ``lookback``, ...): more than zero, at most 100 years.
PeriodText = Annotated[str, BeforeValidator(period_text)]


class EarlierMatch(EventMatch):
    """A condition on a trigger: an earlier event of the case (``requires_earlier``), at or
    before the trigger and, with ``at_least``, at least that long before it."""

    at_least: PeriodText | None = None


#: ``requires_earlier:`` as written: ``x`` | ``{event:, where:, at_least:}`` | a list of those.
EarlierMatches = Annotated[list[EarlierMatch], BeforeValidator(coerce_matches)]


#: A ``within``: as PeriodText, but ``0 days`` / ``0 business_days`` means "the same day".
WithinText = Annotated[str, BeforeValidator(lambda v: period_text(v, zero=True))]


#: ``calendar: dk`` (a name from compliance.calendar.CALENDARS) or a declared calendar mapping.
CalendarField = Annotated[
    Annotated[str, AfterValidator(check_calendar_name), Tag("name")]
    | Annotated[CalendarSpec, Tag("spec")],
    Discriminator(lambda v: "name" if isinstance(v, str) else "spec"),
    Field(
        description="a calendar name (dk, dk-saturday) or {country, subdivision?, tz, "
        "extra_closed?, workdays?} built from the holidays package"
    ),
]


class Validity(Strict):
    from_: dt.date = Field(alias="from")
    until: dt.date | None = None

    @model_validator(mode="after")
    def _order(self) -> Validity:
        if self.until is not None and self.until < self.from_:
            raise ValueError(f"valid.until {self.until} is before valid.from {self.from_}")
        return self

    def holds(self, day: dt.date) -> bool:
        return self.from_ <= day and (self.until is None or day <= self.until)


class Source(Strict):
    """A citation: ``law`` + ``ref`` for statutes, ``document`` (+ ``municipality``) for standards."""

    law: str | None = None
    ref: str | None = None
    url: str | None = None
    document: str | None = None
    municipality: str | None = None
    consolidation: str | None = None

    @model_validator(mode="after")
    def _something(self) -> Source:
        if not (self.law and self.ref) and not self.document:
            raise ValueError("a source needs law and ref, or a document")
        return self


class Version(Strict):
    """A period of validity with its citation; may override the rule's periods."""

    valid: Validity
    source: Source
    within: WithinText | None = None
    every: PeriodText | None = None
    period: PeriodText | None = None
    lookback: PeriodText | None = None
    count: int | None = Field(default=None, ge=0)
    roll: Literal["next_business_day"] | None = None
    severity: Severity | None = None
    due_from: str | None = None
    or_by: Matches | None = None
    where: Predicates = Field(
        default_factory=dict,
        description="extra predicates on the trigger: a trigger failing them raises nothing "
        "under this version (e.g. a reform narrows what triggers a duty)",
    )
    confidence: str | None = None
    notes: str | None = None


class Variant(Strict):
    """A period that applies when the trigger matches ``where`` (first match wins)."""

    where: Predicates
    within: WithinText
    note: str | None = None


def check_language_tags(texts: dict[str, Any], what: str) -> dict[str, Any]:
    """Keys of a multilingual text: well-formed, registered BCP 47 tags in canonical
    hyphenated form (``it``, ``en``, ``da``, ``de-CH``), each with non-empty text."""
    if not texts:
        raise ValueError(f"{what} needs at least one language, e.g. {{en: ...}}")
    for tag, text in texts.items():
        if not isinstance(tag, str) or not language_tag_ok(tag):
            raise ValueError(
                f"{what}: {tag!r} is not a known BCP 47 language tag (e.g. en, da, it, de-CH)"
            )
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{what}.{tag} must be non-empty text")
    return texts


#: Tags the packs write again and again, each registered and standard (a test checks them with
#: langcodes): answered without importing langcodes, whose import compiles its tag grammar
#: (~0.2 s of every CLI call that loads a rule pack).
COMMON_LANGUAGE_TAGS = frozenset(
    {"da", "de", "en", "es", "fi", "fo", "fr", "is", "it", "kl", "nb", "nl", "nn", "pl", "sv"}
)


def language_tag_ok(tag: str) -> bool:
    """A registered BCP 47 tag written the standard way (``en-US``, not ``en_US``/``EN``)."""
    if tag in COMMON_LANGUAGE_TAGS:
        return True
    import langcodes

    return langcodes.tag_is_valid(tag) and langcodes.standardize_tag(tag) == tag


class Title(BaseModel):
    """A rule's title keyed by BCP 47 tag (``{en: .., it: ..}``): ``en`` is required (the
    common language of reports and catalogues), any other registered language may be added.
    ``da`` is an attribute for the reports that print it; other languages are extra fields
    (``Title.texts()`` lists them all)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    da: str | None = None
    en: str = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _tags(cls, v: Any) -> Any:
        if not isinstance(v, dict):
            raise ValueError("title is a mapping of language tag to text, e.g. {en: ..., da: ...}")
        return check_language_tags(v, "title")

    def texts(self) -> dict[str, str]:
        """Every language's title (da when present, en, then the others)."""
        return {k: v for k, v in self.model_dump().items() if v is not None}

    def best(self, *prefer: str) -> str:
        """The title in the first preferred language present, else the first written."""
        texts = self.texts()
        for tag in (*prefer, "en"):
            if tag in texts:
                return texts[tag]
        return next(iter(texts.values()))


class Target(Strict):
    min_share: float | None = Field(default=None, ge=0, le=1)
    max_share: float | None = Field(default=None, ge=0, le=1)

    @model_validator(mode="after")
    def _one(self) -> Target:
        if (self.min_share is None) == (self.max_share is None):
            raise ValueError("target needs exactly one of min_share or max_share")
        return self


class Success(Strict):
    """When a base obligation or a matched event counts as a success for an indicator."""

    status: list[str] | None = None
    within: PeriodText | None = None
    where: Predicates = Field(default_factory=dict)


class Rule(Strict):
    """What every rule file has, whatever its kind (docs/reference/rule-language.md). Rules are data: nothing here
    is ever executed. Each kind extends this in its module under ``compliance/kinds/``; parse a
    file with :func:`compliance.rules.schema.parse_rule`, which picks the kind's model."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.\-]*$", description="stable across law reforms")
    title: Title
    kind: str
    severity: Severity = "medium"
    description: str | None = None
    notes: str | None = None
    confidence: str | None = Field(default=None, description="C, C-p, M or ? (legal research)")
    tags: list[str] = Field(default_factory=list)
    scope: Where = Field(
        default_factory=dict,
        description="predicates on the case subject (e.g. {municipality: Slagelse}); the rule "
        "applies only to matching cases. A pack's pack.yaml may set it for all its rules",
    )
    versions: list[Version] = Field(min_length=1)

    #: Matcher fields of this model as written in YAML (``while`` for ``while_``).
    MATCHER_FIELDS: ClassVar[tuple[str, ...]] = ()

    @field_validator("scope")
    @classmethod
    def _scope(cls, v: dict[str, Any]) -> dict[str, Any]:
        if "subject_age" in v:
            raise ValueError("scope takes subject fields; use where: {subject_age: ...} on events")
        return check_predicates(v)

    @field_validator("versions")
    @classmethod
    def _no_overlap(cls, versions: list[Version]) -> list[Version]:
        spans = sorted(versions, key=lambda v: v.valid.from_)
        for a, b in itertools.pairwise(spans):
            if a.valid.until is None or a.valid.until >= b.valid.from_:
                raise ValueError(
                    f"versions overlap: {a.valid.from_}..{a.valid.until or 'open'} and "
                    f"{b.valid.from_}..{b.valid.until or 'open'}"
                )
        return versions

    def matchers(self) -> list[tuple[str, list[EventMatch]]]:
        """(field name as written in YAML, its event matches) for every matcher the rule has,
        including versions' ``or_by``."""
        out = []
        for name in self.MATCHER_FIELDS:
            m = getattr(self, "while_" if name == "while" else name)
            if m and isinstance(m, list):
                out.append((name, m))
        for i, v in enumerate(self.versions):
            if v.or_by:
                out.append((f"versions.{i}.or_by", v.or_by))
        return out

    def event_types(self) -> set[str]:
        """Every event type the rule mentions (used for dispatch and vocabulary checks)."""
        return {t for _, m in self.matchers() for em in m for t in em.event}


def check_counting(rule: Any, names: tuple[str, ...]) -> None:
    """Counting options that cannot go with a period's unit (checked on the rule's periods)."""
    for name in names:
        text = getattr(rule, name, None)
        if text is None:
            continue
        p = parse_period(text)
        if rule.count_from == "trigger_day" and p.unit in ("hours", "business_days"):
            raise FieldProblem(
                "count_from", f"count_from: trigger_day cannot be used with {p.unit}"
            )
        if rule.roll and p.unit == "hours":
            raise FieldProblem("roll", "roll applies to day-based periods, not hours")


def no_age_trigger(v: Any, kind: str) -> Any:
    """A trigger of event matches; an age trigger is refused with a clear reason."""
    if isinstance(v, dict) and "age" in v:
        raise ValueError(
            f"kind {kind!r} does not take an age trigger; only a deadline can be triggered by age"
        )
    matches = coerce_matches(v)
    if matches == []:
        raise ValueError(f"kind {kind!r} needs a trigger")
    return matches


class TriggeredRule(Rule):
    """Fields of the kinds whose obligations arise from a trigger event."""

    trigger: Matches
    satisfied_by: Matches | None = None
    cancelled_by: Matches | None = None
    excused_by: Matches | None = None
    until: Matches | None = None
    or_by: Matches | None = None
    within: WithinText | None = None
    variants: list[Variant] = Field(
        default_factory=list,
        description="periods that depend on facts of the trigger; the first matching applies",
    )
    due_from: str | None = None
    partition: str | None = None
    calendar: CalendarField = "dk"
    roll: Literal["next_business_day"] | None = None
    anchor: Literal["trigger", "first_ref"] = "trigger"
    count_from: Literal["next_day", "trigger_day"] = "next_day"
    month_end: Literal["clamp", "next_day", "error"] = "clamp"
    once: bool = Field(default=False, description="only the first trigger per partition counts")
    requires_earlier: EarlierMatches | None = Field(
        default=None,
        description="a trigger counts only when one of these events came at or before it "
        "(in its partition, or carrying no partition value)",
    )

    MATCHER_FIELDS: ClassVar[tuple[str, ...]] = (
        "trigger",
        "requires_earlier",
        "satisfied_by",
        "cancelled_by",
        "excused_by",
        "until",
        "or_by",
    )

    @field_validator("trigger", mode="before")
    @classmethod
    def _trigger(cls, v: Any, info: ValidationInfo) -> Any:
        return no_age_trigger(v, str(info.data.get("kind", "?")))

    @model_validator(mode="after")
    def _counting(self) -> TriggeredRule:
        check_counting(self, ("within", "every"))
        return self

    def needs_due_date(self) -> None:
        """Deadline and recurring: every version needs a period or a date from the data."""
        for v in self.versions:
            if not (v.within or self.within or v.due_from or self.due_from):
                raise FieldProblem("kind", f"kind {self.kind!r} needs 'within' (or due_from)")
