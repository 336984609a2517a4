"""The ``compliance`` command: argument parsing only. Each command's work is in
``compliance.commands.<name>``, imported when that command runs, so that ``--help`` stays fast."""

import contextlib
import datetime as dt
import importlib
import os
import sys
from typing import Annotated, Any, NoReturn

import typer

from compliance import _launch
from compliance.errors import ComplianceError
from compliance.outputs import format_help
from compliance.sources import SOURCES

app = typer.Typer(
    help="Statutory deadlines and compliance checks over case timelines.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)
rules_app = typer.Typer(
    help="Work with rule packs: lint, test, diff, catalogue.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
schema_app = typer.Typer(
    help="JSON Schemas for rule files and timelines.", no_args_is_help=True, rich_markup_mode=None
)
demo_app = typer.Typer(help="Synthetic demo corpus.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(rules_app, name="rules")
app.add_typer(schema_app, name="schema")
app.add_typer(demo_app, name="demo")

RulesOpt = Annotated[
    list[str],
    typer.Option("--rules", "-r", help="pack name (dk, municipal/slagelse) or path; repeatable"),
]
AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", help="instant or date (a date means the end of that day); default now"),
]
INPUT_FORMATS = "|".join(source.name for source in SOURCES)
InputFormatOpt = Annotated[
    str | None,
    typer.Option("--input-format", help=f"{INPUT_FORMATS} (default: by ending; sql for a URL)"),
]
MappingOpt = Annotated[
    str | None,
    typer.Option("--mapping", help="YAML column mapping for tabular exports (guide: sources)"),
]
QueryOpt = Annotated[
    str | None, typer.Option("--query", help="SQL query, for a database URL input")
]
INPUTS_HELP = "files (JSON, JSON Lines, CSV, XES, XLSX, Parquet) or a database URL"


def _inputs(input_format: str | None, mapping: str | None, query: str | None) -> Any:
    from compliance.commands.inputs import InputOptions

    try:
        return InputOptions(input_format, mapping, query)
    except ComplianceError as exc:  # --input-format outside its choices
        _fail(str(exc))


LangOpt = Annotated[str, typer.Option("--lang", help="language of the human-facing outputs: da|en")]


def _fail(message: str, code: int = 2) -> NoReturn:
    from compliance.privacy import printable

    typer.echo(f"error: {printable(message)}", err=True)
    raise typer.Exit(code)


def _call(command: str, function: str, *args: Any) -> Any:
    """``compliance.commands.<command>.<function>(*args)``, imported now (not at startup); a
    ComplianceError is the user's: its message and exit 2."""
    module = importlib.import_module(f"compliance.commands.{command}")
    try:
        return getattr(module, function)(*args)
    except ComplianceError as exc:
        _fail(str(exc))


def _as_of(value: str | None) -> dt.datetime:
    from compliance.commands.inputs import as_of_instant

    try:
        instant = as_of_instant(value)
    except ComplianceError as exc:
        _fail(str(exc))
    if value is None:  # said, so nobody mistakes "now" for a chosen audit date
        typer.echo(f"note: no --as-of given; auditing as of now, {instant.isoformat()}", err=True)
    return instant


def _checked(check: Any, *args: Any) -> Any:
    """A value checked by ``compliance.commands.choices`` (exit 2 with "did you mean")."""
    from compliance.commands import choices

    try:
        return getattr(choices, check)(*args)
    except ComplianceError as exc:
        _fail(str(exc))


def _format(document: str, value: str) -> str:
    from compliance.outputs import OUTPUTS

    return str(_checked("check_choice", "--format", value, list(OUTPUTS[document])))


def _lang(value: str) -> str:
    from compliance.commands.choices import LANGUAGES

    return str(_checked("check_choice", "--lang", value, LANGUAGES))


def _version_line() -> str:
    return f"compliance {_installed_version()}"


def _installed_version() -> str:
    """The installed distribution's version. Read from the name of its ``.dist-info`` folder
    (``casework_compliance-0.1.0.dist-info``, first on ``sys.path``, as importlib.metadata
    searches) when there is one: importing importlib.metadata (email, zipfile, csv) costs more
    than the rest of ``--version``. Anything else goes through importlib.metadata."""
    prefix, suffix = "casework_compliance-", ".dist-info"
    for entry in sys.path:
        with contextlib.suppress(OSError):
            for name in sorted(os.listdir(entry or ".")):
                if name.startswith(prefix) and name.endswith(suffix):
                    return name[len(prefix) : -len(suffix)]
    from importlib.metadata import version

    return version("casework-compliance")


def _version(value: bool) -> None:
    if value:
        typer.echo(_version_line())
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="show the version"),
    ] = False,
) -> None:
    """Statutory deadlines and compliance checks over case timelines."""


# -- corpus commands -----------------------------------------------------------------------------


@app.command()
def audit(
    inputs: Annotated[list[str], typer.Argument(help=INPUTS_HELP)],
    rules: RulesOpt = [],  # noqa: B006
    as_of: AsOfOpt = None,
    output_format: Annotated[
        str, typer.Option("--format", "-f", help=format_help("audit"))
    ] = "jsonl",
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="file (default stdout; required for xlsx)")
    ] = None,
    workers: Annotated[int, typer.Option(help="parallel worker processes")] = 1,
    status: Annotated[
        str | None, typer.Option(help="only these statuses, e.g. overdue,late")
    ] = None,
    strict: Annotated[bool, typer.Option(help="exit non-zero if any case is rejected")] = False,
    mapping: MappingOpt = None,
    tz: Annotated[
        str | None, typer.Option(help="time zone assumed for datetimes without offset")
    ] = None,
    input_format: InputFormatOpt = None,
    query: QueryOpt = None,
    pseudonymize: Annotated[
        bool,
        typer.Option(help="replace case ids by keyed pseudonyms (key in COMPLIANCE_PSEUDONYM_KEY)"),
    ] = False,
    progress: Annotated[
        bool | None, typer.Option(help="progress bar (default: when stderr is a terminal)")
    ] = None,
    lang: LangOpt = "da",
    group_by: Annotated[
        str | None,
        typer.Option("--group-by", help="html/xlsx: also break down by this subject field"),
    ] = None,
    engine: Annotated[
        str,
        typer.Option(
            help="case: the per-case engine; columnar: the columnar batch path for the rules "
            "it can judge exactly (needs the columnar extra; same findings)"
        ),
    ] = "case",
) -> None:
    """Evaluate exported case histories and write findings or a report."""
    from dataclasses import replace

    from compliance.commands import audit as command
    from compliance.model import STATUSES

    statuses = (
        _checked("check_choices", "--status", (s.strip() for s in status.split(",")), STATUSES)
        if status is not None
        else None
    )
    try:
        options = command.AuditOptions(
            _format("audit", output_format),
            output,
            workers=_checked("check_positive", "--workers", workers),
            statuses=statuses,
            mapping_path=mapping,
            default_tz=tz,
            input_format=input_format,
            query=query,
            progress=sys.stderr.isatty() if progress is None else progress,
            lang=_lang(lang),
            as_of_given=as_of is not None,
            group_by=group_by.removeprefix("subject.") if group_by else None,
            engine=engine,
        )
        if pseudonymize:
            options = replace(options, pseudonym_key=command.pseudonym_key_from_environment())
        summary = command.run(inputs, rules or ["dk"], _as_of(as_of), options)
    except ComplianceError as exc:
        _fail(str(exc))
    typer.echo(summary.line(), err=True)
    if summary.rejected and not summary.evaluated:
        _fail("no case in the input could be read (see the rejected: lines above)")
    if strict and summary.rejected:
        raise typer.Exit(1)


@app.command()
def explain(
    source: Annotated[str, typer.Argument(help="one case, or any source with --case")],
    rule: Annotated[str | None, typer.Option("--rule", help="only this rule")] = None,
    rules: RulesOpt = [],  # noqa: B006
    as_of: AsOfOpt = None,
    tz: Annotated[str | None, typer.Option(help="time zone for datetimes without offset")] = None,
    case_id: Annotated[
        str | None, typer.Option("--case", help="the case to explain (a source with several)")
    ] = None,
    mapping: MappingOpt = None,
    input_format: InputFormatOpt = None,
    query: QueryOpt = None,
) -> None:
    """Show how each finding for one case was computed, step by step."""
    inputs = _inputs(input_format, mapping, query)
    _call("explain", "run", source, rule, rules or ["dk"], as_of, tz, case_id, inputs)


@app.command()
def agenda(
    inputs: Annotated[list[str], typer.Argument()],
    as_of: AsOfOpt = None,
    horizon: Annotated[str, typer.Option(help="look ahead, e.g. 14d, 4w, 3 months")] = "14d",
    rules: RulesOpt = [],  # noqa: B006
    output_format: Annotated[
        str, typer.Option("--format", "-f", help=format_help("agenda"))
    ] = "table",
    output: Annotated[str | None, typer.Option("--output", "-o")] = None,
    mapping: MappingOpt = None,
    input_format: InputFormatOpt = None,
    query: QueryOpt = None,
    lang: LangOpt = "da",
) -> None:
    """What falls due within the horizon (open obligations), soonest first; overdue ones too."""
    output_format, lang = _format("agenda", output_format), _lang(lang)
    read, instant, specs = _inputs(input_format, mapping, query), _as_of(as_of), rules or ["dk"]
    given = as_of is not None
    _call(
        "agenda", "run", inputs, specs, instant, horizon, output_format, output, read, lang, given
    )


@app.command()
def indicators(
    inputs: Annotated[list[str], typer.Argument()],
    rules: RulesOpt = [],  # noqa: B006
    as_of: AsOfOpt = None,
    output_format: Annotated[
        str, typer.Option("--format", "-f", help=format_help("indicators"))
    ] = "table",
    workers: Annotated[int, typer.Option(help="parallel worker processes")] = 1,
    mapping: MappingOpt = None,
    input_format: InputFormatOpt = None,
    query: QueryOpt = None,
    lang: LangOpt = "da",
) -> None:
    """Indicators per period: numerator, denominator, share, target, met/missed."""
    output_format, lang = _format("indicators", output_format), _lang(lang)
    workers = _checked("check_positive", "--workers", workers)
    read, instant, specs = _inputs(input_format, mapping, query), _as_of(as_of), rules or ["dk"]
    given = as_of is not None
    _call("indicators", "run", inputs, specs, instant, output_format, workers, read, lang, given)


@app.command()
def sample(
    inputs: Annotated[list[str], typer.Argument()],
    rules: RulesOpt = [],  # noqa: B006
    as_of: AsOfOpt = None,
    n: Annotated[int, typer.Option("--n", help="cases to draw")] = 40,
    seed: Annotated[int, typer.Option(help="random seed (reproducible)")] = 1,
    stratify: Annotated[str, typer.Option(help="rule|status|none")] = "rule",
    output_format: Annotated[
        str, typer.Option("--format", "-f", help=format_help("sample"))
    ] = "table",
    mapping: MappingOpt = None,
    input_format: InputFormatOpt = None,
    query: QueryOpt = None,
    lang: LangOpt = "da",
) -> None:
    """Draw a reproducible sample of cases for manual review, with the reason each was drawn."""
    from compliance.commands.choices import STRATA

    stratify = _checked("check_choice", "--stratify", stratify, STRATA)
    output_format, n = _format("sample", output_format), _checked("check_positive", "--n", n)
    read, specs, when = _inputs(input_format, mapping, query), rules or ["dk"], _as_of(as_of)
    lang = _lang(lang)
    args = (inputs, specs, when, n, seed, stratify, output_format, read, lang, as_of is not None)
    _call("sample", "run", *args)


@app.command()
def convert(
    inputs: Annotated[list[str], typer.Argument(help=INPUTS_HELP)],
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="JSON Lines file (default stdout)")
    ] = None,
    mapping: MappingOpt = None,
    input_format: InputFormatOpt = None,
    query: QueryOpt = None,
) -> None:
    """Write the cases exactly as the engine will read them, one JSON object per line."""
    _call("convert", "run", inputs, output, _inputs(input_format, mapping, query))


# -- rules ---------------------------------------------------------------------------------------


@rules_app.command("test")
def rules_test(
    paths: Annotated[list[str], typer.Argument(help="rule packs or folders with tests/*.yaml")],
    k: Annotated[
        str | None, typer.Option("-k", help="only fixture cases whose name contains this")
    ] = None,
    junit_xml: Annotated[
        str | None, typer.Option("--junit-xml", help="write JUnit XML here")
    ] = None,
    verbose: Annotated[bool, typer.Option("-v", help="list every case")] = False,
) -> None:
    """Run the YAML fixture tests that sit beside the rules."""
    raise typer.Exit(_call("rules", "test", paths, k, junit_xml, verbose))


@rules_app.command("lint")
def rules_lint(
    paths: Annotated[list[str], typer.Argument()],
    output_format: Annotated[str, typer.Option("--format", "-f", help="text|json")] = "text",
    strict: Annotated[bool, typer.Option(help="warnings fail too")] = False,
) -> None:
    """Schema and semantic checks with file:line messages."""
    _checked("check_choice", "--format", output_format, ("text", "json"))
    raise typer.Exit(_call("rules", "lint", paths, output_format, strict))


@rules_app.command("catalogue")
def rules_catalogue(
    paths: Annotated[list[str], typer.Argument()],
    output: Annotated[str | None, typer.Option("--output", "-o")] = None,
) -> None:
    """Generate the Markdown rule catalogue from the YAML."""
    _call("rules", "catalogue", paths, output)


@rules_app.command("diff")
def rules_diff(
    old: Annotated[str, typer.Option("--old", help="old rules: a folder or pack")],
    new: Annotated[str, typer.Option("--new", help="new rules: a folder or pack")],
    cases: Annotated[list[str], typer.Option("--cases", help="corpus files")],
    as_of: AsOfOpt = None,
    output_format: Annotated[
        str, typer.Option("--format", "-f", help="text|json|markdown")
    ] = "text",
    extra: Annotated[
        list[str], typer.Option("--with", help="packs loaded on both sides (e.g. dk)")
    ] = [],  # noqa: B006
    mapping: MappingOpt = None,
    input_format: InputFormatOpt = None,
    query: QueryOpt = None,
) -> None:
    """Impact of a rule change: every (case, rule, partition) whose status or due date changed."""
    _checked("check_choice", "--format", output_format, ("text", "json", "markdown"))
    read = _inputs(input_format, mapping, query)
    when = _as_of(as_of)
    raise typer.Exit(_call("rules", "diff", old, new, cases, when, output_format, extra, read))


# -- schema & demo ---------------------------------------------------------------------------------


@schema_app.command("rules")
def schema_rules() -> None:
    """JSON Schema for rule files (point your editor's YAML language server at it)."""
    _call("schema", "rules")


@schema_app.command("timeline")
def schema_timeline() -> None:
    """JSON Schema for one case timeline (docs/reference/timelines.md)."""
    _call("schema", "timeline")


@demo_app.command("generate")
def demo_generate(
    cases: Annotated[int, typer.Option("--cases", help="number of cases")] = 2000,
    seed: Annotated[int, typer.Option(help="random seed")] = 2024,
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="JSONL file (default stdout)")
    ] = None,
    start: Annotated[str, typer.Option(help="first notification date")] = "2022-01-01",
    end: Annotated[str, typer.Option(help="last notification date")] = "2025-03-31",
    broken_rate: Annotated[float, typer.Option(help="share of cases given one data error")] = 0.0,
    until: Annotated[
        str, typer.Option(help="export date: no event after it ('' for whole stories)")
    ] = "2025-06-30",
) -> None:
    """Generate realistic synthetic timelines (deterministic for a seed)."""
    if not 0.0 <= broken_rate <= 1.0:
        _fail(f"--broken-rate is a share between 0 and 1, not {broken_rate}")
    if cases < 0:
        _fail(f"--cases cannot be negative ({cases})")
    _call("demo", "run", cases, seed, output, start, end, broken_rate, until or None)


# -- serve: the engine over HTTP (all logic in compliance.service) ----------------------------


@app.command()
def serve(
    host: Annotated[
        str, typer.Option(help="address to listen on; anything but loopback needs a token")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port", min=0, max=65535)] = 8000,
    rules: RulesOpt = [],  # noqa: B006
    token_file: Annotated[
        str | None,
        typer.Option(help="file (mode 600) holding the bearer token; else COMPLIANCE_API_TOKEN"),
    ] = None,
    pseudonymize: Annotated[
        bool,
        typer.Option(help="answer with keyed pseudonyms for case ids (COMPLIANCE_PSEUDONYM_KEY)"),
    ] = False,
    cors_origin: Annotated[
        list[str], typer.Option(help="allow browser calls from this origin; repeatable")
    ] = [],  # noqa: B006
    max_body_bytes: Annotated[int, typer.Option(help="largest request body (413)")] = 8388608,
    max_cases: Annotated[int, typer.Option(help="most cases per request (422)")] = 1000,
    max_events: Annotated[int, typer.Option(help="most events per case (422)")] = 10000,
    tz: Annotated[str | None, typer.Option(help="time zone for datetimes without offset")] = None,
    insecure_no_auth: Annotated[
        bool, typer.Option(help="allow a non-loopback address without a token (behind a proxy)")
    ] = False,
    admin: Annotated[bool, typer.Option(help="enable POST /admin/reload")] = True,
    log_level: Annotated[str, typer.Option(help="debug|info|warning|error")] = "info",
) -> None:
    """Serve the engine over HTTP with an OpenAPI 3.1 document (docs/guide/hosts.md).
    SIGHUP reloads the rule packs."""
    _call(
        "serve",
        "run",
        {
            "host": host,
            "port": port,
            "packs": rules or ["dk"],
            "token_file": token_file,
            "pseudonymize": pseudonymize,
            "cors_origins": cors_origin,
            "limits": (max_body_bytes, max_cases, max_events),
            "default_tz": tz,
            "insecure_no_auth": insecure_no_auth,
            "admin_reload": admin,
            "log_level": log_level,
        },
    )


@schema_app.command("finding")
def schema_finding() -> None:
    """JSON Schema for one finding, as audit --format jsonl and the HTTP service emit it."""
    _call("schema", "finding")


def main() -> None:
    """Console entry point: every failure is one line on stderr and a non-zero exit."""
    import signal

    def terminate(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)  # unwinds: partial reports are removed, never renamed

    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGINT, _launch.on_interrupt)
    if sys.argv[1:] == ["--version"]:  # answered before typer builds the command tree (~0.1 s)
        sys.stdout.write(_version_line() + "\n")
        return
    try:
        app()
    except ComplianceError as exc:
        _die(str(exc), 2)
    except (_launch.Interrupted, KeyboardInterrupt):
        sys.stderr.write(_launch.INTERRUPTED)
        sys.exit(130)
    except BrokenPipeError:  # `compliance audit ... | head`: the reader left; not an error
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(141)
    except OSError as exc:  # the disk, not the program: full, read-only, no permission
        _die(f"{exc.strerror or exc}{f': {exc.filename}' if exc.filename else ''}", 2)
    except Exception as exc:
        if os.environ.get("COMPLIANCE_DEBUG"):
            raise
        _die(
            f"internal error: {type(exc).__name__}: {exc} (this is a bug; "
            "set COMPLIANCE_DEBUG=1 for the traceback)",
            3,
        )


def _die(message: str, code: int) -> NoReturn:
    from compliance.privacy import printable

    sys.stderr.write(f"error: {printable(message)}\n")
    sys.exit(code)
