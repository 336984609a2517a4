"""The README's library sample runs as written, from the repository root."""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_readme_python_samples_run_as_written() -> None:
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert blocks, "the README has a library sample"
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        for code in blocks:
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(compile(code, "README.md", "exec"), {})
            assert "dk.investigation.complete" in out.getvalue()
    finally:
        os.chdir(cwd)
