"""The reads of a command like ``zenml stack list``, on the driver alone: no SQLAlchemy.

Importing SQLAlchemy costs more than such a whole command does on a local
profile (~150 ms of ~230 ms here). So the reads that every command makes (the
stack names, to check the active stack; the list; one stack; the components;
what a user may do, :mod:`zen_sql_store.standing`) run on a plain DBAPI
connection of the database's driver: SQLite's stdlib ``sqlite3``
(:mod:`.sqlite_reads`) and PostgreSQL's psycopg2 (:mod:`.postgres_reads`).
Their SQL is the text SQLAlchemy compiles from the Core statements of
:mod:`zen_sql_store.queries` (a test per database keeps them equal), and the
records are built by the same :mod:`zen_sql_store.rows`.

Anything unusual is left to SQLAlchemy's path, which knows how to report or
repair it (:class:`NotHere`): a schema version other than the one this code
works with (an upgrade is due, or a newer zen wrote it; checked until the
database is found at it), a driver that is not installed, and any error of
the driver, connecting included. So this module only ever answers for a
database that SQLAlchemy would read the same way.

Each thread keeps its connection (opening one cost ~50 times the query of one
stack, which the service made per request). In autocommit every statement reads
the latest commit of any process, as on a new connection. Where the database
tells cheaply that nothing was committed since a read (SQLite's ``PRAGMA
data_version``, PostgreSQL's snapshot: :meth:`DirectReads._version`), that read's
rows are given again
without running it: a service lists the same stacks request after request. The
rows returned are shared: callers build new records from them, never change them.
The connection is opened again in a forked child, when the database is another
one (:meth:`DirectReads._identity`), and after any error.
"""

from __future__ import annotations

import os
import threading
import weakref
from typing import Any, ClassVar

from zen_core.accounts import Standing
from zen_core.models import Stack
from zen_sql_store import standing
from zen_sql_store.rows import stack_records

VERSION_SQL = "SELECT version_num FROM zen_schema_version"
#: How many reads (statement and parameters) a connection keeps the rows of.
CACHED_READS = 256


class NotHere(Exception):
    """This read is SQLAlchemy's to make (see the module's doc)."""


class _Kept:
    """One thread's connection, and which database and process it is for."""

    def __init__(self, connection: Any, identity: Any) -> None:
        self.connection = connection
        self.identity = identity
        self.pid = os.getpid()
        #: What the database keeps for this connection (PostgreSQL: prepared statements).
        self.prepared: set[str] = set()
        #: The rows last read, by statement and parameters, with the database's version
        #: then (``DirectReads._version``): given again while the version is the same.
        self.cache: dict[Any, tuple[Any, Any]] = {}
        #: The stack last made of those rows, by name: given again while they are the same
        #: rows (the same list; records are values no one changes).
        self.stacks: dict[str, tuple[list[Any], Stack | None]] = {}


class DirectReads:
    """The driver's reads of one database at schema ``head``; a subclass per database
    gives its SQL (each statement takes its parameters as a tuple, but the two of
    :mod:`.standing`, which take ``user`` by name), how to connect and its errors."""

    STACKS_SQL: ClassVar[str]
    STACK_SQL: ClassVar[str]
    STACK_NAMES_SQL: ClassVar[str]
    COMPONENTS_SQL: ClassVar[str]
    COMPONENTS_OF_TYPE_SQL: ClassVar[str]
    COUNTS_SQL: ClassVar[str] = standing.COUNTS_SQL
    ROLES_SQL: ClassVar[str] = standing.ROLES_SQL

    def __init__(self, head: str) -> None:
        self.head = head
        #: The database was found at ``head``: checked once, as SQLAlchemy's path checks
        #: it once per engine; any other version is checked again on the next read.
        self._at_head = False
        self._local = threading.local()
        #: Every thread's kept connection, to close them all (a thread's goes with it).
        self._kept: weakref.WeakSet[_Kept] = weakref.WeakSet()

    # --- what a database's subclass gives -----------------------------------------------
    def _connect(self) -> Any:
        """A new connection in autocommit; any exception: :class:`NotHere`."""
        raise NotImplementedError

    def _identity(self) -> Any:
        """Which database a connection made now would reach (a kept connection to
        another one is dropped); may raise ``OSError``."""
        return None

    def _errors(self) -> tuple[type[BaseException], ...]:
        """The driver's exceptions, which leave a read to SQLAlchemy."""
        raise NotImplementedError

    def _version(self, cursor: Any) -> Any:
        """A value that changes whenever another connection commits to the database, read
        on this connection for a statement or two's price; None if there is none (then
        every read runs its statements)."""
        return None

    def _execute(self, kept: _Kept, cursor: Any, sql: str,
                 parameters: tuple[Any, ...] | dict[str, Any]) -> None:
        """Run ``sql`` on ``kept``'s connection (a subclass may run it prepared)."""
        cursor.execute(sql, parameters)

    # --- connections ---------------------------------------------------------------------
    def _connection(self) -> Any:
        """This thread's connection to the database ``_identity()`` names now."""
        identity = self._identity()
        kept: _Kept | None = getattr(self._local, "kept", None)
        if kept is not None and kept.identity == identity and kept.pid == os.getpid():
            return kept.connection
        if kept is not None:  # another database now (its schema is checked again), or a fork
            self._drop(kept)
            self._at_head = False
        kept = _Kept(self._connect(), identity)
        self._local.kept = kept
        self._kept.add(kept)
        return kept.connection

    def _drop(self, kept: _Kept) -> None:
        self._local.kept = None
        self._close(kept)

    def _close(self, kept: _Kept) -> None:
        self._kept.discard(kept)
        if kept.pid == os.getpid():  # never close a parent's connection in a child
            try:
                kept.connection.close()
            except Exception:  # a broken connection may refuse: it is gone either way
                pass

    def close(self) -> None:
        """Close every thread's kept connection (the store is closed)."""
        for kept in list(self._kept):
            self._close(kept)
        self._local = threading.local()


    def _query(self, sql: str, parameters: tuple[Any, ...] | dict[str, Any] = (),
               *more: str) -> list[Any]:
        """The rows of ``sql`` once the schema is at head; :class:`NotHere` otherwise.
        With ``more`` statements (the same parameters), a list of each one's rows, all
        read on one connection."""
        errors = self._errors()
        try:
            connection = self._connection()
            kept = self._local.kept
            try:
                cursor = connection.cursor()
                try:
                    if not self._at_head:
                        cursor.execute(VERSION_SQL)
                        if {row[0] for row in cursor.fetchall()} != {self.head}:
                            raise NotHere()
                        self._at_head = True
                    version = self._version(cursor)
                    key = (sql, more, tuple(sorted(parameters.items()))
                           if isinstance(parameters, dict) else parameters)
                    cached = kept.cache.get(key) if version is not None else None
                    if cached is not None and cached[0] == version:
                        return cached[1]
                    found = []
                    for statement in (sql, *more):
                        self._execute(kept, cursor, statement, parameters)
                        found.append(cursor.fetchall())
                finally:
                    cursor.close()
                result = found if more else found[0]
                if version is not None:
                    if len(kept.cache) >= CACHED_READS:
                        kept.cache.clear()
                    kept.cache[key] = (version, result)
                return result
            except errors:
                self._drop(kept)
                raise
        except (*errors, OSError):
            raise NotHere() from None

    # --- the reads -----------------------------------------------------------------------
    def stack_names(self) -> list[str]:
        return sorted(row[0] for row in self._query(self.STACK_NAMES_SQL))

    def stack_rows(self) -> list[Any]:
        """The rows of every stack, one per member (``rows.stack_records``)."""
        return self._query(self.STACKS_SQL)

    def component_rows(self, type: str | None = None) -> list[Any]:
        """The rows of every component (of one type): ``rows.component_record(row, where,
        times=True)`` each (a command that plans an apply reads them all)."""
        if type is None:
            return self._query(self.COMPONENTS_SQL)
        return self._query(self.COMPONENTS_OF_TYPE_SQL, (type,))

    def standing(self, user: str) -> Standing:
        counts, roles = self._query(self.COUNTS_SQL, {"user": user}, self.ROLES_SQL)
        return standing.standing_of(counts, roles)

    def find_stack(self, name: str) -> Stack | None:
        rows = self._query(self.STACK_SQL, (name,))
        made = self._local.kept.stacks  # this thread's, as the rows
        last = made.get(name)
        if last is not None and last[0] is rows:
            return last[1]  # a service reads the same stack request after request
        found = stack_records(rows)
        stack = found[0] if found else None
        if len(made) >= CACHED_READS:
            made.clear()
        made[name] = (rows, stack)
        return stack
