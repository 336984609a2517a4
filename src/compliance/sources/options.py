"""What a command may tell a reader besides the path."""

from __future__ import annotations

from dataclasses import dataclass

from compliance.sources.mapping import ColumnMapping

__all__ = ["ReadOptions"]


@dataclass(frozen=True)
class ReadOptions:
    mapping: ColumnMapping | None = None  # tabular formats: foreign column names and values
    lazy: bool = False  # JSON Lines: leave lines unparsed until evaluated (``Item.parsed``)
