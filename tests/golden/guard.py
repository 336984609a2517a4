"""Behaviour guard: digests of every output the product writes for the demo corpus and every rule
fixture. A refactoring must leave them byte-identical; a deliberate change of behaviour (a rule
corrected, a report relabelled) re-records them with

    .venv/bin/python -m tests.golden.guard --record

and says why in the commit message. The digests, not the outputs, are committed: the outputs of
the demo corpus run to megabytes. To see *what* changed, run the same commands on both commits
(``compute(keep=DIR)`` writes every output to DIR) and diff the files.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
DIGESTS = Path(__file__).with_name("digests.json")
# Paths relative to ROOT (compute() runs there): reports name their inputs, fixture ids name
# their files, and the digests must not depend on where the repository is checked out.
DEMO = "fixtures/demo/cases.jsonl"
EXAMPLE = "fixtures/timelines/example.json"
AS_OF = "2025-06-30"
PACKS = ["--rules", "dk", "--rules", "municipal/slagelse", "--rules", "municipal/morsoe"]
# the run's time in the report, in either language ("dannet …" / "generated …")
_GENERATED = re.compile(rb"(?:generated|dannet) \d{4}-\d\d-\d\d \d\d:\d\d UTC")


def _cli(*args: str) -> bytes:
    from compliance.cli import app

    res = CliRunner().invoke(app, list(args), env={"COLUMNS": "120", "TERM": "dumb"})
    if res.exit_code != 0:
        raise AssertionError(f"compliance {' '.join(args)} exited {res.exit_code}: {res.output}")
    return res.stdout_bytes


def _xlsx_cells(path: Path) -> bytes:
    """A workbook's sheets and cell values (openpyxl stamps creation times into the zip)."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    out: list[Any] = []
    for ws in wb.worksheets:
        out.append(ws.title)
        out.extend(repr(row) for row in ws.iter_rows(values_only=True))
    return "\n".join(map(str, out)).encode()


def _fixture_findings() -> bytes:
    """Every finding of every rule fixture case, as the engine returns it."""
    from compliance import Engine, load_rules
    from compliance.ruletools.testing import collect

    lines: list[str] = []
    engines: dict[tuple[tuple[str, ...], str | None], Engine] = {}
    for case in collect(["rules/dk", "rules/municipal"]):
        key = (case.packs, case.tz)
        if key not in engines:
            rules = load_rules(*case.packs)
            engines[key] = Engine(rules, default_tz=case.tz) if case.tz else Engine(rules)
        as_of = case.as_of.isoformat() if hasattr(case.as_of, "isoformat") else case.as_of
        for timeline in [case.timeline, *case.more]:
            for f in engines[key].evaluate(timeline, as_of=as_of).findings:
                lines.append(f"{case.nodeid}\t{json.dumps(f.to_dict(), sort_keys=True)}")
    return "\n".join(lines).encode()


def compute(keep: Path | None = None) -> dict[str, str]:
    """name -> sha256 of each output."""
    outputs: dict[str, bytes] = {}
    keep = keep.resolve() if keep else None  # before the chdir: relative to the caller's folder
    with tempfile.TemporaryDirectory() as tmp, contextlib.chdir(ROOT):
        work = keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for fmt in ("jsonl", "json", "csv"):
            outputs[f"audit.{fmt}"] = _cli("audit", DEMO, *PACKS, "--as-of", AS_OF, "-f", fmt)
        html = work / "audit.html"
        _cli("audit", DEMO, *PACKS, "--as-of", AS_OF, "-f", "html", "-o", str(html))
        outputs["audit.html"] = _GENERATED.sub(b"generated <t>", html.read_bytes())
        xlsx = work / "audit.xlsx"
        _cli("audit", DEMO, *PACKS, "--as-of", AS_OF, "-f", "xlsx", "-o", str(xlsx))
        outputs["audit.xlsx.cells"] = _xlsx_cells(xlsx)
        for fmt in ("table", "json", "csv"):
            outputs[f"indicators.{fmt}"] = _cli(
                "indicators", DEMO, *PACKS, "--as-of", AS_OF, "-f", fmt
            )
        for fmt in ("table", "jsonl", "ics"):
            outputs[f"agenda.{fmt}"] = _cli(
                "agenda", DEMO, *PACKS, "--as-of", AS_OF, "--horizon", "30d", "-f", fmt
            )
        for fmt in ("table", "jsonl"):
            outputs[f"sample.{fmt}"] = _cli("sample", DEMO, *PACKS, "--as-of", AS_OF, "-f", fmt)
        outputs["explain.example"] = _cli(
            "explain", EXAMPLE, "--rules", "dk", "--as-of", "2024-07-13"
        )
        outputs["fixtures.findings"] = _fixture_findings()
        if keep:
            for name, data in outputs.items():
                (keep / name).write_bytes(data)
    return {k: hashlib.sha256(v).hexdigest() for k, v in sorted(outputs.items())}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--record", action="store_true", help="write tests/golden/digests.json")
    p.add_argument("--keep", type=Path, help="also write every output to this folder")
    a = p.parse_args()
    digests = compute(a.keep)
    if a.record:
        DIGESTS.write_text(json.dumps(digests, indent=1, sort_keys=True) + "\n")
    else:
        json.dump(digests, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
