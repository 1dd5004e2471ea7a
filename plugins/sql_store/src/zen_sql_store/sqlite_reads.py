"""The reads of a command like ``zenml stack list`` on SQLite, with the stdlib's sqlite3.

Importing SQLAlchemy costs more than such a whole command does on a local
profile (~150 ms of ~230 ms here). So the stack reads that every command makes
(the names, to check the active stack; the list; one stack) run on a plain
sqlite3 connection, opened the way the engine opens it (``mode=rw``, never
creating the file; the same busy timeout). Their SQL is the text SQLAlchemy
compiles from the Core statements of :mod:`zen_sql_store.queries` (a test keeps
them equal), and the records are built by the same :mod:`zen_sql_store.rows`.

Anything unusual is left to SQLAlchemy's path, which knows how to report or
repair it: a schema version other than the one this code works with (an
upgrade is due, or a newer zen wrote it; checked until the file is found at
it), and any sqlite3 error. So this module
only ever answers for a database that SQLAlchemy would read the same way. What
a user may do (:mod:`zen_sql_store.standing`), asked before every checked read,
is read here too.

Each thread keeps its connection (opening one cost ~50 times the query of one
stack, which the service made per request). Nothing read is kept: in autocommit
every statement reads the latest commit of any process, as on a new connection.
The connection is opened again when the file at ``path`` is another one (a
restored backup, a profile deleted and made again), and after any error.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import weakref
from typing import Any
from urllib.parse import quote

from zen_core.accounts import Standing
from zen_core.models import Stack
from zen_sql_store import standing
from zen_sql_store.rows import stack_records

#: How long a SQLite connection waits for a writer to finish (the engine's too: engine.py).
SQLITE_BUSY_TIMEOUT_MS = 30_000

#: ``queries.stacks_query()`` compiled for SQLite; the same with ``WHERE`` one name.
STACKS_SQL = (
    "SELECT zen_stacks.name, zen_stacks.revision, zen_stacks.created AS created, "
    "zen_stacks.updated AS updated, zen_stack_components.component_type, "
    "zen_components.name AS name_1 FROM zen_stacks "
    "LEFT OUTER JOIN zen_stack_components ON zen_stack_components.stack_id = zen_stacks.id "
    "LEFT OUTER JOIN zen_components ON zen_components.id = zen_stack_components.component_id"
)
STACK_SQL = STACKS_SQL + " WHERE zen_stacks.name = ?"
STACK_NAMES_SQL = "SELECT zen_stacks.name FROM zen_stacks"
VERSION_SQL = "SELECT version_num FROM zen_schema_version"


class NotHere(Exception):
    """This read is SQLAlchemy's to make (see the module's doc)."""


def connect(path: str) -> sqlite3.Connection:
    """A connection to the existing database at ``path`` (autocommit: each read is one
    statement, which SQLite runs on one snapshot)."""
    return sqlite3.connect(f"file:{quote(path)}?mode=rw", uri=True, isolation_level=None,
                           timeout=SQLITE_BUSY_TIMEOUT_MS / 1000, check_same_thread=False)


class _Kept:
    """One thread's connection, and which file (device, inode) and process it is for."""

    def __init__(self, connection: sqlite3.Connection, file: tuple[int, int]) -> None:
        self.connection = connection
        self.file = file
        self.pid = os.getpid()


class SqliteReads:
    """The stdlib reads of one SQLite database at schema ``head``."""

    def __init__(self, path: str, head: str) -> None:
        self.path = path
        self.head = head
        #: The file was found at ``head``: checked once, as SQLAlchemy's path checks it
        #: once per engine; any other version is checked again on the next read.
        self._at_head = False
        self._local = threading.local()
        #: Every thread's kept connection, to close them all (a thread's goes with it).
        self._kept: weakref.WeakSet[_Kept] = weakref.WeakSet()

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection to the file now at ``path``."""
        found = os.stat(self.path)
        file = (found.st_dev, found.st_ino)
        kept: _Kept | None = getattr(self._local, "kept", None)
        if kept is not None and kept.file == file and kept.pid == os.getpid():
            return kept.connection
        if kept is not None:  # another file now (its schema is checked again), or a fork
            self._drop(kept)
            self._at_head = False
        kept = _Kept(connect(self.path), file)
        self._local.kept = kept
        self._kept.add(kept)
        return kept.connection

    def _drop(self, kept: _Kept) -> None:
        self._local.kept = None
        self._kept.discard(kept)
        if kept.pid == os.getpid():  # never close a parent's connection in a child
            kept.connection.close()

    def close(self) -> None:
        """Close every thread's kept connection (the store is closed)."""
        for kept in list(self._kept):
            self._kept.discard(kept)
            if kept.pid == os.getpid():
                kept.connection.close()
        self._local = threading.local()

    def _query(self, sql: str, parameters: tuple[Any, ...] | dict[str, Any] = (),
               *more: str) -> list[Any]:
        """The rows of ``sql`` once the schema is at head; :class:`NotHere` otherwise.
        With ``more`` statements (the same parameters), a list of each one's rows, all
        read on one connection."""
        try:
            connection = self._connection()
            try:
                if not self._at_head:
                    versions = {row[0] for row in connection.execute(VERSION_SQL)}
                    if versions != {self.head}:
                        raise NotHere()
                    self._at_head = True
                if more:
                    return [connection.execute(s, parameters).fetchall() for s in (sql, *more)]
                return connection.execute(sql, parameters).fetchall()
            except sqlite3.Error:
                kept = getattr(self._local, "kept", None)
                if kept is not None:
                    self._drop(kept)
                raise
        except (sqlite3.Error, OSError):
            raise NotHere() from None

    def stack_names(self) -> list[str]:
        return sorted(row[0] for row in self._query(STACK_NAMES_SQL))

    def stack_rows(self) -> list[Any]:
        """The rows of every stack, one per member (``rows.stack_records``)."""
        return self._query(STACKS_SQL)

    def standing(self, user: str) -> Standing:
        counts, roles = self._query(standing.COUNTS_SQL, {"user": user}, standing.ROLES_SQL)
        return standing.standing_of(counts, roles)

    def find_stack(self, name: str) -> Stack | None:
        found = stack_records(self._query(STACK_SQL, (name,)))
        return found[0] if found else None
