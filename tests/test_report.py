"""The auditor's report (issue 14): Danish by default, honest about uncertainty, a workbook
that can be filtered, and user mistakes that no longer pass silently. Through the CLI."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from compliance.cli import app
from compliance.outputs.messages import CATALOGUE, messages

EXAMPLE = "fixtures/timelines/example.json"
DEMO = "fixtures/demo/cases.jsonl"
runner = CliRunner()


def run(*args: str) -> Any:
    return runner.invoke(app, list(args))


@pytest.fixture(scope="module")
def demo_slice(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The first 300 demo cases: enough for every sheet and section, quick to audit."""
    path = tmp_path_factory.mktemp("demo") / "cases.jsonl"
    with open(DEMO, encoding="utf-8") as fh:
        path.write_text("".join(next(fh) for _ in range(300)), encoding="utf-8")
    return str(path)


# -- mistakes that used to pass silently ---------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("audit", EXAMPLE, "--status", "overdu"), "did you mean 'overdue'?"),
        (("audit", EXAMPLE, "--workers", "0"), "--workers must be at least 1"),
        (("audit", EXAMPLE, "--format", "htm"), "did you mean 'html'?"),
        (("audit", EXAMPLE, "--lang", "dk"), "unknown --lang 'dk' (da, en)"),
        (("indicators", EXAMPLE, "--workers", "0"), "--workers must be at least 1"),
        (("sample", EXAMPLE, "--stratify", "rules"), "did you mean 'rule'?"),
        (("sample", EXAMPLE, "--n", "0"), "--n must be at least 1"),
        (("agenda", EXAMPLE, "--format", "ical"), "unknown --format 'ical' (table, jsonl, ics)"),
        (("rules", "lint", "rules/dk", "--format", "jsn"), "did you mean 'json'?"),
        (("demo", "generate", "--broken-rate", "2"), "--broken-rate is a share"),
        (("audit", EXAMPLE, "--input-format", "jsn"), "did you mean 'json'?"),
        (("agenda", EXAMPLE, "--input-format", "cvs"), "did you mean 'csv'?"),
        (("explain", EXAMPLE, "--input-format", "xml"), "unknown --input-format 'xml' (json, "),
        (("sample", EXAMPLE, "--input-format", "parket"), "did you mean 'parquet'?"),
        (("indicators", EXAMPLE, "--input-format", "jsonl2"), "did you mean 'jsonl'?"),
        (("audit", EXAMPLE, "--rules", "municipal/slagelce"), "did you mean 'municipal/slagelse'?"),
        (("audit", EXAMPLE, "--tz", "Europe/Copenhagn"), "did you mean 'Europe/Copenhagen'?"),
        (("explain", EXAMPLE, "--tz", "europe/copenhagen"), "did you mean 'Europe/Copenhagen'?"),
    ],
)
def test_a_value_outside_an_options_choices_exits_2(args: tuple[str, ...], expected: str) -> None:
    res = (
        run(*args, "--as-of", "2024-07-13")
        if args[0] != "rules" and args[0] != "demo"
        else run(*args)
    )
    assert res.exit_code == 2, res.output
    assert expected in res.output


def test_explain_with_a_misspelt_rule_is_a_mistake_not_no_obligation() -> None:
    res = run("explain", EXAMPLE, "--rule", "dk.investigation.complet", "--as-of", "2024-07-13")
    assert res.exit_code == 2
    assert "did you mean 'dk.investigation.complete'?" in res.output


def test_a_completely_unreadable_csv_exits_2(tmp_path: Path) -> None:
    broken = tmp_path / "export.csv"
    broken.write_bytes(b"\x00\x01garbage;without;a;header\n\x02\x03\n")
    res = run("audit", str(broken), "--as-of", "2024-07-13")
    assert res.exit_code == 2
    assert "no case in the input could be read" in res.output


def test_version() -> None:
    from importlib.metadata import version

    res = run("--version")
    assert res.exit_code == 0
    assert res.stdout.strip() == f"compliance {version('casework-compliance')}"


def test_a_missing_as_of_is_said_and_recorded() -> None:
    res = run("audit", EXAMPLE, "--format", "html")
    assert res.exit_code == 0
    assert "note: no --as-of given; auditing as of now" in res.output
    assert "Der blev ikke angivet en opgørelsesdato" in res.stdout


# -- Danish first ---------------------------------------------------------------------------------


def test_danish_and_english_forms() -> None:
    da, en = messages("da"), messages("en")
    assert da.date(dt.date(2024, 3, 5)) == "5. marts 2024"
    assert en.date(dt.date(2024, 3, 5)) == "5 March 2024"
    assert da.percent(0.75) == "75,0 %"
    assert en.percent(0.75) == "75.0%"
    assert da.integer(1234) == "1.234"
    assert all(da_text and en_text for da_text, en_text in CATALOGUE.values())


def test_html_is_danish_by_default_and_english_on_request(demo_slice: str) -> None:
    da = run("audit", demo_slice, "--as-of", "2025-06-30", "--format", "html")
    en = run("audit", demo_slice, "--as-of", "2025-06-30", "--format", "html", "--lang", "en")
    assert '<html lang="da">' in da.stdout
    assert "Revision af frister og standarder" in da.stdout
    assert "30. juni 2025 (ved dagens udgang)" in da.stdout
    assert "Overholdelse pr. regel" in da.stdout and "Compliance per rule" not in da.stdout
    assert '<html lang="en">' in en.stdout and "Compliance per rule" in en.stdout
    assert "30 June 2025 (end of day)" in en.stdout


def test_machine_outputs_keep_iso_dates_and_dots(demo_slice: str) -> None:
    res = run("audit", demo_slice, "--as-of", "2025-06-30", "--format", "csv", "--lang", "da")
    assert res.exit_code == 0
    header = res.stdout.splitlines()[0]
    assert header.startswith("case_id,rule,version")
    assert "overholdt" not in res.stdout


# -- uncertainty ----------------------------------------------------------------------------------


def test_indicator_periods_not_ended_are_in_progress(demo_slice: str) -> None:
    rules = ("--rules", "dk", "--rules", "municipal/slagelse")
    res = run("indicators", demo_slice, *rules, "--as-of", "2025-06-30")
    rows = {line.split("│")[2].strip(): line for line in res.stdout.splitlines() if "│ 20" in line}
    assert "i gang" in rows["2025"]
    assert "i gang" not in rows["2024"]
    machine = json.loads(
        run("indicators", demo_slice, *rules, "--as-of", "2025-06-30", "-f", "json").stdout
    )
    assert {r["status"] for r in machine} <= {"met", "missed", "insufficient_data"}


def test_confidence_is_shown_per_rule_and_per_finding(demo_slice: str) -> None:
    html = run("audit", demo_slice, "--as-of", "2025-06-30", "--format", "html").stdout
    assert "<th>sikkerhed</th>" in html
    assert html.count("sikkerhed <abbr") >= 1  # in each violation's line
    assert 'title="frist bekræftet, bestemmelse fra en sekundær kilde">C-p</abbr>' in html


# -- workbook -------------------------------------------------------------------------------------


def test_workbook_has_danish_sheets_real_dates_percentages_and_filters(
    demo_slice: str, tmp_path: Path
) -> None:
    import openpyxl

    path = tmp_path / "audit.xlsx"
    res = run("audit", demo_slice, "--as-of", "2025-06-30", "-f", "xlsx", "-o", str(path))
    assert res.exit_code == 0, res.output
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Resumé", "Pr. regel", "Pr. kommune", "Fund", "Indikatorer", "Afviste"]
    for ws in wb:
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref is not None and ws.auto_filter.ref.startswith("A1:")
    findings = wb["Fund"]
    header = [c.value for c in findings[1]]
    assert header[0] == "kommune"
    due = findings.cell(row=2, column=header.index("frist") + 1)
    assert isinstance(due.value, dt.datetime | dt.date)
    per_rule = wb["Pr. regel"]
    share = per_rule.cell(row=2, column=per_rule.max_column)
    assert isinstance(share.value, int | float) and "%" in share.number_format
    summary = {row[0].value: row[1].value for row in wb["Resumé"].iter_rows(min_row=2)}
    assert summary["opgjort pr."] == dt.datetime(2025, 6, 30, 23, 59, 59)
    assert summary["sager læst"] == 300
    assert {findings.cell(row=r, column=1).value for r in range(2, findings.max_row + 1)} == {
        "Aarhus",
        "Langeland",
        "Morsø",
        "Slagelse",
    }
    by_municipality = {r[0].value: r for r in wb["Pr. kommune"].iter_rows(min_row=2)}
    html = run("audit", demo_slice, "--as-of", "2025-06-30", "--format", "html").stdout
    slagelse = by_municipality["Slagelse"]
    share = messages("da").percent(slagelse[3].value)
    assert f"{messages('da').integer(slagelse[1].value)}</td>" in html
    assert f"</span> {share}</td></tr>" in html  # the same numbers as the HTML


def test_breakdown_by_a_chosen_subject_field(tmp_path: Path) -> None:
    import openpyxl

    cases = []
    for i, district in enumerate(("Nord", "Syd", "Nord")):
        case = json.loads(Path(EXAMPLE).read_text(encoding="utf-8"))
        case["case_id"] = f"c{i}"
        case["subject"] = {**case.get("subject", {}), "district": district}
        cases.append(json.dumps(case))
    source = tmp_path / "cases.jsonl"
    source.write_text("\n".join(cases) + "\n", encoding="utf-8")
    args = ["audit", str(source), "--as-of", "2024-07-13", "--group-by", "district"]
    html = run(*args, "-f", "html").stdout
    assert '<h2 id="district">Pr. district</h2>' in html
    assert "<b>Nord</b>" in html and "<b>Syd</b>" in html
    assert "kontrollér --group-by" not in html
    misspelt = run(
        "audit", str(source), "--as-of", "2024-07-13", "--group-by", "distrikt", "-f", "html"
    )
    assert "Ingen sag har feltet »distrikt« i subject; kontrollér --group-by." in misspelt.stdout
    path = tmp_path / "a.xlsx"
    assert run(*args, "-f", "xlsx", "-o", str(path)).exit_code == 0
    findings = openpyxl.load_workbook(path)["Fund"]
    assert findings.cell(row=1, column=2).value == "district"
    column = {findings.cell(row=r, column=2).value for r in range(2, findings.max_row + 1)}
    assert column == {"Nord", "Syd"}


def test_workbook_never_writes_a_formula(tmp_path: Path) -> None:
    import openpyxl

    case = json.loads(Path(EXAMPLE).read_text(encoding="utf-8"))
    case["case_id"] = '=HYPERLINK("http://example.org")\x07'
    source = tmp_path / "case.json"
    source.write_text(json.dumps(case), encoding="utf-8")
    path = tmp_path / "audit.xlsx"
    assert (
        run("audit", str(source), "--as-of", "2024-07-13", "-f", "xlsx", "-o", str(path)).exit_code
        == 0
    )
    cell = openpyxl.load_workbook(path)["Fund"]["B2"]
    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("http://example.org")'


# -- rules diff -----------------------------------------------------------------------------------


def test_markdown_diff_says_how_many_changes_it_does_not_list(tmp_path: Path) -> None:
    import shutil

    new = tmp_path / "dk"
    shutil.copytree("rules/dk", new)
    rule = new / "investigation-complete.yaml"
    rule.write_text(
        rule.read_text(encoding="utf-8").replace("within: 4 months", "within: 1 months"),
        encoding="utf-8",
    )
    args = ["rules", "diff", "--old", "rules/dk", "--new", str(new), "--cases", DEMO]
    args += ["--as-of", "2025-06-30"]
    changed = json.loads(run(*args, "--format", "json").stdout)["changed"]
    assert changed > 50
    markdown = run(*args, "--format", "markdown").stdout
    assert f"… and {changed - 50} more (`--format json` lists every change)." in markdown


# -- the demo corpus ------------------------------------------------------------------------------


def test_demo_corpus_ends_at_the_export_date_and_follows_the_corrected_law(
    tmp_path: Path,
) -> None:
    path = tmp_path / "demo.jsonl"
    res = run("demo", "generate", "--cases", "400", "--seed", "5", "-o", str(path))
    assert res.exit_code == 0, res.output
    cases = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    events = [e for c in cases for e in c["events"]]
    assert max(str(e["at"])[:10] for e in events) <= "2025-06-30"
    for case in cases:  # every reference still resolves after the cut
        ids = {e["id"] for e in case["events"]}
        assert all(ref in ids for e in case["events"] for ref in e.get("refs", ()))
    reporters = {
        (c["case_id"], e["id"]): e["attrs"]["reporter"]
        for c in cases
        for e in c["events"]
        if e["type"] == "notification_received"
    }
    assert reporters
    cited = {
        reporters[(c["case_id"], ref)]
        for c in cases
        for e in c["events"]
        if e["type"] == "notification_acknowledged"
        for ref in e["refs"]
    }
    assert {"professional", "citizen"} <= cited and "anonymous" not in cited
    whole = tmp_path / "whole.jsonl"
    run("demo", "generate", "--cases", "400", "--seed", "5", "--until", "", "-o", str(whole))
    assert "2026-" in whole.read_text(encoding="utf-8")
    assert run("demo", "generate", "--until", "2024-01-01").exit_code == 2


def test_diff_reports_indicator_changes(tmp_path: Path) -> None:
    import shutil

    new = tmp_path / "slagelse"
    shutil.copytree("rules/municipal/slagelse", new)
    rule = new / "investigation-6-weeks.yaml"
    text = rule.read_text(encoding="utf-8")
    rule.write_text(text.replace("success: {within: 6 weeks}", "success: {within: 2 weeks}"))
    args = ["rules", "diff", "--old", "municipal/slagelse", "--new", str(new), "--with", "dk"]
    args += ["--cases", DEMO, "--as-of", "2025-06-30"]
    res = run(*args, "--format", "json")
    assert res.exit_code == 1  # something changed, though no finding did
    report = json.loads(res.stdout)
    assert report["changed"] == 0
    moved = {(c["indicator"], c["period"]): c for c in report["indicator_changes"]}
    change = moved[("slagelse.investigation.within-6-weeks", "2024")]
    assert change["new"]["numerator"] < change["old"]["numerator"]
    assert change["old"]["denominator"] == change["new"]["denominator"]
    text_out = run(*args).stdout
    assert "indicators: " in text_out and "slagelse.investigation.within-6-weeks 2024: " in text_out
    assert "#### Indicators" in run(*args, "--format", "markdown").stdout


def test_the_same_audit_gives_the_same_workbook_bytes(demo_slice: str, tmp_path: Path) -> None:
    first, second = tmp_path / "1.xlsx", tmp_path / "2.xlsx"
    for path in (first, second):
        args = ["audit", demo_slice, "--as-of", "2025-06-30", "-f", "xlsx", "-o", str(path)]
        assert run(*args).exit_code == 0
    assert first.read_bytes() == second.read_bytes()


# -- the audit instant in every output ------------------------------------------------------------


def test_every_jsonl_finding_records_the_audit_instant_and_validates(tmp_path: Path) -> None:
    from jsonschema import Draft202012Validator, FormatChecker

    from compliance.finding_schema import finding_json_schema

    case = json.loads(Path(EXAMPLE).read_text(encoding="utf-8"))
    case["case_id"] = 'odd}\n"id'  # a brace and a newline inside a string stay inside it
    source = tmp_path / "case.json"
    source.write_text(json.dumps(case), encoding="utf-8")
    validator = Draft202012Validator(finding_json_schema(), format_checker=FormatChecker())
    for args, instant, given in (
        (("--as-of", "2024-07-13"), "2024-07-13T23:59:59.999999+02:00", True),
        ((), None, False),
    ):
        res = run("audit", str(source), *args)
        lines = [json.loads(line) for line in res.stdout.splitlines()]
        assert lines and all(line["case_id"] == 'odd}\n"id' for line in lines)
        assert {line["as_of_given"] for line in lines} == {given}
        assert len({line["as_of"] for line in lines}) == 1
        assert instant is None or lines[0]["as_of"] == instant
        assert not [e.message for line in lines for e in validator.iter_errors(line)]
    assert list(validator.iter_errors({**lines[0], "as_of_given": "no"}))


def test_csv_and_json_record_the_audit_instant(demo_slice: str) -> None:
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(run("audit", EXAMPLE, "-f", "csv").stdout)))
    assert rows and {r["as_of_given"] for r in rows} == {"false"}
    assert dt.datetime.fromisoformat(rows[0]["as_of"]).tzinfo is not None
    given = run("audit", EXAMPLE, "--as-of", "2024-07-13", "-f", "csv").stdout
    assert given.splitlines()[0].endswith(",explain,as_of,as_of_given")
    assert given.splitlines()[1].endswith(",2024-07-13T23:59:59.999999+02:00,true")
    document = json.loads(run("audit", EXAMPLE, "-f", "json").stdout)
    assert document["summary"]["as_of_given"] is False
    assert document["summary"]["as_of"]
    rules = ("--rules", "dk", "--rules", "municipal/slagelse", "--as-of", "2025-06-30")
    indicators = json.loads(run("indicators", demo_slice, *rules, "-f", "json").stdout)
    assert {(r["as_of"], r["as_of_given"]) for r in indicators} == {
        ("2025-06-30T23:59:59.999999+02:00", True)
    }
    table = run("indicators", demo_slice, *rules, "-f", "csv").stdout.splitlines()
    assert table[0].endswith(",source,as_of,as_of_given")
    assert table[1].endswith(",2025-06-30T23:59:59.999999+02:00,true")
    agenda = run("agenda", EXAMPLE, "--as-of", "2024-05-01", "--horizon", "90d", "-f", "jsonl")
    stamps = {
        (json.loads(x)["as_of"], json.loads(x)["as_of_given"]) for x in agenda.stdout.splitlines()
    }
    assert stamps == {("2024-05-01T23:59:59.999999+02:00", True)}


def test_the_terminal_tables_and_their_machine_twins_say_when_no_date_was_given(
    demo_slice: str,
) -> None:
    now = "(ingen opgørelsesdato angivet: kørslens tidspunkt)"
    for command in ("indicators", "agenda", "sample"):
        table = run(command, EXAMPLE).stdout
        assert now in " ".join(table.split()), command
        assert now not in run(command, EXAMPLE, "--as-of", "2024-07-13").stdout
    lines = run("agenda", EXAMPLE, "--horizon", "5y", "-f", "jsonl").stdout.splitlines()
    assert lines and {json.loads(x)["as_of_given"] for x in lines} == {False}
    drawn = run("sample", EXAMPLE, "-f", "jsonl").stdout.splitlines()
    assert drawn and {json.loads(x)["as_of_given"] for x in drawn} == {False}
    rules = ("--rules", "dk", "--rules", "municipal/slagelse")
    results = json.loads(run("indicators", demo_slice, *rules, "-f", "json").stdout)
    assert results and {r["as_of_given"] for r in results} == {False}


# -- the sample -----------------------------------------------------------------------------------


def test_the_sample_table_is_danish_by_default_and_english_on_request(demo_slice: str) -> None:
    args = ("sample", demo_slice, "--as-of", "2025-06-30", "--n", "6")
    da = run(*args).stdout
    assert "Stikprøve til gennemgang: 6 af " in da and "pr. 30. juni 2025" in da
    assert all(word in da for word in ("sag", "lag", "årsag", "frist "))
    assert re.search(r"frist \d{1,2}\. [a-zæø]+ \d{4}", da)  # 5. marts 2024
    assert "due" not in da and "stratum" not in da
    by_status = run(*args, "--stratify", "status").stdout
    assert "for sent" in by_status or "forsømt" in by_status or "overskredet" in by_status
    en = run(*args, "--lang", "en").stdout
    assert "Sample for review: 6 of " in en and "as of 30 June 2025" in en and "reason" in en
    lines = [json.loads(x) for x in run(*args, "-f", "jsonl").stdout.splitlines()]
    assert len(lines) == 6
    assert {(x["as_of"], x["as_of_given"]) for x in lines} == {
        ("2025-06-30T23:59:59.999999+02:00", True)
    }
    assert all(x["reason"].startswith(f"drawn from stratum {x['stratum']}: ") for x in lines)


# -- trend charts ---------------------------------------------------------------------------------


def _trend_cards(html: str) -> dict[str, str]:
    """Each trend chart's card, by the rule or indicator it charts."""
    cards = {}
    for card in html.split('<div class="card trend">')[1:]:
        name = card[len("<small><b>") : card.index("</b>")]
        cards[name] = card[: card.index("</div>")]
    return cards


def test_trend_charts_draw_the_rules_own_targets_and_none_where_none_is_set(
    demo_slice: str,
) -> None:
    rules = ("--rules", "dk", "--rules", "municipal/slagelse")
    html = run("audit", demo_slice, *rules, "--as-of", "2025-06-30", "-f", "html").stdout
    cards = _trend_cards(html)
    # slagelse.investigation.within-4-months counts dk.investigation.complete's met ones: 100 %
    investigation = cards["dk.investigation.complete"]
    assert investigation.count('class="target"') == 2  # the dashed line and its name
    assert "Slagelses mål ≥ 100 %" in investigation
    assert "Alle børnefaglige" not in investigation  # the rule's own title, not the indicator's
    # within 6 weeks is a different measure: not a target of the rule's compliance
    assert "25 %" not in investigation
    acknowledge = cards["dk.notification.acknowledge"]
    assert 'class="target"' not in acknowledge.replace('<small class="target">', "")
    assert "intet mål fastsat" in acknowledge and "90 %" not in acknowledge
    six_weeks = cards["slagelse.investigation.within-6-weeks"]
    assert "mål ≥ 25 %" in six_weeks
    assert 'fill="#fff"' in six_weeks  # 2025 is in progress at 30 June 2025: an open dot
    assert "jun. 2025" in html or "maj 2025" in html  # months in Danish on the axes
    en = run("audit", demo_slice, *rules, "--as-of", "2025-06-30", "-f", "html", "--lang", "en")
    assert "Slagelse&#x27;s target ≥ 100%" in _trend_cards(en.stdout)["dk.investigation.complete"]


def test_rule_targets_come_only_from_indicators_that_measure_the_rules_compliance() -> None:
    from compliance.outputs.targets import rule_targets
    from compliance.rules.load import load_rules

    targets = rule_targets(load_rules("dk", "municipal/slagelse", "municipal/morsoe"))
    assert {rule: [(t.share, t.indicator) for t in ts] for rule, ts in targets.items()} == {
        "dk.investigation.complete": [(1.0, "slagelse.investigation.within-4-months")],
        "slagelse.caseworker.no-change-first-year": [(0.75, "slagelse.caseworker.stable-75")],
    }
    assert rule_targets(load_rules("dk")) == {}


def test_every_rule_kind_has_a_label_in_both_languages() -> None:
    from compliance.kinds import KINDS
    from compliance.outputs.messages import CATALOGUE

    # a kind added without a label reached the workbook as its English key
    assert {f"kind.{kind}" for kind in KINDS} <= set(CATALOGUE)


def test_workbook_speaks_danish_in_values_and_formats_too(demo_slice: str, tmp_path: Path) -> None:
    import openpyxl

    path = tmp_path / "audit.xlsx"
    rules = ("--rules", "dk", "--rules", "municipal/slagelse", "--as-of", "2025-06-30")
    assert run("audit", demo_slice, *rules, "-f", "xlsx", "-o", str(path)).exit_code == 0
    wb = openpyxl.load_workbook(path)
    findings = wb["Fund"]
    header = [c.value for c in findings[1]]
    column = {name: header.index(name) for name in ("art", "alvor", "frist")}
    rows = list(findings.iter_rows(min_row=2))
    kinds = {"frist", "forudsætning", "tilbagevendende", "kvote", "grænse", "påkrævet oplysning"}
    seen = {r[column["art"]].value for r in rows}
    assert "frist" in seen and seen <= kinds
    assert {r[column["alvor"]].value for r in rows} <= {"høj", "middel", "lav", "info"}
    assert rows[0][column["frist"]].number_format.startswith("dd-mm-yyyy")
    summary = {r[0].value: r[1] for r in wb["Resumé"].iter_rows(min_row=2)}
    assert summary["sager læst"].number_format == "#,##0"  # 1.234 in a Danish spreadsheet
    ended, met = (
        summary["afsluttede indikatorperioder"].value,
        summary["afsluttede indikatorperioder nået"].value,
    )
    html = run("audit", demo_slice, *rules, "-f", "html").stdout
    assert f'afsluttede indikatorperioder nået<b class="">{met} / {ended}</b>' in html
