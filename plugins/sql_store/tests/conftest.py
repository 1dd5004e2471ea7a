"""Databases for the SQL store tests: a SQLite file, and MariaDB/PostgreSQL servers.

The servers come from environment variables holding an admin URL::

    ZEN_TEST_MYSQL_URL=mysql://root@127.0.0.1:3306/test
    ZEN_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test

Unset, their tests skip and say why; with ``ZEN_REQUIRE_SERVERS=1`` (CI) a
missing URL fails them instead. Each test session creates its own databases
(``zen_test_<random>``) through the admin URL and drops them at the end.
"""

from __future__ import annotations

import gc
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine, make_url

from zen_core.changes import StackChange
from zen_core.models import ComponentType, Stack
from zen_core.testing.contract import register_stack_with_components
from zen_core.testing.require import SERVERS, skip_or_fail
from zen_sql_store.store import SqlStore
from zen_sql_store.urls import parse

BACKENDS = ("sqlite", "mysql", "postgres")
SERVER_VARIABLES = {"mysql": "ZEN_TEST_MYSQL_URL", "postgres": "ZEN_TEST_POSTGRES_URL"}
#: Tables a test store writes, children first (not zen_locks: its row is part of the schema).
TABLES = ("zen_stack_components", "zen_stacks", "zen_components", "zen_team_members",
          "zen_user_roles", "zen_team_roles", "zen_api_keys", "zen_teams", "zen_users",
          "zen_secret_values", "zen_secrets", "zen_events")


def admin_url(backend: str) -> str:
    """The server's admin URL from the environment; skip (or fail, in CI) without one."""
    variable = SERVER_VARIABLES[backend]
    url = os.environ.get(variable, "").strip()
    if not url:
        skip_or_fail(f"{variable} is not set: no {backend} server to test against", SERVERS)
    return url


@dataclass
class Server:
    """A database server the tests may create databases (and users) on."""

    backend: str
    admin: Engine
    url: str

    def url_for(self, database: str, user: str | None = None, password: str | None = None) -> str:
        url = make_url(self.url).set(database=database)
        if user is not None:
            url = url.set(username=user, password=password)
        return url.render_as_string(hide_password=False)

    def execute(self, *statements: str) -> None:
        with self.admin.connect() as connection:
            for statement in statements:
                connection.execute(text(statement))

    def query(self, statement: str) -> list[tuple]:
        with self.admin.connect() as connection:
            return [tuple(row) for row in connection.execute(text(statement))]

    def create_database(self) -> str:
        name = unique_name()
        self.execute(f"CREATE DATABASE {name}")
        return name

    def drop_database(self, name: str) -> None:
        force = " WITH (FORCE)" if self.backend == "postgres" else ""
        self.execute(f"DROP DATABASE IF EXISTS {name}{force}")

    def drop_leftovers(self) -> None:
        """Drop what runs killed before their clean-up left behind (hours old)."""
        if self.backend == "postgres":
            databases = self.query(
                "SELECT datname FROM pg_database WHERE datname LIKE 'zen\\_test\\_%'")
            users: list[tuple] = []
        else:
            databases = self.query("SHOW DATABASES LIKE 'zen\\_test\\_%'")
            users = self.query(
                "SELECT user, host FROM mysql.user WHERE user LIKE 'zen\\_test\\_%'")
        for (name,) in databases:
            if is_stale(name):
                self.drop_database(name)
        for user, host in users:
            if is_stale(user):
                self.execute(f"DROP USER IF EXISTS '{user}'@'{host}'")


#: Test databases and users older than this are leftovers of a killed run.
STALE_SECONDS = 6 * 3600


def unique_name() -> str:
    """``zen_test_<unix time>_<random>``: unique, and its age can be told."""
    return f"zen_test_{int(time.time())}_{uuid.uuid4().hex[:8]}"


def is_stale(name: str) -> bool:
    parts = name.split("_")
    return (len(parts) == 4 and parts[2].isdigit()
            and time.time() - int(parts[2]) > STALE_SECONDS)


class Databases:
    """Creates databases on demand and drops every one of them at the end."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.servers: dict[str, Server] = {}
        self.created: list[tuple[Server, str]] = []
        self.users: list[tuple[Server, str]] = []

    def server(self, backend: str) -> Server:
        if backend not in self.servers:
            url = admin_url(backend)
            drivername = parse(url).sqlalchemy_drivername()
            admin = create_engine(make_url(url).set(drivername=drivername),
                                  isolation_level="AUTOCOMMIT")
            server = Server(backend, admin, url)
            server.drop_leftovers()
            self.servers[backend] = server
        return self.servers[backend]

    def new(self, backend: str) -> str:
        """The URL of a new, empty database."""
        if backend == "sqlite":
            return f"sqlite:///{self.tmp / uuid.uuid4().hex / 'zenml.db'}"
        server = self.server(backend)
        name = server.create_database()
        self.created.append((server, name))
        return server.url_for(name)

    def new_mysql_user(self, database_url: str, password: str) -> str:
        """The URL of ``database_url`` for a new MySQL user with that password."""
        server = self.server("mysql")
        user = unique_name()
        database = make_url(database_url).database
        host = make_url(server.url).host or "localhost"
        server.execute(
            f"CREATE USER '{user}'@'{host}' IDENTIFIED BY '{password}'",
            f"GRANT ALL PRIVILEGES ON {database}.* TO '{user}'@'{host}'",
        )
        self.users.append((server, f"'{user}'@'{host}'"))
        return server.url_for(database, user, password)

    def drop_all(self) -> None:
        gc.collect()  # closes connections of stores that tests did not close
        for server, user in self.users:
            server.execute(f"DROP USER IF EXISTS {user}")
        for server, name in self.created:
            server.drop_database(name)
        for server in self.servers.values():
            server.admin.dispose()


@pytest.fixture(scope="session")
def databases(tmp_path_factory) -> Iterator[Databases]:
    found = Databases(tmp_path_factory.mktemp("sqlite"))
    yield found
    found.drop_all()


@pytest.fixture(scope="session")
def _shared_databases(databases) -> dict[str, tuple[str, Engine]]:
    """One database per server for the contract tests, emptied before each test."""
    return {}


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def empty_database(backend, databases) -> str:
    """The URL of a new database with nothing in it (SQLite: no file yet)."""
    return databases.new(backend)


@pytest.fixture
def store_url(backend, databases, _shared_databases, tmp_path) -> str:
    """A store URL whose tables exist and are empty: cheap enough for every test.

    SQLite gets a new file; a server reuses one database of the session, emptied.
    """
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'store' / 'zenml.db'}"
    if backend not in _shared_databases:
        url = databases.new(backend)
        drivername = parse(url).sqlalchemy_drivername()
        engine = create_engine(make_url(url).set(drivername=drivername))
        _shared_databases[backend] = (url, engine)
    url, engine = _shared_databases[backend]
    with engine.begin() as connection:
        existing = set(inspect(connection).get_table_names())
        for table in TABLES:
            if table in existing:
                connection.execute(text(f"DELETE FROM {table}"))
    return url


@pytest.fixture
def store(store_url) -> Iterator[SqlStore]:
    """An initialized, empty store on each backend (modules may give their own)."""
    store = SqlStore(store_url)
    store.initialize()
    yield store
    store.close()


@pytest.fixture
def two_stacks(store_url) -> Iterator[SqlStore]:
    """A store holding the stacks 'empty' and 'full' (three components, revision 2)."""
    store = SqlStore(store_url)
    store.initialize()
    register_stack_with_components(store, "full")
    store.register_stack(Stack("empty", {}))
    store.update_stack("full", StackChange(remove={ComponentType.CONTAINER_REGISTRY}))
    yield store
    store.close()


@pytest.fixture
def raw(store):
    """A plain connection to the store's database (foreign keys on, for SQLite too): what
    another program sharing the database sees and does."""
    url = make_url(store.url).set(drivername=store.location.sqlalchemy_drivername())
    engine = create_engine(url)
    if store.location.is_sqlite:
        @event.listens_for(engine, "connect")
        def _fk(dbapi_connection, _):
            dbapi_connection.execute("PRAGMA foreign_keys = ON")
    with engine.connect() as connection:
        yield connection
    engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def _dispose_shared(_shared_databases) -> Iterator[None]:
    yield
    for _, engine in _shared_databases.values():
        engine.dispose()


# --- running zenml -----------------------------------------------------------------------
@pytest.fixture
def zen(zen):
    """zen_core.testing's ``zen`` (the CLI in-process), then a garbage collection: the
    command's store goes at once, and with it its database connections and files."""

    def run(*args, **kwargs):
        try:
            return zen(*args, **kwargs)
        finally:
            gc.collect()

    return run
