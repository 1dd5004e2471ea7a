"""A real deadlock on MariaDB and PostgreSQL: the store's write that the database chose to
abort runs again and succeeds, and the user never sees the race.

No monkeypatching: a second connection locks, in plain SQL, the rows the store's stack
update needs in the opposite order. The store's update locks the stack, then waits for a
component the other connection holds; the other connection then asks for the stack, and
the database breaks the cycle by aborting one of them. The store must be the one (the
other connection is made the heavier transaction, and waits longer before PostgreSQL
checks for deadlocks), so the test proves a retry, not luck. SQLite has no row locks:
one writer at a time cannot deadlock.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url

from zen_core.changes import StackChange
from zen_core.models import ComponentType
from zen_core.testing.contract import component, register_stack_with_components
from zen_sql_store.store import SqlStore
from zen_sql_store.urls import parse

T = ComponentType
#: The other connection's extra rows: the heavier transaction is the one MariaDB keeps.
BALLAST = 200
#: Seconds to wait for a step of the scenario before calling it failed.
PATIENCE = 60
#: Seconds between looks at the server's lock waits: MariaDB refreshes its view of them
#: (information_schema.innodb_trx) only when it was not read for 0.1 s.
POLL = 0.2


def waiting_for_a_lock(watch, backend: str, database: str) -> int:
    """How many transactions on ``database`` wait for a row lock now."""
    if backend == "postgres":
        query = ("SELECT count(*) FROM pg_stat_activity "
                 "WHERE datname = :db AND wait_event_type = 'Lock'")
    else:
        query = ("SELECT count(*) FROM information_schema.innodb_trx t "
                 "JOIN information_schema.processlist p ON p.id = t.trx_mysql_thread_id "
                 "WHERE t.trx_state = 'LOCK WAIT' AND p.db = :db")
    return watch.execute(text(query), {"db": database}).scalar_one()


def is_deadlock(error: BaseException) -> bool:
    """MariaDB's 1213, PostgreSQL's 40P01."""
    args = getattr(error, "args", ())
    return (bool(args) and args[0] == 1213) or getattr(error, "sqlstate", None) == "40P01"


@pytest.mark.parametrize("backend", ["mysql", "postgres"])
def test_the_store_runs_a_write_the_database_aborted_in_a_deadlock_again(store_url, backend):
    with SqlStore(store_url) as store:
        store.initialize()
        register_stack_with_components(store, "s")
        store.register_component(component(T.CONTAINER_REGISTRY, "reg"))

    url = make_url(store_url)
    other = create_engine(url.set(drivername=parse(store_url).sqlalchemy_drivername()))
    aborted: list[BaseException] = []

    def seen(context) -> None:  # errors on every engine of this process but ours
        if context.engine is not other and is_deadlock(context.original_exception):
            aborted.append(context.original_exception)

    event.listen(Engine, "handle_error", seen)
    outcome: list[BaseException | None] = []

    def update() -> None:
        try:
            with SqlStore(store_url) as store:
                store.update_stack("s", StackChange(set={T.CONTAINER_REGISTRY: "reg"}))
        except BaseException as err:
            outcome.append(err)
        else:
            outcome.append(None)

    try:
        with other.connect() as theirs, other.connect().execution_options(
                isolation_level="AUTOCOMMIT") as watch:
            if backend == "mysql":
                watch.execute(text("CREATE TABLE zen_test_ballast (n INT) ENGINE=InnoDB"))
            transaction = theirs.begin()
            if backend == "postgres":
                # the store's backend, waiting since before, checks first and aborts itself
                theirs.execute(text("SET LOCAL deadlock_timeout = '20s'"))
                theirs.execute(text(f"SET LOCAL lock_timeout = '{PATIENCE}s'"))
            else:
                # MariaDB aborts the transaction that changed fewer rows
                theirs.execute(text(f"SET SESSION innodb_lock_wait_timeout = {PATIENCE}"))
                theirs.execute(text("INSERT INTO zen_test_ballast (n) VALUES (:n)"),
                               [{"n": n} for n in range(BALLAST)])
            theirs.execute(text("SELECT id FROM zen_components WHERE type = 'container_registry' "
                                "AND name = 'reg' FOR UPDATE"))
            racer = threading.Thread(target=update, daemon=True)
            racer.start()
            deadline = time.monotonic() + PATIENCE
            while not waiting_for_a_lock(watch, backend, url.database):
                assert racer.is_alive(), f"the update did not wait for the component: {outcome}"
                assert time.monotonic() < deadline, "the update never waited for a lock"
                time.sleep(POLL)
            # the store holds the stack and waits for the component: ask for the stack
            theirs.execute(text("SELECT id FROM zen_stacks WHERE name = 's' FOR UPDATE"))
            transaction.commit()
            racer.join(PATIENCE)
            if backend == "mysql":
                watch.execute(text("DROP TABLE zen_test_ballast"))
    finally:
        event.remove(Engine, "handle_error", seen)
        other.dispose()

    assert aborted, "no deadlock happened: the scenario tested nothing"
    assert outcome == [None], f"the store gave up on a deadlock: {outcome}"
    with SqlStore(store_url) as store:
        stack = store.get_stack("s")
    assert stack.components[T.CONTAINER_REGISTRY] == "reg"
    assert stack.revision == 2  # written once, not twice
