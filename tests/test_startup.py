"""Start-up cost of the command line (issue 18: ``--help`` and ``--version`` under 0.3 s).

Help is plain click formatting (``rich_markup_mode=None``): rich and its Markdown parser cost
about 0.25 s to import, more than everything else ``--help`` does. ``--version`` is answered
before typer builds the command tree."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from compliance.cli import app

SCRIPT = Path(sys.executable).with_name("compliance")


def _imported_after(argv: list[str]) -> set[str]:
    code = (
        "import sys\n"
        "from compliance.cli import main\n"
        f"sys.argv = ['compliance', *{argv!r}]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.strip().splitlines()[-1].split())


def test_help_imports_neither_rich_nor_markdown() -> None:
    loaded = _imported_after(["--help"])
    assert not {m for m in loaded if m.split(".")[0] in {"rich", "markdown_it", "pygments"}}


def test_version_fast_path_prints_what_the_option_prints() -> None:
    fast = subprocess.run([str(SCRIPT), "--version"], capture_output=True, text=True, check=True)
    via_typer = CliRunner().invoke(app, ["--version"])
    assert via_typer.exit_code == 0
    assert fast.stdout == via_typer.output
    assert fast.stdout.startswith("compliance ")


def test_version_fast_path_does_not_build_the_command_tree() -> None:
    code = (
        "import sys, typer.main\n"
        "def refuse(*a, **k):\n"
        "    raise AssertionError('command tree built')\n"
        "typer.main.get_command = refuse\n"
        "from compliance.cli import main\n"
        "sys.argv = ['compliance', '--version']\n"
        "main()\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("compliance ")


def test_version_is_the_installed_distributions() -> None:
    from importlib.metadata import version

    out = CliRunner().invoke(app, ["--version"]).output
    assert out == f"compliance {version('casework-compliance')}\n"


def test_help_still_lists_every_command_and_options_help() -> None:
    out = CliRunner().invoke(app, ["audit", "--help"]).output
    for option in ("--rules", "--as-of", "--format", "--workers", "--input-format"):
        assert option in out
