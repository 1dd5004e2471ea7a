"""PostgreSQL's reads on psycopg2 (see :mod:`.direct_reads`).

psycopg2 imports in ~30 ms here, psycopg 3 in ~150 ms and SQLAlchemy with it
in ~400 ms: a ``zenml stack list`` on a PostgreSQL profile cost 4.6 times the
same command on a local one, and now costs about 1.3 times (benchmarks, row c).
SQLAlchemy keeps psycopg 3 for everything else (its pipelined ``executemany``
makes bulk writes fast); both drivers speak libpq. Without psycopg2 installed
every read is SQLAlchemy's, as before.

The connection is made with the URL's parts and its query's options as libpq
keywords, in autocommit (psycopg2 switches it without a round trip), with the
engine's connect timeout. A URL that libpq cannot take as SQLAlchemy does, or
a server that refuses the connection, leaves the read to SQLAlchemy, which reports
it; a server that lets the connect time out is reported here, so that a command
waits for it once.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qsl, unquote

from zen_sql_store import standing
from zen_sql_store.direct_reads import DirectReads, NotHere, _Kept
from zen_sql_store.urls import CONNECT_TIMEOUT, SqlUrl

#: ``to_char`` of a ``timezone('UTC', ...)``: what ``schema.TimeText`` compiles to here.
_CREATED, _UPDATED = (
    f"""to_char(timezone('UTC', zen_stacks.{column}), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') """
    f"AS {column}" for column in ("created", "updated"))
#: ``queries.stacks_query()`` compiled for psycopg2 (``format`` parameters); the same with
#: ``WHERE`` one name.
STACKS_SQL = (
    f"SELECT zen_stacks.name, zen_stacks.revision, {_CREATED}, {_UPDATED}, "
    "zen_stacks.labels, zen_stack_components.component_type, zen_components.name AS name_1 "
    "FROM zen_stacks "
    "LEFT OUTER JOIN zen_stack_components ON zen_stack_components.stack_id = zen_stacks.id "
    "LEFT OUTER JOIN zen_components ON zen_components.id = zen_stack_components.component_id"
)
STACK_SQL = STACKS_SQL + " WHERE zen_stacks.name = %s"
STACK_NAMES_SQL = "SELECT zen_stacks.name FROM zen_stacks"
#: ``select(*queries.COMPONENT_COLUMNS)`` compiled for psycopg2; the same of one type.
COMPONENTS_SQL = (
    "SELECT zen_components.type, zen_components.name, zen_components.flavor, "
    "zen_components.uuid, zen_components.config, zen_components.revision, "
    "zen_components.created, zen_components.updated, zen_components.labels FROM zen_components"
)
COMPONENTS_OF_TYPE_SQL = COMPONENTS_SQL + " WHERE zen_components.type = %s"


#: SQLSTATEs of a prepared statement the server did not keep (a pooler between us):
#: 26000 invalid_sql_statement_name, 42P05 duplicate_prepared_statement.
_NOT_KEPT = {"26000", "42P05"}


def _prepared(name: str, sql: str) -> tuple[str, str, str]:
    """``sql``'s PREPARE and EXECUTE statements, named ``zen_NAME``: its one parameter
    (``%s``, or ``%(user)s`` wherever it appears) is ``$1``."""
    parameter = "%(user)s" if "%(user)s" in sql else "%s" if "%s" in sql else None
    name = f"zen_{name}"
    if parameter is None:
        return name, f"PREPARE {name} AS {sql}", f"EXECUTE {name}"
    return (name, f"PREPARE {name} AS {sql.replace(parameter, '$1')}",
            f"EXECUTE {name}({parameter})")


def connect_options(location: SqlUrl) -> dict[str, Any]:
    """psycopg2's ``connect`` keywords for the store at ``location``."""
    options: dict[str, Any] = {"dbname": unquote(location.database or "")}
    for key, value in (("host", location.host), ("port", location.port),
                       ("user", location.username), ("password", location.password)):
        if value is not None:
            options[key] = value
    options.update(parse_qsl(location.query or "", keep_blank_values=True))
    options.setdefault("connect_timeout", CONNECT_TIMEOUT)
    return options


class PostgresReads(DirectReads):
    """psycopg2's reads of one PostgreSQL database at schema ``head``."""

    STACKS_SQL = STACKS_SQL
    STACK_SQL = STACK_SQL
    STACK_NAMES_SQL = STACK_NAMES_SQL
    COMPONENTS_SQL = COMPONENTS_SQL
    COMPONENTS_OF_TYPE_SQL = COMPONENTS_OF_TYPE_SQL
    COUNTS_SQL = standing.COUNTS_SQL.replace(":user", "%(user)s")
    ROLES_SQL = standing.ROLES_SQL.replace(":user", "%(user)s")

    def __init__(self, location: SqlUrl, head: str) -> None:
        super().__init__(head)
        self.location = location
        self._driver: Any = None
        self._no_driver = False
        #: Whether reads run as prepared statements (see ``_execute``).
        self._prepare = True

    def _psycopg2(self) -> Any:
        if self._driver is None:
            if self._no_driver:
                raise NotHere()
            try:
                import psycopg2
            except ImportError:
                self._no_driver = True
                raise NotHere() from None
            self._driver = psycopg2
        return self._driver

    def _connect(self) -> Any:
        driver = self._psycopg2()
        options = connect_options(self.location)
        started = time.monotonic()
        try:
            connection = driver.connect(**options)
        except driver.OperationalError as err:
            if time.monotonic() - started >= 0.9 * float(options["connect_timeout"]):
                # a server that never answered: SQLAlchemy's path would wait as long again
                from zen_sql_store.engine import unavailable

                raise unavailable(self.location, err, initializing=False) from None
            raise
        connection.autocommit = True
        return connection

    def _errors(self) -> tuple[type[BaseException], ...]:
        return (self._psycopg2().Error,)

    def _version(self, cursor: Any) -> str:
        """The snapshot a statement would read (``txid_current_snapshot()``: the oldest
        transaction still running, the next transaction id, those running between).
        It changes with every commit on the server: a transaction that began since has
        taken a new id, one that was running has left the list. So while it is the
        same, every read gives the rows it gave (another database's commit on the same
        server changes it too: a read then runs, still right). One round trip instead
        of the 50-stack list's ~400 us."""
        cursor.execute("SELECT txid_current_snapshot()::text")
        return cursor.fetchone()[0]

    def _execute(self, kept: _Kept, cursor: Any, sql: str,
                 parameters: tuple[Any, ...] | dict[str, Any]) -> None:
        """``sql`` as a statement prepared on this connection: PostgreSQL then parses and
        plans it once, not per read (a stack's read took a third of the time). A server
        that keeps none (a pooler such as PgBouncer in transaction mode gives each
        statement another connection) turns preparing off for this store."""
        prepared = _PREPARED.get(sql) if self._prepare else None
        if prepared is None:
            cursor.execute(sql, parameters)
            return
        name, prepare, execute = prepared
        try:
            if name not in kept.prepared:
                cursor.execute(prepare)
                kept.prepared.add(name)
            cursor.execute(execute, parameters)
        except self._psycopg2().Error as err:
            if getattr(err, "pgcode", None) in _NOT_KEPT:
                self._prepare = False
            raise


#: The reads run as prepared statements, by their SQL.
_PREPARED = {sql: _prepared(name, sql) for name, sql in [
    ("stacks", PostgresReads.STACKS_SQL), ("stack", PostgresReads.STACK_SQL),
    ("stack_names", PostgresReads.STACK_NAMES_SQL), ("components", PostgresReads.COMPONENTS_SQL),
    ("components_of_type", PostgresReads.COMPONENTS_OF_TYPE_SQL),
    ("counts", PostgresReads.COUNTS_SQL), ("roles", PostgresReads.ROLES_SQL)]}
