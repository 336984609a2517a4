"""Input sources: readers that turn an export (JSON, JSON Lines, delimited text, XES, XLSX,
Parquet, a SQL query) into located rows or cases, and the pieces shared by them (grouping of
rows into cases, decoding of text, generated event ids, presets)."""
