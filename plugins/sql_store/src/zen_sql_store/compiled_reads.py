"""The stack reads of every request, compiled once per database and run on the DBAPI cursor.

A service on PostgreSQL reads a stack or the list of stacks per request.
SQLAlchemy's statement execution, result objects and Connection cost more
there than the query itself (docs/decisions.md, measured with the
benchmarks). So the SQL of these reads is compiled once from the same Core
statements (:mod:`zen_sql_store.queries`) and executed on a DBAPI cursor;
the rows, plain tuples, go to :mod:`zen_sql_store.rows`.

* :func:`pooled_rows` runs a read on a connection of the engine's pool, with
  no SQLAlchemy Connection or transaction. If the driver raises anything, that
  connection is dropped and the read is left to
* :meth:`CompiledRead.rows`, inside ``SqlStore._run``'s transaction with its
  retries and errors: a driver's error is raised there as SQLAlchemy's execute
  would raise it, wrapped, and with the connection invalidated when it was
  found dead, so that the read runs again on a new one.

None of these columns has a result processor (times are formatted by the
database: ``schema.TimeText``), and their one parameter, a name, no bind
processor; the tests compare the rows with SQLAlchemy's on every database.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Callable, Hashable, Iterator, Sequence
from functools import cached_property
from typing import Any, TypeVar

from sqlalchemy import bindparam, exc, select
from sqlalchemy.engine import Connection, Dialect, Engine

from zen_sql_store.direct_reads import NotHere
from zen_sql_store.queries import STACKS, stacks_query

_T = TypeVar("_T")


class CompiledRead:
    """One read statement as the SQL and parameters of one database's driver."""

    def __init__(self, statement: Any, dialect: Dialect) -> None:
        self._compiled = statement.compile(dialect=dialect)
        self.sql = self._compiled.string

    def parameters(self, values: dict[str, Any]) -> Any:
        """The driver's parameters: a tuple for a positional style (SQLite), else a dict.
        Never None, so that the drivers of the ``format`` styles always undo the
        doubled percent signs of the SQL (MySQL's ``DATE_FORMAT``)."""
        compiled = self._compiled
        bound = compiled.construct_params(values)
        if compiled.positional:
            return tuple(bound[name] for name in compiled.positiontup or ())
        return bound

    def rows(self, connection: Connection, **values: Any) -> list[tuple[Any, ...]]:
        parameters = self.parameters(values)
        with dbapi_cursor(connection, self.sql, parameters) as cursor:
            cursor.execute(self.sql, parameters)
            return list(cursor.fetchall())  # pymysql gives a tuple


@contextlib.contextmanager
def dbapi_cursor(connection: Connection, sql: str, parameters: Any) -> Iterator[Any]:
    """A DBAPI cursor in ``connection``'s transaction, to run ``sql`` with ``parameters``
    on: a driver's error is raised as SQLAlchemy's execute would raise it, wrapped, and
    with the connection invalidated when it was found dead."""
    dbapi_connection = connection.connection.dbapi_connection
    dialect = connection.dialect
    cursor = dbapi_connection.cursor()
    try:
        yield cursor
    except dialect.loaded_dbapi.Error as err:
        dead = dialect.is_disconnect(err, dbapi_connection, cursor)
        if dead:
            connection.invalidate(err)
        raise exc.DBAPIError.instance(
            sql, parameters, err, dialect.loaded_dbapi.Error,
            connection_invalidated=dead, dialect=dialect) from err
    finally:
        with contextlib.suppress(Exception):  # a dead connection's cursor may refuse
            cursor.close()


#: What :func:`once_per_database` made, by database (an engine's dialect lives as long as
#: the engine) and key.
_MADE: weakref.WeakKeyDictionary[Dialect, dict[Hashable, Any]] = weakref.WeakKeyDictionary()


def once_per_database(dialect: Dialect, key: Hashable, make: Callable[[], _T]) -> _T:
    """``make()`` (a statement compiled for ``dialect``), made once per database and key."""
    made = _MADE.get(dialect)
    if made is None:
        made = _MADE[dialect] = {}
    found = made.get(key)
    if found is None:
        found = made[key] = make()
    return found


#: How each DBAPI style writes a parameter in the SQL (``{}``: its name), for ListRead.
_PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%({})s", "named": ":{}"}


class ListRead:
    """A read with one expanding ``IN`` list, ``names``, compiled once: its parameters are
    written into the SQL per list size, as SQLAlchemy's own post-compile step writes
    them (``names_0, names_1...``), instead of compiling the statement again for every
    size (7 ms at 900 names; a profile copy compiled twelve). :meth:`made` gives None
    for a style it does not know."""

    #: How SQLAlchemy marks an expanding parameter in the compiled SQL.
    MARKER = "__[POSTCOMPILE_names]"

    def __init__(self, head: str, tail: str, order: tuple[str, ...] | None,
                 placeholder: str) -> None:
        self._head, self._tail, self._placeholder = head, tail, placeholder
        #: The parameters' order for a positional style; None: by name.
        self._order = order
        self._sql: dict[int, str] = {}

    @classmethod
    def made(cls, statement: Any, dialect: Dialect) -> ListRead | None:
        placeholder = _PLACEHOLDERS.get(dialect.paramstyle)
        compiled = statement.compile(dialect=dialect)
        sql = compiled.string
        order = tuple(compiled.positiontup or ()) if compiled.positional else None
        if (placeholder is None or sql.count(cls.MARKER) != 1
                or (order is not None and order.count("names") != 1)):
            return None
        head, _, tail = sql.partition(cls.MARKER)
        return cls(head, tail, order, placeholder)

    def rows(self, connection: Connection, names: Sequence[str],
             **values: Any) -> list[tuple[Any, ...]]:
        sql = self._sql.get(len(names))
        if sql is None:
            marks = ", ".join(self._placeholder.format(f"names_{i}") for i in range(len(names)))
            sql = self._sql[len(names)] = f"{self._head}{marks}{self._tail}"
        parameters: Any
        if self._order is None:
            parameters = {**values, **{f"names_{i}": name for i, name in enumerate(names)}}
        else:
            parameters = []
            for key in self._order:
                if key == "names":
                    parameters.extend(names)
                else:
                    parameters.append(values[key])
            parameters = tuple(parameters)
        with dbapi_cursor(connection, sql, parameters) as cursor:
            cursor.execute(sql, parameters)
            return list(cursor.fetchall())  # pymysql gives a tuple


def named_rows(connection: Connection, key: str, statement: Callable[[Any], Any],
               names: Sequence[str], chunk: int, **values: Any) -> Iterator[tuple[Any, ...]]:
    """The rows of ``statement(names_in)`` for every one of ``names``, ``chunk`` names a
    statement, with ``values`` for its other parameters; ``names_in`` is an ``IN`` list
    compiled once (``key`` names the statement): SQLAlchemy would expand every list
    again. On PostgreSQL it is one array parameter, unnested: psycopg parsed the text
    of a 900-parameter statement again on every execution (too long for its cache).
    Elsewhere an expanding parameter (:class:`ListRead`), or, for a style it does not
    write, a list of parameters compiled once per size."""
    dialect = connection.dialect
    if dialect.name == "postgresql":
        from sqlalchemy import String, func, select
        from sqlalchemy.dialects.postgresql import ARRAY

        read = once_per_database(dialect, (key, "array"), lambda: CompiledRead(
            statement(select(func.unnest(bindparam("names", type_=ARRAY(String))))),
            dialect))
        for start in range(0, len(names), chunk):
            yield from read.rows(connection, **values, names=list(names[start:start + chunk]))
        return
    listed = once_per_database(dialect, (key, "expanding"), lambda: ListRead.made(
        statement(bindparam("names", expanding=True)), dialect) or False)
    for start in range(0, len(names), chunk):
        part = names[start:start + chunk]
        if listed:
            yield from listed.rows(connection, part, **values)
            continue
        read = once_per_database(
            dialect, (key, len(part)),
            lambda size=len(part): CompiledRead(
                statement([bindparam(f"n{i}") for i in range(size)]), dialect))
        yield from read.rows(connection, **values,
                             **{f"n{i}": name for i, name in enumerate(part)})


class StackReads:
    """The stack reads of one database, each compiled on first use."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect

    @cached_property
    def every(self) -> CompiledRead:
        """Every stack, one row per member."""
        return CompiledRead(stacks_query(), self.dialect)

    @cached_property
    def one(self) -> CompiledRead:
        """The stack named ``stack_name``."""
        return CompiledRead(stacks_query(bindparam("stack_name")), self.dialect)

    @cached_property
    def names(self) -> CompiledRead:
        return CompiledRead(select(STACKS.c.name), self.dialect)


def pooled_rows(engine: Engine, read: CompiledRead, values: dict[str, Any], *,
                autocommit: bool) -> list[tuple[Any, ...]]:
    """``read``'s rows on a pooled connection of ``engine``, outside any SQLAlchemy
    Connection. ``autocommit`` (PostgreSQL): switched on for the read, which is one
    statement, and off again before the connection goes back to the pool's other users.

    Any driver error drops the connection (it may be dead) and raises
    :class:`NotHere`: the caller then makes the read through ``SqlStore._run``. Failing
    to connect at all is raised, wrapped as SQLAlchemy raises it, not tried twice."""
    dialect = engine.dialect
    driver_error = dialect.loaded_dbapi.Error
    try:
        connection = engine.raw_connection()
    except driver_error as err:
        raise exc.DBAPIError.instance(None, None, err, driver_error, dialect=dialect) from err
    clean = False
    try:
        driver_connection = connection.driver_connection
        if autocommit:
            driver_connection.autocommit = True
        cursor = connection.cursor()
        cursor.execute(read.sql, read.parameters(values))
        rows = list(cursor.fetchall())
        cursor.close()
        if autocommit:
            driver_connection.autocommit = False
        clean = True
        return rows
    except driver_error:
        raise NotHere() from None
    finally:
        if not clean:  # a driver error, or an interrupt: never pooled again half-switched
            connection.invalidate()
        connection.close()
