"""A database that cannot be used: one line naming host and database, no password, in seconds."""

from __future__ import annotations

import contextlib
import socket
import stat
import sys
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import make_url

from zen_core.exceptions import InvalidDataError, StoreMissingError, StoreUnavailableError
from zen_core.models import Component, ComponentType
from zen_sql_store import engine
from zen_sql_store.store import SqlStore

PASSWORD = "s3cret-Pw"
#: "Seconds, not a hang": connect timeouts are 5 s; a refused connection takes milliseconds.
BOUND = 10.0

SCHEMES = {"mysql": "mysql", "postgres": "postgresql"}


def refused(store: SqlStore, error: type[Exception] = StoreUnavailableError,
            operation: str = "list_stacks") -> str:
    """Use ``store``: assert it fails quickly with ``error``; return the message."""
    start = time.monotonic()
    with pytest.raises(error) as info:
        getattr(store, operation)()
    elapsed = time.monotonic() - start
    message = str(info.value)
    assert elapsed < BOUND, f"took {elapsed:.1f}s: {message}"
    assert PASSWORD not in message
    assert "\n" not in message
    return message


@contextlib.contextmanager
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never answers (a hung server)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                accepted.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield server.getsockname()[1]
    finally:
        server.close()
        for connection in accepted:
            connection.close()


@pytest.mark.parametrize("kind", ["mysql", "postgres"])
def test_server_down(kind):
    url = f"{SCHEMES[kind]}://zenml:{PASSWORD}@127.0.0.1:1/zenml"
    message = refused(SqlStore(url))
    assert "database 'zenml' on 127.0.0.1:1" in message
    assert f"{SCHEMES[kind]}://zenml:***@127.0.0.1:1/zenml" in message
    assert "refused" in message.lower()
    assert "Check that the server is running" in message


@pytest.mark.parametrize("kind", ["mysql", "postgres"])
def test_server_that_never_answers(kind):
    with silent_server() as port:
        # The timeouts are the URL's own when it sets them (here: shorter than ours).
        query = "connect_timeout=1&read_timeout=1" if kind == "mysql" else "connect_timeout=1"
        url = f"{SCHEMES[kind]}://zenml:{PASSWORD}@127.0.0.1:{port}/zenml?{query}"
        message = refused(SqlStore(url))
    assert f"database 'zenml' on 127.0.0.1:{port}" in message
    assert "timed out" in message or "timeout" in message


def test_server_that_never_answers_default_timeout(monkeypatch):
    """Without a timeout in the URL, ours applies (shortened here: libpq's least is 2 s)."""
    assert engine.CONNECT_TIMEOUT <= 5
    monkeypatch.setattr(engine, "CONNECT_TIMEOUT", 2)
    with silent_server() as port:
        start = time.monotonic()
        message = refused(SqlStore(f"postgresql://zenml:{PASSWORD}@127.0.0.1:{port}/zenml"))
        assert 1.5 <= time.monotonic() - start < BOUND
    assert "timeout" in message


def test_unknown_host():
    message = refused(SqlStore(f"mysql://zenml:{PASSWORD}@no-such-host.invalid/zenml"))
    assert "database 'zenml' on no-such-host.invalid" in message


@pytest.mark.parametrize("backend", ["mysql", "postgres"])
def test_unknown_database(backend, databases):
    server = databases.server(backend)
    admin = make_url(server.url)
    if backend == "postgres":  # it trusts local connections: a password changes nothing
        url = server.url_for("zen_no_such_database", admin.username, PASSWORD)
    else:
        url = server.url_for("zen_no_such_database")
    message = refused(SqlStore(url))
    host = admin.host
    assert f"database 'zen_no_such_database' on {host}" in message
    assert "CREATE DATABASE zen_no_such_database" in message
    # a profile's store whose database has gone is missing; one being made is not
    refused(SqlStore(url), StoreMissingError)
    with pytest.raises(StoreUnavailableError) as info:
        SqlStore(url).initialize()
    assert not isinstance(info.value, StoreMissingError)


def test_wrong_password_mysql(databases):
    server = databases.server("mysql")
    admin = make_url(server.url)
    url = server.url_for(admin.database, admin.username or "root", PASSWORD)
    message = refused(SqlStore(url))
    assert f"database '{admin.database}' on {admin.host}" in message
    assert ":***@" in message
    assert "Access denied" in message
    assert "Check the user name and password" in message


def test_unknown_user_postgres(databases):
    # The test server trusts every local connection, so no password is ever wrong;
    # an unknown role is refused the same way.
    server = databases.server("postgres")
    admin = make_url(server.url)
    message = refused(SqlStore(server.url_for(admin.database, "zen_nobody", PASSWORD)))
    assert f"database '{admin.database}' on {admin.host}" in message
    assert "zen_nobody" in message
    assert "Check the user name and password" in message


# --- drivers ---------------------------------------------------------------------------
@pytest.mark.parametrize(("url", "hint"), [
    (f"mysql://zenml:{PASSWORD}@db.example.com/zenml", 'pip install "./plugins/sql_store[mysql]"'),
    (f"mysql+pymysql://zenml:{PASSWORD}@db.example.com/zenml",
     'pip install "./plugins/sql_store[mysql]"'),
    (f"mysql+mysqldb://zenml:{PASSWORD}@db.example.com/zenml", "pip install mysqlclient"),
    (f"postgresql://zenml:{PASSWORD}@db.example.com/zenml",
     'pip install "./plugins/sql_store[postgres]"'),
    (f"postgresql+psycopg2://zenml:{PASSWORD}@db.example.com/zenml",
     "pip install psycopg2-binary"),
])
def test_missing_driver_names_what_to_install(url, hint, monkeypatch):
    for module in ("pymysql", "MySQLdb", "psycopg", "psycopg2"):
        monkeypatch.setitem(sys.modules, module, None)  # "import pymysql" now fails
    message = refused(SqlStore(url))
    assert hint in message
    assert "database 'zenml' on db.example.com" in message
    assert "is not installed" in message


def test_unknown_driver():
    with pytest.raises(InvalidDataError, match="no driver 'mysql\\+nosuchdriver'"):
        SqlStore(f"mysql+nosuchdriver://zenml:{PASSWORD}@h/zenml").initialize()


def test_bad_url_is_refused_when_opened():
    with pytest.raises(InvalidDataError) as info:
        SqlStore(f"http://zenml:{PASSWORD}@host/x")
    assert PASSWORD not in str(info.value)


# --- SQLite files ----------------------------------------------------------------------
def test_sqlite_folders_are_created(tmp_path):
    path = tmp_path / "a" / "b" / "c" / "zenml.db"
    with SqlStore(f"sqlite:///{path}") as store:
        store.initialize()
        assert store.is_empty()
    assert path.is_file()


def test_sqlite_files_are_private(tmp_path):
    """Component configurations may hold secrets: owner only, like the local store's files."""
    path = tmp_path / "zenml.db"
    with SqlStore(f"sqlite:///{path}") as store:
        store.initialize()
        store.register_component(Component(ComponentType.ORCHESTRATOR, "local", "o"))
        wal = path.with_name("zenml.db-wal")
        assert wal.exists()
        assert stat.S_IMODE(wal.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_sqlite_folder_that_cannot_be_made(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    message = refused(SqlStore(f"sqlite:///{tmp_path / 'file' / 'sub' / 'zenml.db'}"),
                      operation="initialize")
    assert str(tmp_path / "file" / "sub") in message
    assert "Cannot create the folder" in message


def test_sqlite_file_that_is_not_a_database(tmp_path):
    path = tmp_path / "zenml.db"
    path.write_text("hello, this is not SQLite " * 100)
    message = refused(SqlStore(f"sqlite:///{path}"))
    assert str(path) in message
    assert "not a database" in message
