"""Connecting: the SQLAlchemy engine for a store URL, and database errors as zen errors.

* The driver is chosen from the URL (see :meth:`SqlUrl.sqlalchemy_drivername`);
  a missing one is reported with the ``pip install`` that adds it.
* Connecting takes seconds at most: connect timeouts are set unless the URL's
  query sets them itself.
* SQLite: connections open the file read-write and never create it (a SQLite
  URI with ``mode=rw``): only :func:`prepare_sqlite_file`, which
  ``initialize()`` calls, creates the folder and the file (mode 0600, in WAL mode). Every
  connection uses WAL, a busy timeout and foreign keys, and a writing
  transaction starts with ``BEGIN IMMEDIATE`` so concurrent writers queue
  instead of failing.
* Server databases: a connection is not pinged before each use (a round trip per
  read); a read or a write whose connection turns out dead before its commit
  (the server restarted, or closed it while idle) runs once more on a new one
  (:func:`is_disconnect`, ``SqlStore._run``). PostgreSQL reads run in autocommit
  (:func:`read_options`): each is one statement, or statements that each see the
  latest commits as they would in PostgreSQL's READ COMMITTED transaction, so a
  BEGIN and a COMMIT per read bought nothing.
* A server that is down, refuses the credentials or lacks the database gives a
  :class:`StoreUnavailableError` of one line naming host and database, never
  the password.
"""

from __future__ import annotations

import os
import sqlite3
import time
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from sqlalchemy import create_engine, event, exc
from sqlalchemy.engine import make_url

from zen_core.exceptions import InvalidDataError, StoreMissingError, StoreUnavailableError
from zen_sql_store import json_text
from zen_sql_store.sqlite_reads import SQLITE_BUSY_TIMEOUT_MS
from zen_sql_store.urls import CONNECT_TIMEOUT, DRIVER_HINTS, SqlUrl

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

#: Seconds a MySQL read or write may take (it also bounds the greeting of a server that
#: accepts connections but does not answer). Our statements take milliseconds.
MYSQL_IO_TIMEOUT = 30

#: The drivers known to take ``connect_timeout`` (seconds) as we pass it.
_TAKES_CONNECT_TIMEOUT = {"pymysql", "mysqldb", "mariadbconnector", "psycopg", "psycopg2"}

#: Connections a server store keeps open between uses. SQLAlchemy's default keeps 5: one
#: store shared by 8 threads then opened and closed a connection every ~0.1 s (a process
#: forked on PostgreSQL each time). More are opened when needed, up to ``POOL_OVERFLOW``.
POOL_SIZE = 16
POOL_OVERFLOW = 16

#: Execution option marking a connection that writes (SQLite: BEGIN IMMEDIATE).
WRITE_OPTION = "zen_write"


def create_store_engine(parsed: SqlUrl) -> Engine:
    """An engine for the store at ``parsed``; nothing is connected yet."""
    try:
        url = make_url(parsed.url)
    except exc.ArgumentError:  # its message would quote the URL, password and all
        raise InvalidDataError(
            f"Invalid URL for store type 'sql': {parsed.masked}: SQLAlchemy cannot parse it."
        ) from None
    url = url.set(drivername=parsed.sqlalchemy_drivername())
    query = set(url.query)
    options: dict[str, Any] = {}
    connect_args: dict[str, Any] = {}
    if parsed.is_sqlite:
        # A SQLite URI (uri=true), so that "mode=rw" makes a missing file an error instead
        # of a new empty database; the path is percent-encoded as URIs want it.
        url = url.set(database="file:" + quote(parsed.sqlite_path))
        url = url.update_query_dict({"mode": "rw", "uri": "true"})
        connect_args["check_same_thread"] = False  # the pool hands a connection to one thread
    else:
        # No pool_pre_ping: a dead connection is found by the statement that uses it,
        # and the read or write runs again (SqlStore._run, is_disconnect).
        options.update(pool_recycle=3600, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)
        driver = url.get_driver_name()
        if "connect_timeout" not in query and driver in _TAKES_CONNECT_TIMEOUT:
            connect_args["connect_timeout"] = CONNECT_TIMEOUT
        if parsed.dialect in ("mysql", "mariadb"):
            options["isolation_level"] = "READ COMMITTED"
            if "charset" not in query:
                url = url.update_query_dict({"charset": "utf8mb4"})
            if driver in ("pymysql", "mysqldb"):
                for key in ("read_timeout", "write_timeout"):
                    if key not in query:
                        connect_args[key] = MYSQL_IO_TIMEOUT
    # json.dumps' text from an encoder made once (the events' details and state: two a
    # record in a profile copy); read back with json.loads as before
    options["json_serializer"] = json_text.dumps
    try:
        engine = create_engine(url, connect_args=connect_args, **options)
    except ImportError as err:
        raise missing_driver(parsed, err) from None
    except exc.NoSuchModuleError:
        raise InvalidDataError(
            f"Invalid URL for store type 'sql': {parsed.masked}: SQLAlchemy has no driver "
            f"'{url.drivername}'."
        ) from None
    if parsed.is_sqlite:
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def read_options(parsed: SqlUrl) -> dict[str, Any]:
    """Execution options of the connections that only read: autocommit on PostgreSQL
    (whose driver switches it without a round trip); none elsewhere (on MySQL
    switching autocommit costs a statement each way; SQLite begins its own)."""
    return {"isolation_level": "AUTOCOMMIT"} if parsed.dialect == "postgresql" else {}


def prepare_sqlite_file(path: str) -> None:
    """Create the database's folder, and the file readable by its owner only: component
    configurations may hold secrets. (SQLite gives its -wal and -shm files the same mode.)

    Only ``initialize()`` calls this: every other open of a missing file is an error."""
    folder = os.path.dirname(path)
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as err:
        raise StoreUnavailableError(
            f"Cannot create the folder {folder} of the SQLite database {path}: "
            f"{err.strerror or err}."
        ) from None
    if os.path.exists(path):
        return
    # NOTE: turning a database to WAL needs exclusive access, and SQLite does not wait
    # for it (no busy handler): processes opening one new file at once failed with
    # "database is locked". So the file is made in WAL mode under a name of its own and
    # published with a hard link, which fails if another process published first.
    new = f"{path}.{uuid.uuid4().hex[:12]}.new"
    try:
        os.close(os.open(new, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        try:
            connection = sqlite3.connect(new, isolation_level=None)
            try:
                connection.execute("PRAGMA journal_mode = WAL")
            finally:
                connection.close()
            os.link(new, path)
        except FileExistsError:
            pass  # another process's file won: it is in WAL mode too
        except (OSError, sqlite3.Error):
            # No hard links here (some network or FAT file systems): an empty file,
            # which _use_wal converts, waiting for the lock as it must.
            try:
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            except FileExistsError:
                pass
        finally:
            os.unlink(new)
    except OSError as err:
        raise StoreUnavailableError(
            f"Cannot create the SQLite database {path}: {err.strerror or err}."
        ) from None
    if os.path.getsize(path) == 0:  # no hard links made it: switch the empty file to WAL
        try:
            connection = sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
            try:
                _use_wal(connection.cursor())
            finally:
                connection.close()
        except sqlite3.Error as err:
            raise StoreUnavailableError(
                f"Cannot create the SQLite database {path}: {err}."
            ) from None


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # We begin transactions ourselves (see _sqlite_begin): pysqlite's own
    # handling would not start one before a SELECT nor take the write lock early.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        # Readers never wait for the writer. Not on an empty file (one that is no
        # database yet): that would write to it; prepare_sqlite_file sets it for a new one.
        if cursor.execute("PRAGMA page_count").fetchone()[0]:
            _use_wal(cursor)
    finally:
        cursor.close()


def _use_wal(cursor: Any) -> None:
    """Put the database in WAL mode (a property of the file, so usually it already is).

    The switch needs exclusive access and SQLite does not wait for it: on "database is
    locked", or when the switch is refused, try again for up to the busy timeout.
    """
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
        return
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    delay = 0.005
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode = WAL").fetchone()[0] == "wal":
                return
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) and "busy" not in str(err):
                raise
            if time.monotonic() > deadline:
                raise
        else:
            if time.monotonic() > deadline:
                raise sqlite3.OperationalError("database is locked (cannot switch to WAL)")
        time.sleep(delay)
        delay = min(delay * 2, 0.1)


def _sqlite_begin(connection: Any) -> None:
    # A writer takes the write lock at once: a deferred transaction that reads and
    # then writes can fail with "database is locked" without waiting in WAL mode.
    write = connection.get_execution_options().get(WRITE_OPTION)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


# --- errors -------------------------------------------------------------------------------
def missing_driver(parsed: SqlUrl, err: ImportError) -> StoreUnavailableError:
    module = (err.name or "").split(".")[0] or str(err)
    hint = DRIVER_HINTS.get(module, f"`pip install {module}` adds it")
    return StoreUnavailableError(
        f"Cannot use the {parsed.describe()}: its driver '{module}' is not installed: {hint}."
    )


#: Server error codes (MySQL) and SQLSTATEs (PostgreSQL), by what the user should do.
_MYSQL_CODES = {
    1045: "credentials", 1044: "credentials", 1698: "credentials", 1049: "database",
    2002: "down", 2003: "down", 2005: "down", 2006: "down", 2013: "down",
}
_PG_STATES = {"28P01": "credentials", "28000": "credentials", "3D000": "database"}
_HINTS = {
    "down": "Check that the server is running and reachable from here, and the host and "
            "port in the URL.",
    "credentials": "Check the user name and password in the store URL.",
    "database": "Create the database first (CREATE DATABASE {database}), or fix the URL.",
    "locked": "Another process kept the database locked; try again.",
    "other": "Check the store URL and the database server.",
}


def unavailable(parsed: SqlUrl, err: BaseException, *,
                initializing: bool = True) -> StoreUnavailableError:
    """One line for a database that cannot be used: where, why, what to do; no password.

    A server database that does not exist is a :class:`StoreMissingError` unless the
    store is being initialized (it is then still to be made, not gone)."""
    reason, kind = _reason(err)
    if parsed.is_sqlite and kind == "other":
        kind = "locked" if "locked" in reason else "sqlite"
    if kind == "sqlite":
        hint = "Check that the file is a zen SQLite database and that you may write to it."
    else:
        hint = _HINTS[kind].format(database=parsed.database)
    error = StoreMissingError if kind == "database" and not initializing else StoreUnavailableError
    return error(f"Cannot use the {parsed.describe()}: {scrub(reason, parsed)}. {hint}")


def scrub(text: str, parsed: SqlUrl) -> str:
    """A driver's ``text`` on one line, without the URL's password (should it quote it)."""
    text = " ".join(text.split())
    if parsed.password:
        text = text.replace(parsed.password, "***")
    return text


def _reason(err: BaseException) -> tuple[str, str]:
    orig = getattr(err, "orig", None) or err
    args = getattr(orig, "args", ())
    kind = "other"
    text = str(orig)
    if len(args) >= 2 and isinstance(args[0], int):  # MySQL drivers: (code, message)
        kind = _MYSQL_CODES.get(args[0], "other")
        text = str(args[1])
    else:
        state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
        lowered = text.lower()
        if state in _PG_STATES:
            kind = _PG_STATES[state]
        elif "password authentication failed" in lowered or (
            "role" in lowered and "does not exist" in lowered
        ):
            kind = "credentials"
        elif "database" in lowered and "does not exist" in lowered:
            kind = "database"
        elif "connection" in lowered and any(
            word in lowered for word in ("refused", "timeout", "timed out", "could not",
                                         "failed", "unreachable")
        ):
            kind = "down"
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return (first.rstrip(".") or type(orig).__name__), kind


def is_disconnect(err: BaseException) -> bool:
    """Whether the connection was found dead (the pool has dropped it and those opened
    before it): what ran on it can run again on a new one, unless it was committing."""
    return isinstance(err, exc.DBAPIError) and bool(err.connection_invalidated)


def is_retryable(err: BaseException) -> bool:
    """A deadlock, lock wait timeout or serialization failure: run the transaction again."""
    orig = getattr(err, "orig", None)
    args = getattr(orig, "args", ())
    if args and isinstance(args[0], int):
        return args[0] in (1205, 1213)
    return getattr(orig, "sqlstate", None) in ("40001", "40P01", "55P03")
