"""The message catalogue: every label of the human-facing outputs (HTML, XLSX, terminal
tables, ICS summaries) in Danish (the default) and English, and the dates and numbers in each
language's form (``5. marts 2024``, ``75,0 %``, ``1.234`` / ``5 March 2024``, ``75.0%``,
``1,234``).

Machine outputs (JSON Lines, JSON, CSV) never pass through here: they keep ISO dates, dots and
the statuses' own names. A label missing in one language is a KeyError in the tests
(tests/test_report.py checks that both languages hold the same keys)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

__all__ = ["CATALOGUE", "Messages", "messages"]

_MONTHS = {
    "da": [
        "januar",
        "februar",
        "marts",
        "april",
        "maj",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "december",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}

# key: (da, en). Placeholders are str.format fields.
CATALOGUE: dict[str, tuple[str, str]] = {
    # statuses of findings
    "status.met": ("overholdt", "met"),
    "status.late": ("for sent", "late"),
    "status.overdue": ("overskredet", "overdue"),
    "status.missed": ("forsømt", "missed"),
    "status.breached": ("brudt", "breached"),
    "status.due": ("åben", "due"),
    "status.cancelled": ("bortfaldet", "cancelled"),
    "status.excused": ("undtaget", "excused"),
    # rule kinds and severities (the workbook's Fund sheet)
    "kind.deadline": ("frist", "deadline"),
    "kind.precondition": ("forudsætning", "precondition"),
    "kind.recurring": ("tilbagevendende", "recurring"),
    "kind.quota": ("kvote", "quota"),
    "kind.limit": ("grænse", "limit"),
    "kind.indicator": ("indikator", "indicator"),
    "kind.age": ("alder", "age"),
    "kind.timely": ("rettidighed", "timely"),
    "kind.attribute": ("påkrævet oplysning", "required attribute"),
    "severity.high": ("høj", "high"),
    "severity.medium": ("middel", "medium"),
    "severity.low": ("lav", "low"),
    "severity.info": ("info", "info"),
    # statuses of indicator periods
    "indicator.met": ("nået", "met"),
    "indicator.missed": ("ikke nået", "missed"),
    "indicator.insufficient_data": ("for få data", "insufficient data"),
    "indicator.in_progress": ("i gang", "in progress"),
    # report heading
    "report.title": ("Revision af frister og standarder", "Compliance audit"),
    "report.as_of": ("Opgjort pr.", "As of"),
    "report.end_of_day": ("ved dagens udgang", "end of day"),
    "report.as_of_now": (
        "Der blev ikke angivet en opgørelsesdato; opgjort pr. kørslens tidspunkt, {instant}.",
        "No audit date was given; audited as of the time of the run, {instant}.",
    ),
    "report.rules": ("regler", "rules"),
    "report.input": ("data", "input"),
    "report.generated": ("dannet", "generated"),
    "card.cases_read": ("sager læst", "cases read"),
    "card.evaluated": ("vurderet", "evaluated"),
    "card.rejected": ("afvist", "rejected"),
    "card.obligations": ("forpligtelser", "obligations"),
    "card.violations": ("overtrædelser", "violations"),
    "card.compliance": ("overholdelse", "compliance"),
    "report.reconciliation": ("Afstemning", "Reconciliation"),
    "report.reconciles": (
        "sager læst {read} = vurderet {evaluated} + afvist {rejected} (stemmer)",
        "cases read {read} = evaluated {evaluated} + rejected {rejected} (reconciled)",
    ),
    "report.does_not_reconcile": (
        "sager læst {read} ≠ vurderet {evaluated} + afvist {rejected} (STEMMER IKKE)",
        "cases read {read} ≠ evaluated {evaluated} + rejected {rejected} (DOES NOT RECONCILE)",
    ),
    # per rule
    "rules.heading": ("Overholdelse pr. regel", "Compliance per rule"),
    "rules.explained": (
        "Overholdelse = overholdt ÷ forpligtelser med kendt udfald (overholdt, for sent, "
        "overskredet, forsømt, brudt). Åbne forpligtelser, der endnu ikke er forfaldne, og "
        "bortfaldne og undtagne er ikke talt med.",
        "Compliance = met ÷ obligations whose outcome is known (met, late, overdue, missed, "
        "breached). Open obligations not yet due, cancelled and excused ones are left out.",
    ),
    "column.rule": ("regel", "rule"),
    "column.title": ("titel", "title"),
    "column.compliance": ("overholdelse", "compliance"),
    "column.confidence": ("sikkerhed", "confidence"),
    "column.municipality": ("kommune", "municipality"),
    "column.law": ("hjemmel", "law"),
    "column.ref": ("bestemmelse", "section"),
    "column.case": ("sag", "case"),
    "column.case_id": ("sag", "case"),
    "column.status": ("status", "status"),
    "column.due": ("frist", "due"),
    "column.partition": ("del", "partition"),
    "column.indicator": ("indikator", "indicator"),
    "column.period": ("periode", "period"),
    "column.numerator": ("tæller", "numerator"),
    "column.denominator": ("nævner", "denominator"),
    "column.share": ("andel", "share"),
    "column.target": ("mål", "target"),
    "column.source": ("kilde", "source"),
    "column.reason": ("årsag", "reason"),
    "column.line": ("linje", "line"),
    "column.item": ("punkt", "item"),
    "column.value": ("værdi", "value"),
    "column.version": ("version", "version"),
    "column.kind": ("art", "kind"),
    "column.severity": ("alvor", "severity"),
    "column.occurrence": ("gentagelse", "occurrence"),
    "column.trigger": ("udløser", "trigger"),
    "column.triggered_at": ("udløst", "triggered at"),
    "column.anchored_at": ("regnet fra", "anchored at"),
    "column.anchor": ("fristens start fundet", "clock start found"),
    "column.satisfied_by": ("opfyldt af", "satisfied by"),
    "column.satisfied_at": ("opfyldt", "satisfied at"),
    "column.lateness_days": ("dage for sent", "days late"),
    "column.precision": ("præcision", "precision"),
    "column.count": ("antal", "count"),
    "column.explain": ("forklaring", "explanation"),
    "confidence.C": (
        "frist og bestemmelse bekræftet i en fundet kilde",
        "period and section confirmed in a found source",
    ),
    "confidence.C-p": (
        "frist bekræftet, bestemmelse fra en sekundær kilde",
        "period confirmed, section from a secondary source",
    ),
    "confidence.M": ("efter hukommelsen, ikke bekræftet", "from memory, not confirmed"),
    "confidence.?": ("ikke bekræftet", "not confirmed"),
    "confidence.none": ("ikke angivet", "not stated"),
    "confidence.legend": (
        "Sikkerhed: hvor sikkert reglens frist og hjemmel er belagt (C bekræftet; C-p frist "
        "bekræftet, bestemmelse fra sekundær kilde; M efter hukommelsen; ? ikke bekræftet). Et "
        "fund er aldrig mere sikkert end sin kilde.",
        "Confidence: how firmly the rule's period and section are sourced (C confirmed; C-p "
        "period confirmed, section from a secondary source; M from memory; ? not confirmed). A "
        "finding is never more certain than its source.",
    ),
    # breakdowns
    "municipality.heading": ("Pr. kommune", "By municipality"),
    "group.heading": ("Pr. {column}", "By {column}"),
    "group.missing": (
        "Ingen sag har feltet »{column}« i subject; kontrollér --group-by.",
        "No case has the field “{column}” in its subject; check --group-by.",
    ),
    "column.obligations": ("forpligtelser", "obligations"),
    "column.violations": ("overtrædelser", "violations"),
    "unknown.value": ("(ikke angivet)", "(not stated)"),
    "trend.heading": ("Udvikling", "Trend"),
    "trend.rules": (
        "Overholdelse pr. regel måned for måned (fristens måned). En stiplet linje er et mål, "
        "som en kommune har sat for reglen med en indikator (navngivet under diagrammet); loven "
        "selv sætter intet måltal, så en regel uden sådan en indikator har ingen linje.",
        "Compliance per rule month by month (month of the due date). A dashed line is a target "
        "a municipality set for the rule with an indicator (named below the chart); the law "
        "itself sets no target share, so a rule without such an indicator has no line.",
    ),
    "trend.target": ("mål {sign} {share}", "target {sign} {share}"),
    "trend.target_of": (
        "{municipality}s mål {sign} {share}",
        "{municipality}'s target {sign} {share}",
    ),
    "trend.no_target": ("intet mål fastsat", "no target set"),
    "trend.counts": ("{met} af {known} overholdt", "{met} of {known} met"),
    "trend.indicators": (
        "Indikatorer periode for periode mod indikatorens mål (den stiplede linje). Åbne punkter "
        "er måneder og perioder, der ikke var afsluttet på opgørelsesdatoen.",
        "Indicators period by period against the indicator's target (the dashed line). Open dots "
        "are months and periods not ended at the audit date.",
    ),
    # months chart
    "months.heading": (
        "Overtrædelser pr. måned (fristens måned; brud når de skete)",
        "Violations by month (due date; breaches when they happened)",
    ),
    "months.none": ("Ingen overtrædelser.", "No violations."),
    # indicators
    "indicators.heading": ("Indikatorer mod mål", "Indicators against targets"),
    "indicators.none": ("Ingen indikator har data.", "No indicator has data."),
    "indicators.in_progress_note": (
        "Perioder, der endnu ikke er afsluttet på opgørelsesdatoen, er markeret »i gang« og "
        "holdt uden for overblikket.",
        "Periods not yet ended at the audit date are marked “in progress” and kept out of the "
        "headline.",
    ),
    "indicators.headline": (
        "afsluttede indikatorperioder nået",
        "ended indicator periods met",
    ),
    "target.label": ("mål", "target"),
    # violations
    "violations.heading": ("Overtrædelser ({count})", "Violations ({count})"),
    "violations.truncated": (
        "Viser de første {shown}; {more} flere står i CSV-, XLSX- og JSONL-udtrækkene.",
        "Showing the first {shown}; {more} more are in the CSV/XLSX/JSONL outputs.",
    ),
    "violations.explained": (
        "Hver overtrædelse kan foldes ud til de trin, der førte til den, så den kan efterprøves "
        "i hånden.",
        "Each violation unfolds to the steps that produced it, so it can be checked by hand.",
    ),
    "violations.due": ("frist {due}", "due {due}"),
    "violations.days_late": ("{days} dag(e)", "{days} day(s)"),
    # rejected and ignored
    "rejected.heading": ("Afviste sager ({count})", "Rejected records ({count})"),
    "rejected.none": ("Ingen.", "None."),
    "unknown.heading": (
        "Ukendte hændelsestyper (talt, ikke vurderet)",
        "Unknown event types (counted, not evaluated)",
    ),
    "future.ignored": (
        "{count} hændelse(r) dateret efter opgørelsestidspunktet blev ikke medregnet.",
        "{count} event(s) dated after the audit instant were ignored.",
    ),
    # workbook sheets
    "sheet.summary": ("Resumé", "Summary"),
    "sheet.per_rule": ("Pr. regel", "Per rule"),
    "sheet.findings": ("Fund", "Findings"),
    "sheet.indicators": ("Indikatorer", "Indicators"),
    "sheet.rejected": ("Afviste", "Rejected"),
    "summary.as_of": ("opgjort pr.", "as of"),
    "summary.as_of_given": ("opgørelsesdato angivet", "audit date given"),
    "summary.rules": ("regelsæt", "rule packs"),
    "summary.inputs": ("datafiler", "input files"),
    "summary.reconciles": ("stemmer", "reconciles"),
    "summary.ended_periods": ("afsluttede indikatorperioder", "ended indicator periods"),
    "summary.ignored_future_events": (
        "hændelser efter opgørelsestidspunktet",
        "events after the audit instant",
    ),
    "yes": ("ja", "yes"),
    "no": ("nej", "no"),
    # terminal
    "agenda.title": (
        "Frister pr. {as_of} til og med {until}",
        "Agenda as of {as_of} until {until}",
    ),
    "indicators.title": ("Indikatorer pr. {as_of}", "Indicators as of {as_of}"),
    "title.as_of_now": (
        "ingen opgørelsesdato angivet: kørslens tidspunkt",
        "no audit date given: the time of the run",
    ),
    # sample
    "sample.title": (
        "Stikprøve til gennemgang: {drawn} af {candidates} sager (frø {seed}), pr. {as_of}",
        "Sample for review: {drawn} of {candidates} cases (seed {seed}), as of {as_of}",
    ),
    "column.stratum": ("lag", "stratum"),
    "sample.all": ("alle", "all"),
    "sample.violations": ("{count} overtrædelse(r)", "{count} violation(s)"),
    "sample.no_violations": ("ingen overtrædelser", "no violations"),
}


@dataclass(frozen=True)
class Messages:
    """The labels and number and date forms of one language (``da`` or ``en``)."""

    lang: str

    def __call__(self, key: str, **fields: object) -> str:
        text = CATALOGUE[key][0 if self.lang == "da" else 1]
        return text.format(**fields) if fields else text

    def status(self, status: str) -> str:
        return self(f"status.{status}") if f"status.{status}" in CATALOGUE else status

    def term(self, group: str, value: str) -> str:
        """``kind``/``severity`` values in the language; an unknown value as it is."""
        key = f"{group}.{value}"
        return self(key) if key in CATALOGUE else value

    def indicator_status(self, status: str) -> str:
        key = f"indicator.{status}"
        return self(key) if key in CATALOGUE else status

    def date(self, day: dt.date) -> str:
        """``5. marts 2024`` / ``5 March 2024``."""
        month = _MONTHS[self.lang][day.month - 1]
        if self.lang == "da":
            return f"{day.day}. {month} {day.year}"
        return f"{day.day} {month} {day.year}"

    def month(self, year_month: str) -> str:
        """``2024-03`` as ``mar. 2024`` / ``Mar 2024`` (chart axes)."""
        year, month = year_month.split("-")
        name = _MONTHS[self.lang][int(month) - 1][:3]
        return f"{name}. {year}" if self.lang == "da" else f"{name} {year}"

    def integer(self, value: int) -> str:
        """``1.234`` / ``1,234``."""
        text = f"{value:,}"
        return text.replace(",", ".") if self.lang == "da" else text

    def percent(self, share: float | None, digits: int = 1) -> str:
        """``75,0 %`` / ``75.0%``; ``–`` for no share."""
        if share is None:
            return "–"
        text = f"{share * 100:.{digits}f}"
        return f"{text.replace('.', ',')} %" if self.lang == "da" else f"{text}%"


def messages(lang: str) -> Messages:
    if lang not in ("da", "en"):
        raise ValueError(f"no messages in {lang!r}")
    return Messages(lang)
