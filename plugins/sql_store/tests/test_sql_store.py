"""What only a SQL store has to keep: the database enforces the rules, races end in the
contract's errors, data round-trips through JSON text, SQLite runs in WAL mode."""

from __future__ import annotations

import json
import sqlite3
import stat
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import pytest
from sqlalchemy import create_engine, exc, text
from sqlalchemy.engine import make_url

from zen_core.changes import ComponentChange, StackChange
from zen_core.exceptions import ComponentExistsError, InvalidDataError, StackExistsError
from zen_core.models import Component, ComponentType, Stack
from zen_core.testing.contract import component, register_stack_with_components
from zen_core.testing.helpers import RecordingRules
from zen_core.writes import RegisterComponent, RegisterStack, UpdateComponent, UpdateStack
from zen_sql_store.store import SqlStore
from zen_sql_store.transaction import SqlTransaction
from zen_sql_store.urls import parse

T = ComponentType


def count(connection, table: str) -> int:
    return connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one()


# --- the database itself refuses what the contract forbids ---------------------------------
def insert_component(connection, type: str, name: str) -> None:
    connection.execute(text(
        "INSERT INTO zen_components (type, name, flavor, uuid, config) "
        "VALUES (:type, :name, 'local', 'u', '{}')"), {"type": type, "name": name})


def test_database_refuses_a_duplicate_component(store, raw):
    store.register_component(component(T.ORCHESTRATOR, "dup"))
    with pytest.raises(exc.IntegrityError):
        insert_component(raw, "orchestrator", "dup")


def test_database_refuses_a_duplicate_stack(store, raw):
    register_stack_with_components(store, "dup")
    with pytest.raises(exc.IntegrityError):
        raw.execute(text("INSERT INTO zen_stacks (name) VALUES ('dup')"))


def test_database_refuses_a_stack_member_of_the_wrong_type(store, raw):
    register_stack_with_components(store, "s")
    stack_id = raw.execute(text("SELECT id FROM zen_stacks WHERE name = 's'")).scalar_one()
    orchestrator = raw.execute(text(
        "SELECT id FROM zen_components WHERE type = 'orchestrator'")).scalar_one()
    with pytest.raises(exc.IntegrityError):
        raw.execute(text(
            "INSERT INTO zen_stack_components (stack_id, component_type, component_id) "
            "VALUES (:s, 'container_registry', :c)"), {"s": stack_id, "c": orchestrator})


def test_database_refuses_a_stack_member_that_is_not_registered(store, raw):
    """What a hand edit can leave in the local store's file (a stack naming a component that
    is not there) a foreign key keeps out of a database."""
    register_stack_with_components(store, "s")
    stack_id = raw.execute(text("SELECT id FROM zen_stacks WHERE name = 's'")).scalar_one()
    missing = raw.execute(text("SELECT MAX(id) + 1 FROM zen_components")).scalar_one()
    with pytest.raises(exc.IntegrityError):
        raw.execute(text(
            "UPDATE zen_stack_components SET component_id = :c "
            "WHERE stack_id = :s AND component_type = 'orchestrator'"),
            {"s": stack_id, "c": missing})


def test_database_refuses_to_delete_a_used_component(store, raw):
    register_stack_with_components(store, "s")
    with pytest.raises(exc.IntegrityError):
        raw.execute(text("DELETE FROM zen_components WHERE type = 'orchestrator'"))


# --- a lost race ends in the contract's error, never a duplicate --------------------------------
def test_insert_race_is_reported_as_already_exists(store, monkeypatch):
    store.register_component(component(T.ORCHESTRATOR, "raced", {"first": True}))
    # Another process commits between our check and our insert: the check saw nothing.
    real = SqlTransaction._existing_components
    calls = []

    def blind_once(self, keys):
        calls.append(keys)
        return set() if len(calls) == 1 else real(self, keys)

    monkeypatch.setattr(SqlTransaction, "_existing_components", blind_once)
    with pytest.raises(ComponentExistsError, match="'raced'"):
        store.register_component(component(T.ORCHESTRATOR, "raced", {"second": True}))
    assert len(calls) == 2  # the insert failed, the transaction ran again and saw the row
    assert store.retries == 1
    assert [c.config for c in store.list_components()] == [{"first": True}]


def test_a_real_insert_race_is_reported_as_already_exists(store, store_url, backend):
    """No monkeypatching: another connection inserts the same name and commits while our
    register waits for it. On a server our check saw nothing (the row was not committed),
    so the database refuses our insert and the store maps that to the contract's error;
    on SQLite our write waits for the lock and then sees the row."""
    other = create_engine(make_url(store_url).set(
        drivername=store.location.sqlalchemy_drivername()))
    outcome: list[BaseException | None] = []

    def register() -> None:
        try:
            store.register_component(component(T.ORCHESTRATOR, "raced", {"ours": True}))
        except BaseException as err:
            outcome.append(err)
        else:
            outcome.append(None)

    with other.connect() as connection:
        transaction = connection.begin()
        connection.execute(text(
            "INSERT INTO zen_components (type, name, flavor, uuid, config) "
            "VALUES ('orchestrator', 'raced', 'local', 'theirs', '{\"theirs\": true}')"))
        racer = threading.Thread(target=register)
        racer.start()
        racer.join(1.0)
        assert racer.is_alive(), f"did not wait for the other insert: {outcome}"
        transaction.commit()
    racer.join(60)
    other.dispose()
    [error] = outcome
    assert isinstance(error, ComponentExistsError), error
    assert "'raced'" in str(error)
    assert [(c.uuid, c.config) for c in store.list_components()] == [("theirs", {"theirs": True})]
    if backend != "sqlite":  # the database refused our insert, and the write ran again
        assert store.retries >= 1, "the database never refused the duplicate: no race"


def test_insert_race_that_never_resolves_still_says_already_exists(store, monkeypatch):
    store.register_component(component(T.ORCHESTRATOR, "raced"))
    monkeypatch.setattr(SqlTransaction, "_existing_components", lambda *a: set())
    with pytest.raises(ComponentExistsError, match="'raced'"):
        store.register_component(component(T.ORCHESTRATOR, "raced", {"second": True}))
    assert len(store.list_components()) == 1


def test_a_lost_race_in_a_batch_reruns_the_whole_batch(store, monkeypatch):
    """The rerun applies every write again, rules included, on what the other committed."""
    store.register_component(component(T.ORCHESTRATOR, "raced"))
    real = SqlTransaction._existing_stacks
    calls = []

    def blind_once(self, names):
        calls.append(names)
        return set() if len(calls) == 1 else real(self, names)

    register_stack_with_components(store, "taken", "c")
    monkeypatch.setattr(SqlTransaction, "_existing_stacks", blind_once)
    rules = RecordingRules()
    with pytest.raises(StackExistsError, match="'taken'"):
        store.apply([
            RegisterComponent(component(T.ARTIFACT_STORE, "new")),
            RegisterStack(Stack("taken", {T.ORCHESTRATOR: "raced"})),
        ], rules)
    assert [c.name for c in rules.components] == ["new", "new"]  # run twice
    assert [c.name for c in store.list_components(T.ARTIFACT_STORE)] == ["c"]
    assert store.get_stack("taken").components[T.ORCHESTRATOR] == "c"


# --- data -----------------------------------------------------------------------------------
def test_names_are_case_sensitive(store):
    # MySQL compares case-insensitively by default; the tables use a binary collation.
    for name in ("prod", "Prod", "PROD"):
        store.register_component(component(T.ORCHESTRATOR, name, {"label": name}))
    assert [c.name for c in store.list_components()] == ["PROD", "Prod", "prod"]
    assert store.get_component(T.ORCHESTRATOR, "Prod").config == {"label": "Prod"}
    register_stack_with_components(store, "Stack", "c1")
    register_stack_with_components(store, "stack", "c2")
    assert store.stack_names() == ["Stack", "stack"]


def test_config_is_stored_as_json_text(store, raw):
    config = {"path": "/data/é/🚀", "n": 2**40, "nested": {"l": [1, None, True]}}
    store.register_component(component(T.ARTIFACT_STORE, "a", config))
    stored = raw.execute(text(
        "SELECT config FROM zen_components WHERE name = 'a'")).scalar_one()
    assert json.loads(stored) == config
    assert store.get_component(T.ARTIFACT_STORE, "a").config == config


def test_a_large_config(store):
    config = {"blob": "x" * 200_000}  # beyond MySQL's TEXT (64 KiB)
    store.register_component(component(T.ARTIFACT_STORE, "big", config))
    assert store.get_component(T.ARTIFACT_STORE, "big").config == config


def test_longest_names(store):
    name = "n" * 100
    register_stack_with_components(store, name)
    assert store.get_stack(name).components[T.ORCHESTRATOR] == name


def test_config_that_is_not_json_serializable(store):
    with pytest.raises(InvalidDataError, match="'odd' cannot be stored"):
        store.register_component(component(T.ORCHESTRATOR, "odd", {"when": object()}))
    assert store.list_components() == []


def test_a_broken_row_names_the_component(store, raw):
    store.register_component(component(T.ORCHESTRATOR, "broken"))
    raw.execute(text("UPDATE zen_components SET config = '{not json' WHERE name = 'broken'"))
    raw.commit()
    with pytest.raises(InvalidDataError, match="orchestrator 'broken'"):
        store.get_component(T.ORCHESTRATOR, "broken")


# --- connections ----------------------------------------------------------------------------
def test_a_closed_store_opens_again(store):
    register_stack_with_components(store, "s")
    store.close()
    assert store.stack_names() == ["s"]
    store.close()
    store.close()


def test_one_store_shared_by_threads(store):
    """The service handles requests in threads, all on one store."""
    def register(i: int) -> None:
        store.register_component(component(T.ORCHESTRATOR, f"t{i:02d}"))
        store.register_stack(Stack(f"s{i:02d}", {T.ORCHESTRATOR: f"t{i:02d}"}))
        assert store.get_stack(f"s{i:02d}").components == {T.ORCHESTRATOR: f"t{i:02d}"}

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(register, range(32)))
    assert len(store.list_components()) == 32
    assert len(store.stack_names()) == 32


def test_sqlite_uses_wal_and_a_busy_timeout(tmp_path):
    store = SqlStore(f"sqlite:///{tmp_path / 'zenml.db'}")
    store.initialize()
    engine = store._ready()
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    store.close()


def test_a_new_sqlite_file_is_born_in_wal_mode(tmp_path):
    """The cause of "database is locked" when processes open a new database at once:
    turning a file to WAL needs exclusive access, which SQLite does not wait for. zen
    makes the file in WAL mode before any other process can see it, so no one turns it."""
    from zen_sql_store.engine import prepare_sqlite_file

    path = tmp_path / "new" / "zenml.db"
    prepare_sqlite_file(str(path))  # what initialize() does first; nothing connects yet
    header = path.read_bytes()[:20]
    assert header[:16] == b"SQLite format 3\x00"
    assert header[18:20] == b"\x02\x02", "not in WAL mode on disk"
    assert sorted(p.name for p in path.parent.iterdir()) == ["zenml.db"]  # nothing left over
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_switching_an_existing_file_to_wal_waits_for_the_lock(tmp_path):
    """A rollback-journal database (made by another tool) is switched to WAL, waiting for
    a writer to finish: SQLite itself fails at once there, busy timeout or not."""
    path = tmp_path / "other-tool.db"
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer.execute("CREATE TABLE theirs (x)")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO theirs VALUES (1)")

    plain = sqlite3.connect(path, isolation_level=None, timeout=30)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        plain.execute("PRAGMA journal_mode = WAL")  # no waiting: the cause of the race
    plain.close()

    release = threading.Timer(0.5, writer.execute, ("COMMIT",))
    release.start()
    started = time.monotonic()
    with SqlStore(f"sqlite:///{path}") as store:
        store.initialize()  # a file that is no zen store yet: only initialize() makes it one
        store.register_component(component(T.ORCHESTRATOR, "o"))
        assert time.monotonic() - started >= 0.4
        with store._ready().connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    release.join()
    assert writer.execute("SELECT x FROM theirs").fetchall() == [(1,)]
    writer.close()


def test_the_seed_sqlite_url_is_an_absolute_path(tmp_path, monkeypatch):
    """``sqlite:///tmp/zenml/zenml.db`` is /tmp/zenml/zenml.db from any folder."""
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "abs" / "zenml.db"
    url = f"sqlite://{target}"  # three slashes and a path without its leading one
    assert url.startswith("sqlite:///") and not url.startswith("sqlite:////")
    with SqlStore(url) as store:
        store.initialize()
        store.register_component(Component(T.ORCHESTRATOR, "local", "o"))
    assert target.is_file()
    assert not (tmp_path / str(target).lstrip("/")).exists()
    assert parse(url).sqlite_path == str(target)


# --- times ------------------------------------------------------------------------------------
def test_times_are_utc_to_the_microsecond(store, raw):
    written = store.register_component(component(T.ORCHESTRATOR, "o"))
    stored = raw.execute(text("SELECT created FROM zen_components WHERE name = 'o'")).scalar_one()
    if isinstance(stored, str):  # SQLite keeps DATETIME as text
        stored = datetime.fromisoformat(stored)
    if stored.tzinfo is None:  # MySQL, SQLite: the UTC wall time
        stored = stored.replace(tzinfo=timezone.utc)
    assert stored == datetime.fromisoformat(written.created.replace("Z", "+00:00"))
    assert store.get_component(T.ORCHESTRATOR, "o").created == written.created


def test_a_stacks_times_read_as_written(store):
    """A stack's times are formatted by the database itself (schema.TimeText)."""
    register_stack_with_components(store, "s")
    changed = store.update_stack("s", StackChange(remove=[T.CONTAINER_REGISTRY]))
    assert changed.updated != changed.created
    for read in (store.get_stack("s"), *store.list_stacks()):
        assert (read.created, read.updated) == (changed.created, changed.updated)


@pytest.mark.parametrize("backend", ["postgres"])  # the one that converts them to it
def test_times_do_not_depend_on_the_session_time_zone(store, backend):
    written = store.register_component(component(T.ORCHESTRATOR, "o"))
    zoned = f"{store.url}?options=-c%20timezone%3DAsia%2FKolkata"
    with SqlStore(zoned) as other:
        assert other.get_component(T.ORCHESTRATOR, "o").created == written.created
        again = other.update_component(T.ORCHESTRATOR, "o", ComponentChange(set={"a": 1}))
        stack = store.register_stack(Stack("s", {T.ORCHESTRATOR: "o"}))
        assert [(s.created, s.updated) for s in other.list_stacks()] == [
            (stack.created, stack.updated)]
    assert store.get_component(T.ORCHESTRATOR, "o").updated == again.updated


# --- locks: the rules judge committed state -----------------------------------------------
def start(call) -> threading.Thread:
    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    return thread


def test_a_stack_write_waits_for_an_uncommitted_update_of_a_member(store):
    register_stack_with_components(store, "s")
    store.register_component(component(T.CONTAINER_REGISTRY, "reg", {"v": 1}))
    rules = RecordingRules()
    assert store._writer is not None
    with store._writer.begin() as connection:  # another writer, not committed yet
        SqlTransaction(store, connection, None).apply(UpdateComponent(
            T.CONTAINER_REGISTRY, "reg", ComponentChange(set={"v": 2})))
        thread = start(lambda: store.update_stack(
            "s", StackChange(set={T.CONTAINER_REGISTRY: "reg"}), rules))
        thread.join(0.5)
        assert thread.is_alive()  # it waits for the other writer
    thread.join(30)
    assert not thread.is_alive()
    _, members = rules.stacks[-1]
    assert members[T.CONTAINER_REGISTRY].config == {"v": 2}  # ...and then sees its commit
    assert store.get_stack("s").components[T.CONTAINER_REGISTRY] == "reg"


def test_a_component_update_waits_for_an_uncommitted_stack_write_using_it(store):
    register_stack_with_components(store, "s")
    store.register_component(component(T.CONTAINER_REGISTRY, "reg", {"v": 1}))
    rules = RecordingRules()
    assert store._writer is not None
    with store._writer.begin() as connection:
        SqlTransaction(store, connection, None).apply(UpdateStack(
            "s", StackChange(set={T.CONTAINER_REGISTRY: "reg"})))
        thread = start(lambda: store.update_component(
            T.CONTAINER_REGISTRY, "reg", ComponentChange(set={"v": 2}), rules))
        thread.join(0.5)
        assert thread.is_alive()
    thread.join(30)
    assert not thread.is_alive()
    # the update checked the stack that uses the component now, with the new config
    stack, members = rules.stacks[-1]
    assert stack.name == "s" and members[T.CONTAINER_REGISTRY].config == {"v": 2, "checked": True}
    assert store.get_component(T.CONTAINER_REGISTRY, "reg").revision == 2


# --- batches: runs of registrations go set-wise ----------------------------------------------
def test_a_big_batch_of_registrations_is_written_whole_with_rules_and_history(store):
    """More records than one IN list takes (transaction.CHUNK): every record, its members,
    revision and times, one event each; the rules ran once per record."""
    n = 1000
    writes = [RegisterComponent(component(T.ORCHESTRATOR, f"o{i}")) for i in range(n)]
    writes += [RegisterComponent(component(T.ARTIFACT_STORE, f"a{i}", {"path": f"/a/{i}"}))
               for i in range(n)]
    writes.append(RegisterComponent(component(T.METADATA_STORE, "m")))
    writes += [RegisterStack(Stack(f"s{i}", {T.ORCHESTRATOR: f"o{i}", T.ARTIFACT_STORE: f"a{i}",
                                             T.METADATA_STORE: "m"})) for i in range(n)]
    rules = RecordingRules()
    written = store.apply(writes, rules)
    assert len(written) == len(writes) and all(w.revision == 1 and w.created for w in written)
    assert len(rules.components) == 2 * n + 1 and len(rules.stacks) == n
    stacks = store.list_stacks()
    assert [s.name for s in stacks] == sorted(f"s{i}" for i in range(n))
    assert store.get_stack("s999").components == {
        T.ORCHESTRATOR: "o999", T.ARTIFACT_STORE: "a999", T.METADATA_STORE: "m"}
    assert store.get_component(T.ARTIFACT_STORE, "a7").config == {"path": "/a/7", "checked": True}
    assert store.get_component(T.ARTIFACT_STORE, "a7").updated == written[n + 7].updated
    assert sorted(store.stacks_using(T.METADATA_STORE, "m")) == sorted(s.name for s in stacks)
    events, total = store.list_events(limit=1)
    assert total == len(writes) and events[0].name == "s999"


@pytest.mark.parametrize("bad", ["duplicate component", "duplicate stack", "missing member"])
def test_a_big_batch_with_one_bad_write_writes_nothing(store, bad):
    store.register_component(component(T.METADATA_STORE, "m"))
    writes = [RegisterComponent(component(T.ORCHESTRATOR, f"o{i}")) for i in range(1000)]
    stacks = [RegisterStack(Stack(f"s{i}", {T.ORCHESTRATOR: f"o{i}", T.METADATA_STORE: "m"}))
              for i in range(1000)]
    if bad == "duplicate component":
        writes.insert(950, RegisterComponent(component(T.ORCHESTRATOR, "o3")))
        error, match = ComponentExistsError, "'o3'"
    elif bad == "duplicate stack":
        stacks.insert(990, RegisterStack(Stack("s4", {T.ORCHESTRATOR: "o5"})))
        error, match = StackExistsError, "'s4'"
    else:
        stacks.insert(500, RegisterStack(Stack("lost", {T.ORCHESTRATOR: "nowhere"})))
        error, match = KeyError, "'nowhere'"
    with pytest.raises(error, match=match):
        store.apply(writes + stacks)
    assert [c.name for c in store.list_components()] == ["m"]
    assert store.list_stacks() == []
    assert store.list_events()[1] == 1
