"""Connections to a database server: not pinged before each use, yet a connection the
server dropped (a restart, an idle timeout, an admin's kill) costs the user nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from zen_core.changes import StackChange
from zen_core.models import ComponentType, Stack
from zen_core.testing.helpers import register_stack_with_components
from zen_sql_store.store import SqlStore

SERVERS = ("mysql", "postgres")


def _kill_connections(databases, backend: str, url: str) -> int:
    """End every server connection to ``url``'s database; how many there were."""
    server = databases.server(backend)
    name = make_url(url).database
    with server.admin.connect() as admin:
        if backend == "postgres":
            rows = admin.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name}).all()
            return len(rows)
        ids = admin.execute(text(
            "SELECT id FROM information_schema.processlist WHERE db = :name "
            "AND id <> CONNECTION_ID()"), {"name": name}).scalars().all()
        for found in ids:
            admin.execute(text(f"KILL {int(found)}"))
        return len(ids)


@pytest.mark.parametrize("backend", SERVERS)
def test_reads_and_writes_survive_dropped_connections(backend, databases):
    url = databases.new(backend)
    store = SqlStore(url)
    store.initialize()
    register_stack_with_components(store, "s", None, ComponentType.CONTAINER_REGISTRY)
    assert store.get_stack("s").name == "s"  # a pooled connection now exists

    assert _kill_connections(databases, backend, url) >= 1
    assert store.get_stack("s").name == "s"
    assert [s.name for s in store.list_stacks()] == ["s"]

    _kill_connections(databases, backend, url)
    store.update_stack("s", StackChange(remove=[ComponentType.CONTAINER_REGISTRY]))
    assert store.get_stack("s").revision == 2
    store.close()


@pytest.mark.parametrize("backend", SERVERS)
def test_a_read_sees_what_another_store_committed_at_once(backend, databases):
    url = databases.new(backend)
    reader, writer = SqlStore(url), SqlStore(url)
    reader.initialize()
    register_stack_with_components(writer, "one")
    assert [s.name for s in reader.list_stacks()] == ["one"]
    writer.register_stack(Stack("two", dict(writer.get_stack("one").components)))
    assert [s.name for s in reader.list_stacks()] == ["one", "two"]
    assert reader.get_stack("two").revision == 1
    reader.close()
    writer.close()
