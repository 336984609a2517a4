"""The console entry point, kept apart from ``compliance.cli`` so that a Ctrl-C while the
command line still imports (typer, the command tree: ~0.2 s) ends like one during the work:
one line on stderr and exit 130, never a Python traceback."""

from __future__ import annotations

import signal
import sys

INTERRUPTED = "interrupted; no report was completed\n"


class Interrupted(BaseException):
    """SIGINT, raised by :func:`on_interrupt`. Not a KeyboardInterrupt: typer turns that into
    a silent exit 130 before the command line can say what happened."""


def on_interrupt(signum: int, frame: object) -> None:
    """The command line's SIGINT handler (``cli.main`` installs it too, for callers that
    start ``compliance.cli:main`` directly)."""
    raise Interrupted


def main() -> None:
    signal.signal(signal.SIGINT, on_interrupt)
    try:
        from compliance.cli import main as run_command
    except (Interrupted, KeyboardInterrupt):
        sys.stderr.write(INTERRUPTED)
        sys.exit(130)
    run_command()
