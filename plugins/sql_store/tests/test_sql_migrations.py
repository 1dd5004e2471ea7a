"""The versioned schema: created at head, upgraded from older, a newer one refused untouched.

``future_migrations/`` holds a revision only these tests know ("0007_test"), standing
for what a newer zen-sql-store adds: :class:`FutureSqlStore` is that newer version.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, exc, inspect, text
from sqlalchemy.engine import make_url

from zen_core.account_records import RoleAssignment, Team, User
from zen_core.changes import ComponentChange
from zen_core.exceptions import StoreUnavailableError
from zen_core.models import Component, ComponentType, Stack
from zen_core.secret_records import Secret, SecretChange
from zen_core.testing.contract import (
    component,
    register_stack_with_components,
    run_concurrently,
)
from zen_core.testing.contract_concurrency import _register_then_delete
from zen_core.writes import (
    AssignRole,
    CreateSecret,
    CreateTeam,
    CreateUser,
    DeleteStack,
    UpdateSecret,
)
from zen_sql_store.migrate import HEAD, VERSION_TABLE, alembic_config
from zen_sql_store.schema import metadata
from zen_sql_store.store import SqlStore
from zen_sql_store.urls import parse

T = ComponentType
FUTURE = Path(__file__).parent / "future_migrations"
TABLES = {"zen_components", "zen_stacks", "zen_stack_components", "zen_users", "zen_teams",
          "zen_team_members", "zen_user_roles", "zen_team_roles", "zen_api_keys",
          "zen_events", "zen_locks", "zen_secrets", "zen_secret_values", VERSION_TABLE}


class FutureSqlStore(SqlStore):
    """The store as a newer zen-sql-store would ship it: one revision more."""

    schema_head = "0007_test"
    migration_locations = (FUTURE,)


def engine_for(url: str):
    """A plain engine on the store's database (SQLite: its folder is made)."""
    parsed = parse(url)
    if parsed.is_sqlite:
        Path(parsed.sqlite_path).parent.mkdir(parents=True, exist_ok=True)
    return create_engine(make_url(url).set(drivername=parsed.sqlalchemy_drivername()))


def without_labels(table: tuple[list[str], list[tuple[str, ...]]]) -> object:
    """A table's snapshot without the columns 0005 adds (``labels``, the events' ``state``),
    which must hold NULL on every row written before it."""
    columns, rows = table
    for added in ("labels", "state"):
        if added not in columns:
            continue
        at = columns.index(added)
        assert all(row[at] == "None" for row in rows)
        columns = [c for c in columns if c != added]
        rows = sorted(row[:at] + row[at + 1:] for row in rows)
    return columns, rows


def stateless(history: tuple[list, int]) -> tuple[list, int]:
    """The events of ``history`` as a database below 0005 keeps them: without states."""
    from dataclasses import replace

    events, total = history
    return [replace(e, state=None) for e in events], total


def each_table(url: str, describe: Callable[[Any, Any, str], object]) -> dict[str, object]:
    """``describe(connection, inspector, table)`` of every table of the database, by name."""
    engine = engine_for(url)
    try:
        with engine.connect() as connection:
            inspector = inspect(connection)
            return {table: describe(connection, inspector, table)
                    for table in sorted(inspector.get_table_names())}
    finally:
        engine.dispose()


def snapshot(url: str) -> dict[str, object]:
    """Every table of the database with its columns and rows."""

    def rows_of(connection: Any, inspector: Any, table: str) -> object:
        columns = [c["name"] for c in inspector.get_columns(table)]
        rows = connection.execute(text(f"SELECT * FROM {table}")).all()
        return columns, sorted(tuple(map(str, row)) for row in rows)

    return each_table(url, rows_of)


def versions(url: str) -> list[str]:
    return snapshot(url)[VERSION_TABLE][1]


def test_head_is_the_newest_revision():
    scripts = ScriptDirectory.from_config(alembic_config())
    assert scripts.get_current_head() == HEAD
    future = ScriptDirectory.from_config(alembic_config([FUTURE]))
    assert future.get_current_head() == FutureSqlStore.schema_head


def test_a_new_database_is_created_at_head(empty_database):
    with SqlStore(empty_database) as store:
        store.initialize()
        assert store.is_empty()
    state = snapshot(empty_database)
    assert set(state) == TABLES
    assert versions(empty_database) == [(HEAD,)]


def run_migrations(url: str) -> None:
    """Every migration in turn, up to head (a new store is made at head in one step)."""
    engine = engine_for(url)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, HEAD)
    finally:
        engine.dispose()


def schema_of(url: str) -> dict[str, object]:
    """Everything the database says about each table: columns in order (type, nullable,
    default), keys, foreign keys and their actions, indexes, constraints, options."""

    def described(connection: Any, inspector: Any, table: str) -> object:
        found = {
            "columns": [(c["name"], str(c["type"]), c["nullable"], c.get("default"),
                         c.get("autoincrement")) for c in inspector.get_columns(table)],
            "primary key": inspector.get_pk_constraint(table),
            "foreign keys": sorted(inspector.get_foreign_keys(table),
                                   key=lambda f: str(f["name"])),
            "indexes": sorted(inspector.get_indexes(table), key=lambda i: i["name"]),
            "unique": sorted(inspector.get_unique_constraints(table),
                             key=lambda u: str(u["name"])),
            "checks": sorted(inspector.get_check_constraints(table),
                             key=lambda c: str(c["name"])),
        }
        if connection.dialect.name in ("mysql", "mariadb"):
            found["options"] = inspector.get_table_options(table)
        if connection.dialect.name == "sqlite":  # its own record of each table
            found["pragma"] = connection.execute(text(f"PRAGMA table_xinfo({table})")).all()
        return found

    return each_table(url, described)


def test_a_new_database_is_created_as_the_migrations_leave_it(empty_database, databases,
                                                              backend):
    """A new store's tables are made at head in one step, not by running each migration:
    the database must be the same as the migrations make it, rows of its own included."""
    with SqlStore(empty_database) as store:
        store.initialize()
    migrated = databases.new(backend)
    run_migrations(migrated)
    assert schema_of(empty_database) == schema_of(migrated)
    made, replayed = snapshot(empty_database), snapshot(migrated)
    assert made == replayed
    assert made["zen_locks"][1] == [("events",)] and made[VERSION_TABLE][1] == [(HEAD,)]


def test_the_models_match_the_migrations(empty_database):
    run_migrations(empty_database)
    engine = engine_for(empty_database)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "version_table": VERSION_TABLE}
            )
            assert compare_metadata(context, metadata) == []
    finally:
        engine.dispose()


def test_opening_a_current_database_does_not_import_alembic(empty_database):
    with SqlStore(empty_database) as store:
        store.initialize()
        register_stack_with_components(store, "s")
    probe = (
        "import sys\n"
        "from zen_sql_store.store import SqlStore\n"
        f"store = SqlStore({empty_database!r})\n"
        "assert store.stack_names() == ['s']\n"
        "store.close()\n"
        "print('alembic' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_an_older_database_is_upgraded_and_keeps_its_data(empty_database):
    with SqlStore(empty_database) as store:
        store.initialize()
        stack = register_stack_with_components(store, "kept", None, T.CONTAINER_REGISTRY)
        components = store.list_components()
    assert versions(empty_database) == [(HEAD,)]

    with FutureSqlStore(empty_database) as newer:
        assert newer.list_stacks() == [stack]
        assert newer.list_components() == components
        newer.register_component(component(T.ORCHESTRATOR, "after-upgrade"))
    state = snapshot(empty_database)
    assert versions(empty_database) == [("0007_test",)]
    assert "zen_test_notes" in state
    assert "description" in state["zen_stacks"][0]


def at_revision(url: str, revision: str) -> None:
    """Bring ``url``'s database to ``revision`` with the real migrations, as an older zen did."""
    from alembic import command

    engine = engine_for(url)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            if revision < (versions_of(connection) or "0000"):
                command.downgrade(config, revision)
            else:
                command.upgrade(config, revision)
    finally:
        engine.dispose()


def versions_of(connection) -> str | None:
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    return connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def write_0001_rows(url: str) -> None:
    """A stack and its components as zen-sql-store 0.1 (schema 0001) wrote them."""
    engine = engine_for(url)
    try:
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO zen_components (type, name, flavor, uuid, config) "
                "VALUES (:type, :name, :flavor, :uuid, :config)"), [
                {"type": "orchestrator", "name": "o", "flavor": "local", "uuid": "uuid-o",
                 "config": '{"a":1}'},
                {"type": "metadata_store", "name": "m", "flavor": "sqlite", "uuid": "uuid-m",
                 "config": "{}"},
                {"type": "artifact_store", "name": "a", "flavor": "local", "uuid": "uuid-a",
                 "config": '{"path":"/p"}'},
            ])
            connection.execute(text("INSERT INTO zen_stacks (name) VALUES ('s')"))
            connection.execute(text(
                "INSERT INTO zen_stack_components (stack_id, component_type, component_id) "
                "SELECT s.id, c.type, c.id FROM zen_stacks s, zen_components c"))
    finally:
        engine.dispose()


OLD_STACK = Stack("s", {T.ORCHESTRATOR: "o", T.METADATA_STORE: "m", T.ARTIFACT_STORE: "a"})


def test_0001_data_upgrades_to_revision_1_and_no_times(empty_database):
    at_revision(empty_database, "0001")
    write_0001_rows(empty_database)
    assert versions(empty_database) == [("0001",)]

    with SqlStore(empty_database) as store:  # any open upgrades: no initialize() needed
        stack = store.get_stack("s")
        assert stack == OLD_STACK
        assert (stack.revision, stack.created, stack.updated) == (1, None, None)
        orchestrator = store.get_component(T.ORCHESTRATOR, "o")
        assert orchestrator == Component(T.ORCHESTRATOR, "local", "o", {"a": 1}, uuid="uuid-o")
        assert store.get_component(T.ARTIFACT_STORE, "a").config == {"path": "/p"}
        assert {(c.revision, c.created, c.updated) for c in store.list_components()} == {
            (1, None, None)}
        assert versions(empty_database) == [(HEAD,)]
        assert store.list_secrets() == []

        # the first write of an old record gives it revision 2 and its times
        written = store.update_component(T.ORCHESTRATOR, "o", ComponentChange(name="o2"))
        assert written.revision == 2 and written.created and written.updated
        assert store.get_component(T.ORCHESTRATOR, "o2") == written
        got = store.get_component(T.ORCHESTRATOR, "o2")
        assert (got.revision, got.created, got.updated) == (2, written.created, written.updated)
        stack = store.get_stack("s")  # it followed the rename
        assert stack.components[T.ORCHESTRATOR] == "o2"
        assert stack.revision == 2 and stack.created and stack.updated
        # the others are as they were
        assert store.get_component(T.METADATA_STORE, "m").revision == 1


def test_0002_downgrades_to_0001_and_keeps_the_data(empty_database):
    with SqlStore(empty_database) as store:
        store.initialize()
        stack = register_stack_with_components(store, "kept")
    at_revision(empty_database, "0001")
    state = snapshot(empty_database)
    assert versions(empty_database) == [("0001",)]
    assert state["zen_stacks"][0] == ["id", "name"]
    assert "revision" not in state["zen_components"][0]
    with SqlStore(empty_database) as store:  # and up again
        assert store.get_stack("kept") == stack
        assert store.get_stack("kept").revision == 1


ACCOUNT_TABLES = {"zen_users", "zen_teams", "zen_team_members", "zen_user_roles",
                  "zen_team_roles", "zen_api_keys", "zen_events", "zen_locks"}


def test_0002_data_upgrades_to_0003_untouched_with_an_empty_history(empty_database):
    """A store zen-sql-store wrote at schema 0002 (contract v2 without accounts)."""
    with SqlStore(empty_database) as store:
        store.initialize()
        register_stack_with_components(store, "kept", None, T.CONTAINER_REGISTRY)
        store.update_component(T.ORCHESTRATOR, "kept", ComponentChange(set={"a": 1}))
        kept, components = store.get_stack("kept"), store.list_components()
    at_revision(empty_database, "0002")
    before = snapshot(empty_database)
    assert versions(empty_database) == [("0002",)]
    assert not ACCOUNT_TABLES & set(before)

    with SqlStore(empty_database) as store:  # any open upgrades
        assert store.get_stack("kept") == kept
        assert store.get_stack("kept").revision == kept.revision
        assert store.list_components() == components
        assert [(c.revision, c.updated) for c in store.list_components()] == [
            (c.revision, c.updated) for c in components]
        assert versions(empty_database) == [(HEAD,)]
        after = snapshot(empty_database)
        assert {t: without_labels(after[t]) for t in before if t != VERSION_TABLE} == {
            t: rows for t, rows in before.items() if t != VERSION_TABLE}
        assert after["zen_locks"][1] == [("events",)]
        assert all(after[t][1] == [] for t in ACCOUNT_TABLES - {"zen_locks"})
        assert store.list_secrets() == []
        # the history starts with the first write after the upgrade
        assert store.list_events() == ([], 0)
        store.apply([CreateUser(User("ann")), DeleteStack("kept")], actor="ann")
        events, total = store.list_events()
        assert total == 2 and [e.seq for e in events] == [2, 1]
        assert [(e.action, e.name, e.actor) for e in events] == [
            ("delete_stack", "kept", "ann"), ("create_user", "ann", "ann")]


def test_0003_downgrades_to_0002_and_keeps_the_stacks(empty_database):
    with SqlStore(empty_database) as store:
        store.initialize()
        stack = register_stack_with_components(store, "kept")
        store.apply([CreateUser(User("ann")), CreateTeam(Team("ops", ["ann"]))])
    at_revision(empty_database, "0002")
    assert not ACCOUNT_TABLES & set(snapshot(empty_database))
    with SqlStore(empty_database) as store:  # and up again: no accounts, no history
        assert store.get_stack("kept") == stack
        assert store.list_users() == [] and store.list_events() == ([], 0)


SECRET_TABLES = {"zen_secrets", "zen_secret_values"}


def test_0003_data_upgrades_to_0004_untouched_without_secrets(empty_database):
    """A store zen-sql-store wrote at schema 0003 (contract v2: stacks, accounts, history)."""
    with SqlStore(empty_database) as store:
        store.initialize()
        register_stack_with_components(store, "kept", None, T.CONTAINER_REGISTRY)
        store.apply([CreateUser(User("ann")), CreateTeam(Team("ops", ["ann"])),
                     AssignRole(RoleAssignment("admin", team="ops"))], actor="ann")
        kept, teams, history = store.get_stack("kept"), store.list_teams(), store.list_events()
    at_revision(empty_database, "0003")
    before = snapshot(empty_database)
    assert versions(empty_database) == [("0003",)]
    assert not SECRET_TABLES & set(before)

    with SqlStore(empty_database) as store:  # any open upgrades
        assert store.list_secrets() == []
        assert versions(empty_database) == [(HEAD,)]
        after = snapshot(empty_database)
        assert {t: without_labels(after[t]) for t in before if t != VERSION_TABLE} == {
            t: rows for t, rows in before.items() if t != VERSION_TABLE}
        assert all(after[t][1] == [] for t in SECRET_TABLES)
        assert (store.get_stack("kept"), store.list_teams()) == (kept, teams)
        assert store.list_events() == stateless(history)
        # secrets are written from now on, numbered after the history kept
        store.apply([CreateSecret(Secret("db", {"password": "p"})),
                     UpdateSecret("db", SecretChange(set={"user": "u"}))], actor="ann")
        assert store.get_secret("db").values == {"password": "p", "user": "u"}
        events, total = store.list_events(limit=2)
        assert total == history[1] + 2
        assert [(e.seq, e.action) for e in events] == [
            (total, "update_secret"), (total - 1, "create_secret")]


def test_0004_downgrades_to_0003_and_keeps_the_rest(empty_database):
    with SqlStore(empty_database) as store:
        store.initialize()
        stack = register_stack_with_components(store, "kept")
        store.apply([CreateUser(User("ann")), CreateSecret(Secret("db", {"password": "p"}))])
        history = store.list_events()
    at_revision(empty_database, "0003")
    assert not SECRET_TABLES & set(snapshot(empty_database))
    with SqlStore(empty_database) as store:  # and up again: no secrets, the rest kept
        assert store.get_stack("kept") == stack
        assert [u.name for u in store.list_users()] == ["ann"]
        assert store.list_events() == stateless(history)
        assert store.list_secrets() == []


def run_sql(url: str, *statements: tuple[str, list[dict[str, str]]]) -> None:
    """Each (SQL, parameter sets) in one transaction, as another program would."""
    engine = engine_for(url)
    try:
        with engine.begin() as connection:
            for sql, parameters in statements:
                connection.execute(text(sql), parameters or None)
    finally:
        engine.dispose()


def write_shared_uuids(url: str) -> None:
    """Two components and two secrets sharing a uuid, as schema 0005 let a store keep them."""
    run_sql(url, ("INSERT INTO zen_components (type, name, flavor, uuid, config) "
                  "VALUES (:type, :name, 'local', 'uuid-c', '{}')",
                  [{"type": "orchestrator", "name": "first"},
                   {"type": "artifact_store", "name": "second"}]),
            ("INSERT INTO zen_secrets (name, uuid) VALUES (:name, 'uuid-s')",
             [{"name": "one"}, {"name": "two"}]))


def test_0005_data_sharing_uuids_is_refused_untouched_until_fixed(empty_database):
    at_revision(empty_database, "0005")
    write_shared_uuids(empty_database)
    before = snapshot(empty_database)
    store = SqlStore(empty_database)
    with pytest.raises(StoreUnavailableError) as info:
        store.list_components()
    store.close()
    message = str(info.value)
    for shared in ("components artifact_store 'second', orchestrator 'first' share uuid uuid-c",
                   "secrets 'one', 'two' share uuid uuid-s", "Nothing was changed"):
        assert shared in message
    assert snapshot(empty_database) == before and versions(empty_database) == [("0005",)]

    run_sql(empty_database,  # the user deletes one of each
            ("DELETE FROM zen_components WHERE name = 'second'", []),
            ("DELETE FROM zen_secrets WHERE name = 'two'", []))
    with SqlStore(empty_database) as store:
        assert [c.uuid for c in store.list_components()] == ["uuid-c"]
        assert versions(empty_database) == [(HEAD,)]
    with pytest.raises(exc.IntegrityError):  # the database itself refuses a shared uuid
        write_shared_uuids(empty_database)


def test_0006_downgrades_to_0005_and_keeps_the_data(empty_database):
    with SqlStore(empty_database) as store:
        store.initialize()
        stack = register_stack_with_components(store, "kept")
        store.apply([CreateSecret(Secret("db", {"password": "p"}))])
    at_revision(empty_database, "0005")
    assert versions(empty_database) == [("0005",)]
    with SqlStore(empty_database) as store:  # and up again
        assert store.get_stack("kept") == stack
        assert [s.name for s in store.list_secrets()] == ["db"]
    assert versions(empty_database) == [(HEAD,)]


def test_the_times_are_real_timestamps(empty_database):
    with SqlStore(empty_database) as store:
        store.initialize()
    engine = engine_for(empty_database)
    try:
        with engine.connect() as connection:
            for table in ("zen_components", "zen_stacks", "zen_secrets"):
                columns = {c["name"]: c for c in inspect(connection).get_columns(table)}
                assert not columns["revision"]["nullable"]
                for name in ("created", "updated"):
                    kind = columns[name]["type"]
                    assert kind.python_type is datetime, (table, name, kind)
                    if connection.dialect.name == "postgresql":
                        assert kind.timezone, kind
                    if connection.dialect.name in ("mysql", "mariadb"):
                        assert kind.fsp == 6, kind
    finally:
        engine.dispose()


def test_a_new_database_goes_straight_to_the_newest_head(empty_database):
    FutureSqlStore(empty_database).initialize()
    assert versions(empty_database) == [("0007_test",)]
    assert set(snapshot(empty_database)) == TABLES | {"zen_test_notes"}


def test_a_database_written_by_a_newer_zen_is_refused_untouched(empty_database):
    with FutureSqlStore(empty_database) as newer:
        newer.initialize()
        register_stack_with_components(newer, "from-the-future")
    before = snapshot(empty_database)

    store = SqlStore(empty_database)
    calls = {
        "initialize": store.initialize,
        "list_stacks": store.list_stacks,
        "register_component": lambda: store.register_component(component(T.ORCHESTRATOR, "x")),
        "delete_stack": lambda: store.delete_stack("from-the-future"),
    }
    for name, call in calls.items():
        with pytest.raises(StoreUnavailableError) as info:
            call()
        message = str(info.value)
        assert "schema version '0007_test'" in message, name
        assert "a newer version of zen wrote it" in message
        assert "pip install --upgrade ./plugins/sql_store" in message
        assert "left as it is" in message
        assert parse(empty_database).describe() in message
    store.close()
    assert snapshot(empty_database) == before


def test_the_version_table_does_not_clash_with_an_applications_alembic(empty_database):
    """A shared database may hold another program's own ``alembic_version``."""
    engine = engine_for(empty_database)
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32))"))
            connection.execute(text("INSERT INTO alembic_version VALUES ('their-rev')"))
    finally:
        engine.dispose()
    with SqlStore(empty_database) as store:
        store.initialize()
        register_stack_with_components(store, "s")
    state = snapshot(empty_database)
    assert state["alembic_version"][1] == [("their-rev",)]
    assert versions(empty_database) == [(HEAD,)]


@pytest.mark.slow
def test_several_processes_opening_a_new_database_at_once(empty_database):
    """Each process finds the database empty; one creates the tables, none fails."""
    jobs = [(_initialize_then_register, (prefix, 6)) for prefix in ("wa", "wb", "wc", "wd")]
    survivors = run_concurrently(partial(SqlStore, empty_database), jobs)
    with SqlStore(empty_database) as store:
        names = sorted(c.name for c in store.list_components())
    assert names == sorted(name for names in survivors for name in names)
    assert versions(empty_database) == [(HEAD,)]


def _initialize_then_register(store: SqlStore, prefix: str, count: int) -> list[str]:
    store.initialize()
    return _register_then_delete(store, prefix, count)
