"""A SQL query against a database named by URL (SQLAlchemy), streamed in batches.

Rows are yielded with their location ``query row N`` (1-based, in the order the query returns
them — add ORDER BY for a reproducible numbering). The URL's password never appears in a
message or a location: the source is the URL as SQLAlchemy renders it with the password hidden.

Tested against SQLite; PostgreSQL and SQL Server (which Danish municipalities run) are reached
with their usual drivers, see docs/guide/sources.md:

- ``postgresql+psycopg://auditor@db.example/sager`` (``pip install psycopg[binary]``)
- ``mssql+pyodbc://auditor@sqlserver.example/Sager?driver=ODBC+Driver+18+for+SQL+Server``
  (``pip install pyodbc`` and Microsoft's ODBC driver)

A password is best given by the driver's own mechanism (``~/.pgpass``, ``PGPASSWORD``, Windows
authentication with ``trusted_connection=yes``) rather than in the URL on a command line.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from compliance.errors import ComplianceError
from compliance.sources.item import Item
from compliance.sources.options import ReadOptions
from compliance.sources.rows import Row, check_header

__all__ = ["display_url", "query_rows", "read"]

BATCH_ROWS = 10_000


def display_url(url: str) -> str:
    """``url`` with its password hidden (for messages and locations)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable database URL>"


def query_rows(
    url: str,
    query: str,
    params: Mapping[str, Any] | None = None,
    batch_rows: int = BATCH_ROWS,
) -> Iterator[Row]:
    """The rows of ``query`` (with bound ``params``, e.g. ``:since``) against ``url``.

    Results are streamed (server-side cursor where the driver has one), ``batch_rows`` at a
    time. A URL, connection or query that fails raises ComplianceError naming the (redacted)
    URL and the database's message.
    """
    try:
        from sqlalchemy import create_engine, text
        from sqlalchemy.exc import ArgumentError, SQLAlchemyError
    except ImportError:  # pragma: no cover - depends on the installation
        raise ComplianceError(
            "reading from a database needs SQLAlchemy: pip install 'casework-compliance[sources]'"
        ) from None
    shown = display_url(url)
    try:
        engine = create_engine(url)
    except (ArgumentError, ImportError, SQLAlchemyError) as exc:
        raise ComplianceError(f"{shown}: cannot use this database URL: {exc}") from None
    try:
        with engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=batch_rows).execute(
                text(query), dict(params or {})
            )
            check_header(list(map(str, result.keys())), shown, "query columns")
            for n, row in enumerate(result, 1):
                yield Row(dict(row._mapping), shown, f"query row {n}")
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise ComplianceError(f"{shown}: query failed: {reason}") from None
    finally:
        engine.dispose()


def read(url: str, options: ReadOptions) -> Iterator[Item]:
    """The cases of a query (``--query`` or the mapping's ``query:``) against ``url``."""
    from compliance.sources.table import table_items

    mapping = options.mapping
    if mapping is None or not mapping.query:
        raise ComplianceError(f"{display_url(url)}: a database source needs --query 'SELECT ...'")
    yield from table_items(query_rows(url, mapping.query), display_url(url), mapping)
