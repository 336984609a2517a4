"""The Danish HTML report as a browser draws it (headless Chromium): the summary cards, the
by-municipality view and the trend charts are on the first screen. Skipped where no Chromium
is installed (``apt-get install -y chromium``)."""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from compliance.cli import app

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


@pytest.mark.skipif(CHROMIUM is None, reason="no headless Chromium installed")
def test_screenshot_of_the_danish_report(tmp_path: Path) -> None:
    demo = tmp_path / "cases.jsonl"
    with open("fixtures/demo/cases.jsonl", encoding="utf-8") as fh:
        demo.write_text("".join(next(fh) for _ in range(600)), encoding="utf-8")
    html = tmp_path / "audit.html"
    rules = ["--rules", "dk", "--rules", "municipal/slagelse"]
    args = ["audit", str(demo), *rules, "--as-of", "2025-06-30", "-f", "html", "-o", str(html)]
    assert CliRunner().invoke(app, args).exit_code == 0
    text = html.read_text(encoding="utf-8")
    first_screen = text[: text.index("Overholdelse pr. regel</h2>")]
    for part in ("sager læst", '<h2 id="kommune">Pr. kommune</h2>', "Slagelse", "<polyline"):
        assert part in first_screen  # summary, municipalities and trends come before the detail
    png = tmp_path / "report.png"
    assert CHROMIUM is not None
    subprocess.run(
        [
            CHROMIUM,
            *FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1200,2400",
            f"--screenshot={png}",
            html.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    data = png.read_bytes()
    assert _png_size(data) == (1200, 2400)
    assert len(data) > 60_000  # a drawn page, not a blank one (blank: a few kB)
