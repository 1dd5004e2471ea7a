"""SQLite's reads on the stdlib's ``sqlite3`` (see :mod:`.direct_reads`).

A connection opens the file the way the engine opens it (``mode=rw``, never
creating the file; the same busy timeout), and is opened again when the file
at ``path`` is another one (a restored backup, a profile deleted and made again).
"""

from __future__ import annotations

import os
import sqlite3
from urllib.parse import quote

from zen_sql_store.direct_reads import DirectReads

#: How long a SQLite connection waits for a writer to finish (the engine's too: engine.py).
SQLITE_BUSY_TIMEOUT_MS = 30_000

#: ``queries.stacks_query()`` compiled for SQLite; the same with ``WHERE`` one name.
STACKS_SQL = (
    "SELECT zen_stacks.name, zen_stacks.revision, zen_stacks.created AS created, "
    "zen_stacks.updated AS updated, zen_stacks.labels, zen_stack_components.component_type, "
    "zen_components.name AS name_1 FROM zen_stacks "
    "LEFT OUTER JOIN zen_stack_components ON zen_stack_components.stack_id = zen_stacks.id "
    "LEFT OUTER JOIN zen_components ON zen_components.id = zen_stack_components.component_id"
)
STACK_SQL = STACKS_SQL + " WHERE zen_stacks.name = ?"
STACK_NAMES_SQL = "SELECT zen_stacks.name FROM zen_stacks"
#: ``select(*queries.COMPONENT_COLUMNS)`` compiled for SQLite; the same of one type.
COMPONENTS_SQL = (
    "SELECT zen_components.type, zen_components.name, zen_components.flavor, "
    "zen_components.uuid, zen_components.config, zen_components.revision, "
    "zen_components.created, zen_components.updated, zen_components.labels FROM zen_components"
)
COMPONENTS_OF_TYPE_SQL = COMPONENTS_SQL + " WHERE zen_components.type = ?"


def connect(path: str) -> sqlite3.Connection:
    """A connection to the existing database at ``path`` (autocommit: each read is one
    statement, which SQLite runs on one snapshot)."""
    return sqlite3.connect(f"file:{quote(path)}?mode=rw", uri=True, isolation_level=None,
                           timeout=SQLITE_BUSY_TIMEOUT_MS / 1000, check_same_thread=False)


class SqliteReads(DirectReads):
    """The stdlib reads of one SQLite database at schema ``head``."""

    STACKS_SQL = STACKS_SQL
    STACK_SQL = STACK_SQL
    STACK_NAMES_SQL = STACK_NAMES_SQL
    COMPONENTS_SQL = COMPONENTS_SQL
    COMPONENTS_OF_TYPE_SQL = COMPONENTS_OF_TYPE_SQL

    def __init__(self, path: str, head: str) -> None:
        super().__init__(head)
        self.path = path

    def _connect(self) -> sqlite3.Connection:
        return connect(self.path)

    def _identity(self) -> tuple[int, int]:
        found = os.stat(self.path)
        return found.st_dev, found.st_ino

    def _errors(self) -> tuple[type[BaseException], ...]:
        return (sqlite3.Error,)

    def _version(self, cursor: sqlite3.Cursor) -> int:
        """SQLite's ``data_version``: it changes when any other connection, of this process
        or another, commits (this one only reads). Its reads' rows are kept in between:
        the 50-stack list took ~500 us to read, the pragma takes a few."""
        return cursor.execute("PRAGMA data_version").fetchone()[0]
