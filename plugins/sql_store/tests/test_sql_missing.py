"""A store that has gone is an error, not an empty store: only ``initialize()`` creates one.

A SQLite file that is not there, or a server database without the zen tables
(dropped, or re-created empty), raises StoreMissingError naming where the
store was expected and what to do; nothing is created in its place.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from zen_core.account_records import User
from zen_core.changes import ComponentChange
from zen_core.exceptions import StoreMissingError
from zen_core.models import ComponentType, Stack
from zen_core.secret_records import Secret
from zen_core.store import StoreContext
from zen_core.testing.contract import component, register_stack_with_components
from zen_core.writes import CreateSecret, CreateUser, TouchApiKey
from zen_sql_store.migrate import VERSION_TABLE
from zen_sql_store.schema import metadata
from zen_sql_store.store import SqlStore
from zen_sql_store.urls import parse

T = ComponentType
PASSWORD = "s3cret-Pw"
PROFILE = StoreContext(profile="team")


def operations(store: SqlStore) -> dict[str, object]:
    """Every kind of operation but initialize(), each must fail the same way."""
    return {
        "list_stacks": store.list_stacks,
        "get_stack": lambda: store.get_stack("s"),
        "stack_names": store.stack_names,
        "is_empty": store.is_empty,
        "list_components": store.list_components,
        "get_component": lambda: store.get_component(T.ORCHESTRATOR, "s"),
        "stacks_using": lambda: store.stacks_using(T.ORCHESTRATOR, "s"),
        "register_component": lambda: store.register_component(component(T.ORCHESTRATOR, "x")),
        "update_component": lambda: store.update_component(
            T.ORCHESTRATOR, "s", ComponentChange(set={"a": 1})),
        "register_stack": lambda: store.register_stack(Stack("x", {})),
        "delete_stack": lambda: store.delete_stack("s"),
        "list_users": store.list_users,
        "get_user": lambda: store.get_user("ann"),
        "list_teams": store.list_teams,
        "get_team": lambda: store.get_team("ops"),
        "list_role_assignments": store.list_role_assignments,
        "list_api_keys": store.list_api_keys,
        "find_api_key": lambda: store.find_api_key("0123456789ab"),
        "list_events": store.list_events,
        "create_user": lambda: store.apply([CreateUser(User("ann"))], actor="ann"),
        "touch_api_key": lambda: store.apply(
            [TouchApiKey("0123456789ab", "2030-01-01T00:00:00.000000Z")]),
        "list_secrets": store.list_secrets,
        "get_secret": lambda: store.get_secret("db"),
        "create_secret": lambda: store.apply([CreateSecret(Secret("db", {"k": "v"}))]),
    }


def all_missing(store: SqlStore) -> list[str]:
    """Run every operation; return their messages (each a StoreMissingError of one line)."""
    messages = []
    for name, call in operations(store).items():
        with pytest.raises(StoreMissingError) as info:
            call()  # type: ignore[operator]
        message = str(info.value)
        assert "\n" not in message, name
        assert PASSWORD not in message, name
        messages.append(message)
    return messages


# --- SQLite ---------------------------------------------------------------------------------
def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def test_a_sqlite_file_that_was_never_made(tmp_path):
    path = tmp_path / "profiles" / "team" / "zenml.db"
    store = SqlStore(sqlite_url(path), PROFILE)
    for message in all_missing(store):
        assert message == (
            f"The store of profile 'team' is missing: the SQLite database {path} does not "
            "exist (was it moved, deleted or its disk unmounted?). Restore it, or remove the "
            "profile with `zenml profile delete team`."
        )
    assert not path.parent.exists()  # neither the file nor its folder was made
    store.initialize()  # ...which only initialize() does
    assert path.is_file()
    assert store.is_empty()
    store.close()


def test_a_sqlite_file_deleted_while_the_store_is_open(tmp_path):
    path = tmp_path / "zenml.db"
    store = SqlStore(sqlite_url(path), PROFILE)
    store.initialize()
    register_stack_with_components(store, "s")
    store.list_stacks()  # the engine and its pooled connections are ready
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    messages = all_missing(store)
    assert all(str(path) in m and "zenml profile delete team" in m for m in messages)
    assert not path.exists()
    store.close()


def test_without_a_profile_the_message_says_to_fix_the_url(tmp_path):
    path = tmp_path / "gone.db"
    with pytest.raises(StoreMissingError) as info:
        SqlStore(sqlite_url(path)).list_stacks()
    assert str(info.value) == (
        f"The SQL store is missing: the SQLite database {path} does not exist (was it moved, "
        "deleted or its disk unmounted?). Restore it, or fix the store URL."
    )


def test_an_empty_sqlite_file_has_no_zen_tables(tmp_path):
    path = tmp_path / "zenml.db"
    path.touch()
    store = SqlStore(sqlite_url(path), PROFILE)
    for message in all_missing(store):
        assert f"the SQLite database {path} has no zen tables: was it dropped or re-created?" \
            in message
    assert path.stat().st_size == 0  # untouched
    store.initialize()
    assert store.is_empty()
    store.close()


# --- servers ----------------------------------------------------------------------------------
def engine_for(url: str):
    return create_engine(make_url(url).set(drivername=parse(url).sqlalchemy_drivername()))


def drop_zen_tables(url: str) -> None:
    engine = engine_for(url)
    try:
        with engine.begin() as connection:
            for table in [*reversed(metadata.sorted_tables), VERSION_TABLE]:
                connection.execute(text(f"DROP TABLE {table}"))
    finally:
        engine.dispose()


def tables(url: str) -> list[str]:
    engine = engine_for(url)
    try:
        with engine.connect() as connection:
            return sorted(inspect(connection).get_table_names())
    finally:
        engine.dispose()


#: What a database server has and a SQLite file has not: the tests below run on servers alone.
ON_SERVERS = pytest.mark.parametrize("backend", ["mysql", "postgres"])


@pytest.fixture
def server_url(backend, empty_database, databases) -> str:
    """A new database on a server, reached with a password where the server checks one."""
    assert backend != "sqlite", "a test of a server's database runs ON_SERVERS"
    if backend == "mysql":
        return databases.new_mysql_user(empty_database, PASSWORD)
    return empty_database


@ON_SERVERS
def test_a_database_without_zen_tables(server_url):
    store = SqlStore(server_url, PROFILE)
    described = parse(server_url).describe()
    for message in all_missing(store):
        assert message == (
            f"The store of profile 'team' is missing: the {described} has no zen tables: was "
            "it dropped or re-created? Restore it, or remove the profile with "
            "`zenml profile delete team`."
        )
    assert tables(server_url) == []  # nothing was created
    store.initialize()  # ...until initialize()
    assert VERSION_TABLE in tables(server_url)
    assert store.is_empty()
    store.close()


@ON_SERVERS
def test_tables_dropped_while_the_store_is_open(server_url):
    store = SqlStore(server_url, PROFILE)
    store.initialize()
    register_stack_with_components(store, "s")
    drop_zen_tables(server_url)
    messages = all_missing(store)
    assert all("has no zen tables: was it dropped or re-created?" in m for m in messages)
    assert tables(server_url) == []
    store.close()


@ON_SERVERS
def test_describe_never_shows_the_password(server_url):
    store = SqlStore(server_url)
    assert PASSWORD not in store.describe()
    assert parse(server_url).masked in store.describe()
