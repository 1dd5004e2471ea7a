"""The set-wise INSERTs of a batch, compiled once per database and run on the DBAPI cursor.

A batch that registers thousands of records (``zenml profile copy``, an
``apply``) inserts a row per component, stack, member and event. SQLAlchemy's
``executemany`` builds and processes a parameter dictionary per row, which cost
more than the database's own work (docs/decisions.md, issue 23). So the INSERT
is compiled once from the table (SQLAlchemy's own SQL for that database, its
casts included) and run with the driver's ``executemany`` on the connection's
DBAPI cursor, inside the same transaction: psycopg 3 still pipelines it,
PyMySQL still folds it into multi-row INSERTs, sqlite3 still runs it in C.

The values are converted as the columns' types would: :class:`UtcTimestamp`
writes ``utc_now()``'s text by string operations (``schema.UtcTimestamp.bulk_bind``),
every other type with a bind processor through that processor. A driver's
error is raised as SQLAlchemy's execute raises it (an ``IntegrityError`` for a
refused key, the connection invalidated when it was found dead), so
``SqlStore._run`` retries or reports it as before. The tests compare the rows
with SQLAlchemy's ``executemany`` on every database.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from itertools import chain
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, insert

from zen_sql_store.compiled_reads import dbapi_cursor, once_per_database
from zen_sql_store.schema import UtcTimestamp

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Dialect


#: A parameter of the ``pyformat`` style, as SQLAlchemy writes it (never after a ``%``).
_PYFORMAT = re.compile(r"(?<!%)%\((\w+)\)s")


#: psycopg parses a statement's text again on every execution beyond this length (its
#: query cache's limit, ``psycopg._queries.MAX_CACHED_STATEMENT_LENGTH``).
_PSYCOPG_CACHED_LENGTH = 4096


def _rows_per_statement(sql: str, dialect: Dialect) -> int:
    """How many rows one INSERT carries on this database: 1, but on psycopg as many as
    keep the statement short enough for its query cache. psycopg's pipelined
    ``executemany`` cost ~20 us of CPU a row (36,000 rows in a profile copy); 10-30
    rows a statement halved that (docs/decisions.md). (PyMySQL makes multi-row INSERTs
    of an executemany itself; sqlite3 runs it in C.)"""
    if dialect.driver != "psycopg" or " RETURNING " in sql or " VALUES " not in sql:
        return 1
    head, _, values = sql.partition(" VALUES ")
    return max(1, (_PSYCOPG_CACHED_LENGTH - len(head) - 8) // (len(values) + 2))


class BulkInsert:
    """``INSERT INTO table (columns) VALUES (...)`` for one database's driver; rows are
    tuples in ``columns``' order, as the columns' types take them."""

    def __init__(self, table: Table, columns: Sequence[str], dialect: Dialect) -> None:
        self.columns = tuple(columns)
        compiled = insert(table).compile(dialect=dialect, column_keys=list(self.columns),
                                         for_executemany=True)
        self.sql = compiled.string
        order: list[str] | None = list(compiled.positiontup or ()) \
            if compiled.positional else None
        if order is None and dialect.paramstyle == "pyformat":
            # psycopg takes %s as well as %(name)s: a tuple a row then, instead of a dict
            # it must reorder (a fifth of its work on 36,000 rows). The INSERT has no
            # literal, so every %(name)s is a parameter.
            order = _PYFORMAT.findall(self.sql)
            self.sql = _PYFORMAT.sub("%s", self.sql)
        self._positions: tuple[int, ...] | None = None if order is None else tuple(
            self.columns.index(name) for name in order)
        # psycopg: several rows a statement (see _rows_per_statement)
        self._per_statement = _rows_per_statement(self.sql, dialect) \
            if self._positions is not None else 1
        head, _, values = self.sql.partition(" VALUES ")
        self._multi_sql = f"{head} VALUES {', '.join([values] * self._per_statement)}"
        self._converters: list[tuple[int, Callable[[Any], Any]]] = []
        for at, name in enumerate(self.columns):
            kind = table.c[name].type
            if isinstance(kind, UtcTimestamp):
                self._converters.append((at, kind.bulk_bind(dialect)))
                continue
            processor = kind.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                self._converters.append((at, processor))

    def parameters(self, rows: Sequence[Sequence[Any]]) -> list[Any]:
        """The driver's parameters of ``rows``: tuples (positional styles) or dicts."""
        converters = self._converters
        if converters and rows:
            # column by column: one map() a converted column, not a list and a loop a row
            # (a profile copy's 12,000 events: 27 -> 23 ms)
            columns: list[Any] = list(zip(*rows, strict=True))
            for at, convert in converters:  # None too: JSON's None is 'null'
                columns[at] = list(map(convert, columns[at]))
            rows = list(zip(*columns, strict=True))
        positions = self._positions
        if positions is None:
            columns = self.columns
            return [dict(zip(columns, row, strict=True)) for row in rows]
        if positions == tuple(range(len(positions))):
            return [tuple(row) for row in rows]
        return [tuple(row[i] for i in positions) for row in rows]

    def run(self, connection: Connection, rows: Sequence[Sequence[Any]]) -> None:
        """Insert ``rows`` in ``connection``'s transaction (which must have begun)."""
        if not rows:
            return
        parameters = self.parameters(rows)
        per = self._per_statement
        with dbapi_cursor(connection, self.sql, parameters[:1]) as cursor:
            whole = len(parameters) // per * per if per > 1 else 0
            if whole:
                cursor.executemany(self._multi_sql, [
                    tuple(chain.from_iterable(parameters[start:start + per]))
                    for start in range(0, whole, per)])
            if whole < len(parameters):
                cursor.executemany(self.sql, parameters[whole:])


def bulk_insert(connection: Connection, table: Table, columns: Sequence[str],
                rows: Sequence[Sequence[Any]]) -> None:
    """Insert ``rows`` (tuples in ``columns``' order) into ``table`` in ``connection``'s
    transaction, with the statement compiled once for its database."""
    columns = tuple(columns)
    statement = once_per_database(connection.dialect, ("insert", table.name, columns),
                                  lambda: BulkInsert(table, columns, connection.dialect))
    statement.run(connection, rows)
