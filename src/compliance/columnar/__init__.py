"""The columnar batch path (``compliance audit --engine columnar``; docs/adr/0018).

The per-case engine stays the reference and the library API. This package judges, a chunk of
cases at a time, the (rule, case) pairs it can express exactly as tables with polars, and hands
every other rule and case to the per-case engine; the outcomes are identical, finding for
finding and byte for byte. Modules: ``capability`` (which rules, and why not the others),
``plan`` (the split and the engines for the rest), ``table`` (the events table of a chunk),
``deadline`` (the judgement as columns), ``merge`` (one case's findings from both paths in the
per-case order), ``run`` (the chunks).
"""

from __future__ import annotations

from compliance.errors import ComplianceError

__all__ = ["ENGINES", "require_backend"]

#: ``--engine``: the per-case engine (default) or the columnar batch path.
ENGINES = ("case", "columnar")


def require_backend() -> None:
    """The columnar path needs polars; without it the user is told which extra installs it."""
    try:
        import polars  # noqa: F401
    except ImportError:
        raise ComplianceError(
            "--engine columnar needs polars, which is not installed: "
            "pip install 'casework-compliance[columnar]' (or use --engine case)"
        ) from None
