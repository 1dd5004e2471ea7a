"""PostgreSQL's reads on psycopg2 without SQLAlchemy (postgres_reads.py) answer as
SQLAlchemy's do, see every commit, and leave anything unusual to SQLAlchemy."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from zen_core.changes import StackChange
from zen_core.exceptions import StoreUnavailableError
from zen_core.models import ComponentType, Stack
from zen_core.testing.imports import zenml_imports
from zen_sql_store import postgres_reads, standing
from zen_sql_store.direct_reads import NotHere
from zen_sql_store.queries import COMPONENT_COLUMNS, STACKS, stacks_query
from zen_sql_store.rows import component_record, stack_records
from zen_sql_store.store import SqlStore
from zen_sql_store.urls import parse

pytestmark = pytest.mark.parametrize("backend", ["postgres"])


@pytest.fixture
def store(two_stacks):
    return two_stacks


def direct(store: SqlStore) -> postgres_reads.PostgresReads:
    return postgres_reads.PostgresReads(store.location, store.schema_head)


def test_records_are_those_sqlalchemy_reads(store):
    with store._ready().connect() as connection:
        every = stack_records(connection.execute(stacks_query()).all())
        names = sorted(connection.execute(select(STACKS.c.name)).scalars())
        components = [component_record(row, "db") for row in
                      connection.execute(select(*COMPONENT_COLUMNS)).all()]
        counts = connection.execute(text(standing.COUNTS_SQL), {"user": "nobody"}).all()
        roles = connection.execute(text(standing.ROLES_SQL), {"user": "nobody"}).all()
    fast = direct(store)
    try:
        listed = stack_records(fast.stack_rows())
        assert listed == every
        assert [(s.revision, s.created, s.updated) for s in listed] == [
            (s.revision, s.created, s.updated) for s in every]
        assert fast.find_stack("full") == every[1] and fast.find_stack("nope") is None
        assert fast.stack_names() == names == ["empty", "full"]
        fast_components = [component_record(row, "db", times=True)
                           for row in fast.component_rows()]
        assert sorted(fast_components, key=lambda c: (c.type, c.name)) == \
            sorted(components, key=lambda c: (c.type, c.name))
        assert [(c.created, c.updated) for c in fast_components] == \
            [(c.created, c.updated) for c in components]
        assert [c.name for c in fast_components if c.type == ComponentType.ORCHESTRATOR] == \
            [component_record(row, "db", times=True).name
             for row in fast.component_rows("orchestrator")]
        assert fast.standing("nobody") == standing.standing_of(counts, roles)
    finally:
        fast.close()


def test_every_commit_is_seen_on_the_kept_connection(store):
    """Autocommit: the connection kept between reads reads each statement's latest
    commit, made by any other store (another process, another replica)."""
    fast = direct(store)
    other = SqlStore(store.url)
    try:
        assert fast.stack_names() == ["empty", "full"]
        other.register_stack(Stack("new", {}))
        assert fast.stack_names() == ["empty", "full", "new"]
        other.update_stack("new", StackChange(labels={"team": "a"}))
        assert fast.find_stack("new").revision == 2
        other.delete_stack("new")
        assert fast.find_stack("new") is None
    finally:
        fast.close()
        other.close()


@pytest.mark.parametrize("version", ["0002", "9999"])
def test_a_schema_other_than_head_is_left_to_sqlalchemy(store, version):
    with store._ready().begin() as connection:
        connection.execute(text("UPDATE zen_schema_version SET version_num = :v"),
                           {"v": version})
    fast = direct(store)
    try:
        for read in (fast.stack_rows, fast.stack_names, lambda: fast.find_stack("full")):
            with pytest.raises(NotHere):
                read()
    finally:
        fast.close()
        with store._ready().begin() as connection:
            connection.execute(text("UPDATE zen_schema_version SET version_num = :v"),
                               {"v": store.schema_head})


def test_without_psycopg2_every_read_is_sqlalchemys(store, monkeypatch):
    monkeypatch.setitem(sys.modules, "psycopg2", None)  # `import psycopg2` fails
    fast = direct(store)
    with pytest.raises(NotHere):
        fast.stack_names()
    fresh = SqlStore(store.url)
    try:
        assert [s.name for s in fresh.list_stacks()] == ["empty", "full"]
        assert fresh.get_stack("full").revision == 2
    finally:
        fresh.close()


def test_options_libpq_does_not_take_are_left_to_sqlalchemy(store):
    """An option in the URL's query that libpq refuses: the read is SQLAlchemy's."""
    url = make_url(store.url).update_query_dict({"no_such_libpq_option": "1"})
    fast = postgres_reads.PostgresReads(parse(url.render_as_string(hide_password=False)),
                                        store.schema_head)
    with pytest.raises(NotHere):
        fast.stack_names()


def test_a_connection_the_server_closed_is_made_again(store):
    fast = direct(store)
    server = create_engine(make_url(store.url).set(drivername="postgresql+psycopg"),
                           isolation_level="AUTOCOMMIT")
    try:
        assert fast.stack_names() == ["empty", "full"]
        pid = fast._connection().get_backend_pid()
        with server.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        with pytest.raises(NotHere):  # the read that finds it dead goes to SQLAlchemy
            fast.stack_names()
        assert fast.stack_names() == ["empty", "full"]  # and the next one connects again
        assert fast._connection().get_backend_pid() != pid
    finally:
        fast.close()
        server.dispose()


def test_reading_stacks_imports_neither_sqlalchemy_nor_psycopg3(store):
    probe = (
        "import sys\n"
        "from zen_sql_store.store import SqlStore\n"
        f"store = SqlStore({store.url!r})\n"
        "print(len(store.list_stacks()), store.get_stack('full').name, store.stack_names())\n"
        "print(len(store.list_components()), store.standing('nobody').roles_in_use)\n"
        "print(sorted(m for m in ('sqlalchemy', 'psycopg', 'psycopg2') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["2 full ['empty', 'full']", "3 False",
                                          "['psycopg2']"]


def test_a_server_that_never_answers_is_waited_for_once(backend):
    """A connect that times out is reported by the psycopg2 path: SQLAlchemy's would
    connect again and wait as long once more."""
    accepted = []
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(0.2)
        port = server.getsockname()[1]
        done = threading.Event()

        def accept() -> None:
            while not done.is_set():
                try:
                    accepted.append(server.accept()[0])  # and never answer
                except TimeoutError:
                    pass

        thread = threading.Thread(target=accept, daemon=True)
        thread.start()
        store = SqlStore(f"postgresql://zen@127.0.0.1:{port}/zen?connect_timeout=1")
        try:
            with pytest.raises(StoreUnavailableError) as raised:
                store.list_stacks()
        finally:
            done.set()
            thread.join()
            store.close()
            for connection in accepted:
                connection.close()
    message = str(raised.value)
    assert message.startswith(f"Cannot use the PostgreSQL database 'zen' on 127.0.0.1:{port}")
    assert message.endswith("Check that the server is running and reachable from here, and "
                            "the host and port in the URL.")
    assert "\n" not in message
    assert len(accepted) == 1


def test_stack_list_on_a_postgresql_profile_imports_neither(store, tmp_path):
    """What a user runs: `zenml stack list` and `stack describe` on a PostgreSQL profile."""
    env = {**os.environ, "ZENML_CONFIG_PATH": str(tmp_path / "config")}

    def zenml(*args: str) -> tuple[str, str]:
        probed = zenml_imports(*args, watched=("sqlalchemy", "psycopg", "rich", "pydantic"),
                               env=env, cwd=tmp_path)
        return probed.stdout, ",".join(probed.loaded)

    zenml("profile", "create", "pg", "--store-type", "sql", "--url", store.url)
    listed, loaded = zenml("--profile", "pg", "stack", "list")
    assert "full" in listed and "empty" in listed
    assert loaded == ""
    described, loaded = zenml("--profile", "pg", "stack", "describe", "full")
    assert "'full' stack" in described
    assert loaded == ""


def test_reads_are_prepared_once_per_connection(store):
    fast = direct(store)
    try:
        for _ in range(3):
            assert fast.find_stack("full").revision == 2
            assert fast.stack_names() == ["empty", "full"]
        cursor = fast._connection().cursor()
        cursor.execute("SELECT name FROM pg_prepared_statements ORDER BY name")
        assert [row[0] for row in cursor.fetchall()] == ["zen_stack", "zen_stack_names"]
    finally:
        fast.close()


def test_a_server_that_keeps_no_prepared_statement_is_read_without(store):
    """A pooler (PgBouncer in transaction mode) may run each statement on another server
    connection, where the prepared statement does not exist: preparing is turned off."""
    fast = direct(store)
    try:
        assert fast.stack_names() == ["empty", "full"]
        fast._connection().cursor().execute("DEALLOCATE ALL")  # as another backend would be
        store.register_stack(Stack("new", {}))  # a commit: the next read runs its statement
        with pytest.raises(NotHere):  # this read goes to SQLAlchemy
            fast.stack_names()
        assert fast.stack_names() == ["empty", "full", "new"]  # the next ones: not prepared
        assert fast.find_stack("full").revision == 2
        cursor = fast._connection().cursor()
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cursor.fetchone()[0] == 0
    finally:
        fast.close()
