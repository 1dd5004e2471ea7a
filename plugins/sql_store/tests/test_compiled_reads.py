"""The stack reads on the DBAPI cursor (compiled_reads.py) give SQLAlchemy's rows, on
every database, and its errors."""

from __future__ import annotations

import pytest
from sqlalchemy import bindparam, exc, select, text

from zen_core.exceptions import StackNotFoundError
from zen_core.models import ComponentType
from zen_sql_store.compiled_reads import CompiledRead, ListRead, named_rows, pooled_rows
from zen_sql_store.direct_reads import NotHere
from zen_sql_store.queries import STACKS, stacks_query
from zen_sql_store.store import SqlStore

#: The server's id of the connection a statement runs on.
CONNECTION_ID = {"postgres": "SELECT pg_backend_pid()", "mysql": "SELECT CONNECTION_ID()"}


@pytest.fixture
def store(two_stacks):
    return two_stacks


def test_rows_are_those_sqlalchemy_executes(store):
    reads = store._stack_reads
    assert reads is not None
    with store._ready().connect() as connection:
        for compiled, statement, values in [
            (reads.every, stacks_query(), {}),
            (reads.one, stacks_query("full"), {"stack_name": "full"}),
            (reads.names, select(STACKS.c.name), {}),
        ]:
            expected = sorted(tuple(row) for row in connection.execute(statement))
            assert sorted(compiled.rows(connection, **values)) == expected
            assert expected
            if not store.location.is_sqlite:
                assert sorted(pooled_rows(store._engine, compiled, values,
                                          autocommit=store._autocommit_reads)) == expected
        assert reads.one.rows(connection, stack_name="nope") == []


def test_the_reads_through_the_store(store):
    assert [s.name for s in store.list_stacks()] == ["empty", "full"]
    full = store.get_stack("full")
    assert full.revision == 2 and ComponentType.CONTAINER_REGISTRY not in full.components
    assert full.created < full.updated
    assert store.stack_names() == ["empty", "full"]
    with pytest.raises(StackNotFoundError, match="Available stacks: 'empty', 'full'\\."):
        store.get_stack("nope")


def test_the_name_list_reads_are_those_sqlalchemy_executes(store):
    """A run of registrations reads names in chunks (named_rows): every chunk size gives
    SQLAlchemy's rows for the same list, names that are not there included."""
    from zen_sql_store.transaction import _components_named, _stacks_named

    names = ["empty", "full", "nope", "z-missing"]  # as callers give them: sorted, once
    with store._ready().connect() as connection:
        if connection.dialect.name != "postgresql":  # PostgreSQL: one array parameter
            assert ListRead.made(_components_named(bindparam("names", expanding=True)),
                                 connection.dialect) is not None
        for statement, key, values in [(_components_named, "components", {"t": "orchestrator"}),
                                       (_stacks_named, "stacks", {})]:
            for wanted in (names, ["empty", "full", "nope"]):
                expected = sorted(tuple(row) for row in connection.execute(
                    statement(wanted), values))
                assert expected  # 'full' is a component and a stack
                for chunk in (1, 2, 900):
                    assert sorted(named_rows(connection, f"test {key}", statement, wanted,
                                             chunk, **values)) == expected


def test_a_driver_error_is_raised_as_sqlalchemy_would(store):
    with store._ready().connect() as connection:
        broken = CompiledRead(text("SELECT no_such_column FROM zen_stacks"), connection.dialect)
        with pytest.raises(exc.DBAPIError) as raised:
            broken.rows(connection)
        assert not raised.value.connection_invalidated
        assert raised.value.statement == broken.sql



#: SQLite's reads are the stdlib's (sqlite_reads.py): pooled reads exist on servers alone.
ON_SERVERS = pytest.mark.parametrize("backend", ["mysql", "postgres"])


@pytest.fixture
def server_store(backend, store):
    assert backend != "sqlite", "a test of pooled reads runs ON_SERVERS"
    return store


def _connection_id(store: SqlStore, backend: str) -> int:
    read = CompiledRead(text(CONNECTION_ID[backend]), store._engine.dialect)
    return pooled_rows(store._engine, read, {}, autocommit=store._autocommit_reads)[0][0]


@ON_SERVERS
def test_a_pooled_read_leaves_its_connection_ready_for_a_write(server_store, backend):
    """PostgreSQL's pooled reads switch autocommit on: it is off again for the next user
    of the connection (a write, whose transaction must stay one)."""
    store = server_store
    assert store._autocommit_reads == (backend == "postgres")
    before = _connection_id(store, backend)
    store.list_stacks()
    store.get_stack("full")
    assert _connection_id(store, backend) == before  # one pooled connection, reused
    connection = store._engine.raw_connection()
    try:
        if backend == "postgres":
            assert connection.driver_connection.autocommit is False
        cursor = connection.cursor()
        cursor.execute("UPDATE zen_stacks SET revision = 99")
        connection.rollback()
    finally:
        connection.close()
    assert store.get_stack("full").revision == 2


@ON_SERVERS
def test_a_driver_error_drops_the_pooled_connection(server_store, backend):
    store = server_store
    before = _connection_id(store, backend)
    broken = CompiledRead(text("SELECT no_such_column FROM zen_stacks"), store._engine.dialect)
    with pytest.raises(NotHere):
        pooled_rows(store._engine, broken, {}, autocommit=store._autocommit_reads)
    assert _connection_id(store, backend) != before
    assert [s.name for s in store.list_stacks()] == ["empty", "full"]


@ON_SERVERS
def test_no_server_to_connect_to_is_raised_at_once(server_store):
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    url = make_url(str(server_store._engine.url)).set(host="127.0.0.1", port=1)
    engine = create_engine(url)
    try:
        read = CompiledRead(select(STACKS.c.name), engine.dialect)
        with pytest.raises(exc.OperationalError):
            pooled_rows(engine, read, {}, autocommit=False)
    finally:
        engine.dispose()
