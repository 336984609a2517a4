"""Outputs: every output format, chosen by one table.

``OUTPUTS`` names, per document a command produces (audit, agenda, indicators, sample), the
formats it can be written in and the module that writes it. A writer module defines
``write_<document>``: for ``audit`` and ``agenda`` ``(document, output: str | None)`` (a file,
written atomically, or stdout), for ``indicators`` and ``sample`` ``(document)`` (stdout).
Adding a format is one module here and one row below; the CLI's --format help and its
"unknown --format" message are read from this table. Modules are imported on use."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from compliance.errors import ComplianceError

__all__ = ["OUTPUTS", "Output", "format_help", "output_for"]


@dataclass(frozen=True)
class Output:
    module: str  # compliance.outputs.<module> defines write_<document>
    needs_file: bool = False  # cannot go to stdout (a zip container)
    streamed: bool = False  # findings are serialised where evaluated (in the worker processes)

    def writer(self, document: str) -> Callable[..., None]:
        write: Callable[..., None] = getattr(
            importlib.import_module(f"compliance.outputs.{self.module}"), f"write_{document}"
        )
        return write


OUTPUTS: dict[str, dict[str, Output]] = {
    "audit": {
        "jsonl": Output("jsonl", streamed=True),
        "json": Output("json"),
        "csv": Output("csv"),
        "html": Output("html"),
        "xlsx": Output("xlsx", needs_file=True),
    },
    "agenda": {"table": Output("terminal"), "jsonl": Output("jsonl"), "ics": Output("ics")},
    "indicators": {"table": Output("terminal"), "json": Output("json"), "csv": Output("csv")},
    "sample": {"table": Output("terminal"), "jsonl": Output("jsonl")},
}


def format_help(document: str) -> str:
    """``jsonl|json|csv|html|xlsx``: the --format choices of a command."""
    return "|".join(OUTPUTS[document])


def output_for(document: str, output_format: str) -> Output:
    try:
        return OUTPUTS[document][output_format]
    except KeyError:
        choices = ", ".join(OUTPUTS[document])
        raise ComplianceError(f"unknown --format {output_format!r} ({choices})") from None
