"""The versioned schema: created at head, upgraded from older, a newer one refused untouched.

``future_migrations/`` holds a revision only these tests know ("0002_test"), standing
for what a newer zen-sql-store adds: :class:`FutureSqlStore` is that newer version.
"""

from __future__ import annotations

import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from zen_core.exceptions import StoreUnavailableError
from zen_core.models import ComponentType
from zen_core.testing.contract import (
    _register_then_delete,
    component,
    register_stack_with_components,
    run_concurrently,
)
from zen_sql_store.migrate import HEAD, VERSION_TABLE, alembic_config
from zen_sql_store.schema import Base
from zen_sql_store.store import SqlStore
from zen_sql_store.urls import parse

T = ComponentType
FUTURE = Path(__file__).parent / "future_migrations"
TABLES = {"zen_components", "zen_stacks", "zen_stack_components", VERSION_TABLE}


class FutureSqlStore(SqlStore):
    """The store as a newer zen-sql-store would ship it: one revision more."""

    schema_head = "0002_test"
    migration_locations = (FUTURE,)


def engine_for(url: str):
    """A plain engine on the store's database (SQLite: its folder is made)."""
    parsed = parse(url)
    if parsed.is_sqlite:
        Path(parsed.sqlite_path).parent.mkdir(parents=True, exist_ok=True)
    return create_engine(make_url(url).set(drivername=parsed.sqlalchemy_drivername()))


def snapshot(url: str) -> dict[str, object]:
    """Every table of the database with its columns and rows."""
    engine = engine_for(url)
    try:
        with engine.connect() as connection:
            inspector = inspect(connection)
            state: dict[str, object] = {}
            for table in sorted(inspector.get_table_names()):
                columns = [c["name"] for c in inspector.get_columns(table)]
                rows = connection.execute(text(f"SELECT * FROM {table}")).all()
                state[table] = (columns, sorted(tuple(map(str, row)) for row in rows))
            return state
    finally:
        engine.dispose()


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


def test_the_models_match_the_migrations(empty_database):
    with SqlStore(empty_database) as store:
        store.initialize()
    engine = engine_for(empty_database)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "version_table": VERSION_TABLE}
            )
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_opening_a_current_database_does_not_import_alembic(empty_database):
    with SqlStore(empty_database) as store:
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
        stack = register_stack_with_components(store, "kept", None, T.CONTAINER_REGISTRY)
        components = store.list_components()
    assert versions(empty_database) == [("0001",)]

    with FutureSqlStore(empty_database) as newer:
        assert newer.list_stacks() == [stack]
        assert newer.list_components() == components
        newer.register_component(component(T.ORCHESTRATOR, "after-upgrade"))
    state = snapshot(empty_database)
    assert versions(empty_database) == [("0002_test",)]
    assert "zen_test_notes" in state
    assert "description" in state["zen_stacks"][0]


def test_a_new_database_goes_straight_to_the_newest_head(empty_database):
    FutureSqlStore(empty_database).initialize()
    assert versions(empty_database) == [("0002_test",)]
    assert set(snapshot(empty_database)) == TABLES | {"zen_test_notes"}


def test_a_database_written_by_a_newer_zen_is_refused_untouched(empty_database):
    with FutureSqlStore(empty_database) as newer:
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
        assert "schema version '0002_test'" in message, name
        assert "a newer version of zen wrote it" in message
        assert "pip install --upgrade zen-sql-store" in message
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
        register_stack_with_components(store, "s")
    state = snapshot(empty_database)
    assert state["alembic_version"][1] == [("their-rev",)]
    assert versions(empty_database) == [(HEAD,)]


@pytest.mark.slow
def test_several_processes_opening_a_new_database_at_once(empty_database):
    """Each process finds the database empty; one creates the tables, none fails."""
    jobs = [(_register_then_delete, (prefix, 6)) for prefix in ("wa", "wb", "wc", "wd")]
    survivors = run_concurrently(partial(SqlStore, empty_database), jobs)
    with SqlStore(empty_database) as store:
        names = sorted(c.name for c in store.list_components())
    assert names == sorted(name for names in survivors for name in names)
    assert versions(empty_database) == [(HEAD,)]
