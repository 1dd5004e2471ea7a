"""The stack reads on the DBAPI cursor (compiled_reads.py) give SQLAlchemy's rows, on
every database, and its errors."""

from __future__ import annotations

import pytest
from sqlalchemy import exc, select, text

from zen_core.exceptions import StackNotFoundError
from zen_core.models import ComponentType, Stack, StackChange
from zen_core.testing.contract import register_stack_with_components
from zen_sql_store.queries import STACKS, stacks_query
from zen_sql_store.store import SqlStore


@pytest.fixture
def store(store_url):
    store = SqlStore(store_url)
    store.initialize()
    register_stack_with_components(store, "full")
    store.register_stack(Stack("empty", {}))
    store.update_stack("full", StackChange(remove={ComponentType.CONTAINER_REGISTRY}))
    yield store
    store.close()


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
        assert reads.one.rows(connection, stack_name="nope") == []


def test_the_reads_through_the_store(store):
    assert [s.name for s in store.list_stacks()] == ["empty", "full"]
    full = store.get_stack("full")
    assert full.revision == 2 and ComponentType.CONTAINER_REGISTRY not in full.components
    assert full.created < full.updated
    assert store.stack_names() == ["empty", "full"]
    with pytest.raises(StackNotFoundError, match="Available stacks: 'empty', 'full'\\."):
        store.get_stack("nope")


def test_a_driver_error_is_raised_as_sqlalchemy_would(store):
    from zen_sql_store.compiled_reads import CompiledRead

    with store._ready().connect() as connection:
        broken = CompiledRead(text("SELECT no_such_column FROM zen_stacks"), connection.dialect)
        with pytest.raises(exc.DBAPIError) as raised:
            broken.rows(connection)
        assert not raised.value.connection_invalidated
        assert raised.value.statement == broken.sql

