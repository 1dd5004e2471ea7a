"""What only the SQL store has to keep for accounts and history: the database itself cascades
and refuses, every read is one query, stores over one database share everything, and the
history is numbered 1, 2, 3 ... in commit order with several processes writing at once."""

from __future__ import annotations

import time
from functools import partial
from statistics import median

import pytest
from sqlalchemy import event, exc, text

from zen_core.account_records import ApiKey, Event, RoleAssignment, Team, User
from zen_core.exceptions import TeamExistsError, TeamNotFoundError, UserNotFoundError
from zen_core.models import ComponentType
from zen_core.testing.contract import component, run_concurrently
from zen_core.writes import (
    AddTeamMember,
    AssignRole,
    CreateApiKey,
    CreateTeam,
    CreateUser,
    DeleteUser,
    RegisterComponent,
    RevokeApiKey,
)
from zen_sql_store import history
from zen_sql_store.store import SqlStore

T = ComponentType


def key(user: str, name: str, key_id: str) -> ApiKey:
    return ApiKey(user, name, key_id, "f" * 64)


def people(store: SqlStore) -> None:
    """ann and bob; team ops with bob; roles for bob and ops; a key each."""
    store.apply([
        CreateUser(User("ann")), CreateUser(User("bob")), CreateTeam(Team("ops", ["bob"])),
        AssignRole(RoleAssignment("viewer", user="bob")),
        AssignRole(RoleAssignment("admin", user="ann")),
        AssignRole(RoleAssignment("editor", team="ops")),
        CreateApiKey(key("bob", "laptop", "b" * 12)), CreateApiKey(key("ann", "ci", "a" * 12)),
    ])


def rows(connection, query: str) -> list[tuple]:
    return sorted(tuple(row) for row in connection.execute(text(query)))


# --- the database cascades and refuses ---------------------------------------------------------
def test_deleting_a_user_row_cascades_in_the_database(store, raw):
    people(store)
    raw.execute(text("DELETE FROM zen_users WHERE name = 'bob'"))  # not through the store
    raw.commit()
    assert store.get_team("ops").members == []
    assert store.list_role_assignments() == [RoleAssignment("admin", user="ann"),
                                             RoleAssignment("editor", team="ops")]
    assert [k.name for k in store.list_api_keys()] == ["ci"]
    assert rows(raw, "SELECT COUNT(*) FROM zen_team_members") == [(0,)]


def test_deleting_a_team_row_cascades_in_the_database(store, raw):
    people(store)
    raw.execute(text("DELETE FROM zen_teams WHERE name = 'ops'"))
    raw.commit()
    assert [u.name for u in store.list_users()] == ["ann", "bob"]  # members stay
    assert store.list_role_assignments() == [RoleAssignment("admin", user="ann"),
                                             RoleAssignment("viewer", user="bob")]
    assert rows(raw, "SELECT COUNT(*) FROM zen_team_members") == [(0,)]
    assert rows(raw, "SELECT COUNT(*) FROM zen_team_roles") == [(0,)]


def test_the_store_deletes_a_user_with_one_statement(store):
    people(store)
    statements = recorded_statements(store, lambda: store.apply([DeleteUser("bob")]))
    deletes = [s for s in statements if s.lstrip().upper().startswith("DELETE")]
    assert len(deletes) == 1 and "zen_users" in deletes[0]
    assert store.list_api_keys("bob") == [] and store.get_team("ops").members == []


def user_id(raw, name: str) -> int:
    return raw.execute(text("SELECT id FROM zen_users WHERE name = :n"), {"n": name}).scalar_one()


@pytest.mark.parametrize("statement", [
    "INSERT INTO zen_users (name, uuid) VALUES ('ann', 'u')",
    "INSERT INTO zen_teams (name) VALUES ('ops')",
    "INSERT INTO zen_team_members (team_id, user_id) VALUES (:team, :nobody)",
    "INSERT INTO zen_team_members (team_id, user_id) VALUES (:team, :bob)",
    "INSERT INTO zen_user_roles (user_id, role) VALUES (:bob, 'viewer')",
    "INSERT INTO zen_team_roles (team_id, role) VALUES (:team, 'editor')",
    "INSERT INTO zen_user_roles (user_id, role) VALUES (:nobody, 'viewer')",
    "INSERT INTO zen_api_keys (key_id, user_id, name, secret_hash) "
    "VALUES ('cccccccccccc', :bob, 'laptop', 'h')",  # (user, name) taken
    "INSERT INTO zen_api_keys (key_id, user_id, name, secret_hash) "
    "VALUES ('aaaaaaaaaaaa', :bob, 'other', 'h')",  # key_id taken
    "INSERT INTO zen_api_keys (key_id, user_id, name, secret_hash) "
    "VALUES ('dddddddddddd', :nobody, 'k', 'h')",
], ids=["user name", "team name", "member not a user", "member twice", "user role twice",
        "team role twice", "role of no user", "key name twice", "key id twice", "key of no user"])
def test_the_database_refuses_what_the_contract_forbids(store, raw, statement):
    people(store)
    team = raw.execute(text("SELECT id FROM zen_teams WHERE name = 'ops'")).scalar_one()
    params = {"team": team, "bob": user_id(raw, "bob"), "nobody": 10**6}
    with pytest.raises(exc.IntegrityError):
        raw.execute(text(statement), {k: v for k, v in params.items() if f":{k}" in statement})


def test_only_the_hash_of_a_key_is_stored(store, raw):
    people(store)
    columns = raw.execute(text("SELECT * FROM zen_api_keys")).keys()
    assert sorted(columns) == ["created", "expires", "key_id", "last_used", "name",
                               "secret_hash", "user_id"]


# --- one query per read --------------------------------------------------------------------------
def recorded_statements(store: SqlStore, call) -> list[str]:
    """The SQL statements ``call`` sends (not SQLite's BEGIN, which is part of a transaction)."""
    engine = store._ready()
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.strip().upper() not in ("BEGIN", "BEGIN IMMEDIATE"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return statements


def test_every_account_and_history_read_is_one_query(store):
    people(store)
    reads = {
        "list_users": store.list_users,
        "get_user": lambda: store.get_user("bob"),
        "list_teams": store.list_teams,
        "get_team": lambda: store.get_team("ops"),
        "list_role_assignments": store.list_role_assignments,
        "list_api_keys": store.list_api_keys,
        "list_api_keys of one user": lambda: store.list_api_keys("bob"),
        "find_api_key": lambda: store.find_api_key("b" * 12),
        "find_api_key, unknown": lambda: store.find_api_key("0" * 12),
        "list_events": lambda: store.list_events(limit=3, actor="ann"),
        "list_events, past the end": lambda: store.list_events(offset=100),
    }
    for name, read in reads.items():
        assert len(recorded_statements(store, read)) == 1, name


def test_a_page_past_the_end_still_counts(store):
    people(store)
    assert store.list_events(offset=100) == ([], 8)
    assert store.list_events(offset=100, actor="nobody") == ([], 0)


# --- several stores (services) over one database -------------------------------------------------
def test_stores_over_one_database_share_accounts_and_history(store):
    with SqlStore(store.url) as other:
        people(store)
        assert other.find_api_key("b" * 12) == store.find_api_key("b" * 12)
        other.apply([RevokeApiKey("bob", "laptop")], actor="ann")
        assert store.find_api_key("b" * 12) is None  # at once: nothing is cached
        events, total = store.list_events()
        assert total == 9 and events[0].action == "revoke_api_key" and events[0].actor == "ann"
        assert other.list_events() == (events, total)


# --- the history's numbering ---------------------------------------------------------------------
def _record_events(store: SqlStore, worker: int, count: int) -> tuple[list[list[str]], int]:
    """Write ``count`` rounds; return the events of each committed write, per transaction,
    in this worker's order (as "target:name"), and how many transactions reran."""
    actor = f"w{worker}"
    committed: list[list[str]] = []
    for i in range(count):
        name = f"w{worker}-{i}"
        store.apply([CreateUser(User(name))], actor=actor)
        committed.append([f"user:{name}"])
        try:  # every worker tries, one wins: the others' transactions fail
            store.apply([CreateTeam(Team(f"team-{i}"))], actor=actor)
            committed.append([f"team:team-{i}"])
        except TeamExistsError:
            pass
        # two writes, one transaction: two events with consecutive numbers
        store.apply([RegisterComponent(component(T.ORCHESTRATOR, name)),
                     CreateApiKey(key(name, "k", f"{worker:02x}{i:010x}"))], actor=actor)
        committed.append([f"orchestrator:{name}", "api key:k"])
        try:  # a batch that fails after a write: no event, no number used
            store.apply([CreateUser(User(f"lost-{name}")), AddTeamMember(f"team-{i}", "nobody")],
                        actor=actor)
        except (UserNotFoundError, TeamNotFoundError):
            pass
    return committed, store.retries


WORKERS = 4
ROUNDS = 10


@pytest.mark.slow
def test_concurrent_writers_number_the_history_without_gaps(store_url, backend):
    with SqlStore(store_url) as store:
        store.initialize()
    start = time.monotonic()
    outcomes = run_concurrently(partial(SqlStore, store_url),
                                [(_record_events, (w, ROUNDS)) for w in range(WORKERS)])
    elapsed = time.monotonic() - start
    with SqlStore(store_url) as store:
        events, total = store.list_events(limit=1000)
        users = {u.name for u in store.list_users()}
    committed = sum(len(t) for transactions, _ in outcomes for t in transactions)
    assert total == len(events) == committed
    assert [e.seq for e in events] == list(range(total, 0, -1))  # 1..total, newest first
    assert not any(u.startswith("lost-") for u in users)
    assert sorted(e.name for e in events if e.target == "team") == [
        f"team-{i}" for i in range(ROUNDS)]  # each contested team once
    for worker, (transactions, _) in enumerate(outcomes):
        mine = sorted((e for e in events if e.actor == f"w{worker}"), key=lambda e: e.seq)
        assert [f"{e.target}:{e.name}" for e in mine] == [
            label for t in transactions for label in t]  # in the order it committed them
        by_label = {(f"{e.target}:{e.name}", e.seq) for e in mine}
        pairs = [t for t in transactions if len(t) == 2]
        for first, second in pairs:  # one transaction's events are numbered together
            [a] = [s for label, s in by_label if label == first]
            seconds = [s for label, s in by_label if label == second]
            assert a + 1 in seconds
    retries = sum(r for _, r in outcomes)
    print(f"\n[{backend}] {WORKERS} processes, {committed} events in {elapsed:.1f}s: "
          f"seqs 1..{total} without a gap, {retries} transactions rerun")


# --- figures ------------------------------------------------------------------------------------
HISTORY_SIZE = 10_000


def timed(call, repeat: int) -> float:
    """The median time of ``call``, in milliseconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return median(times) * 1000


@pytest.mark.slow
def test_reads_stay_fast_with_a_long_history(store, backend):
    people(store)
    actors = [f"user{i}" for i in range(10)]
    events = [Event(f"2030-01-01T00:00:{i % 60:02d}.{i:06d}Z", actors[i % 10], "update_component",
                    "orchestrator", f"o{i % 500}", i // 500 + 1, {"set": ["a"]})
              for i in range(HISTORY_SIZE)]
    engine = store._ready()
    with engine.begin() as connection:
        history.record(connection, events)
    total = HISTORY_SIZE + 8
    first_page = store.list_events()
    assert first_page[1] == total and first_page[0][0].seq == total
    deep = store.list_events(limit=50, offset=9_000)
    assert [e.seq for e in deep[0]] == list(range(total - 9_000, total - 9_050, -1))
    one_record = store.list_events(target="orchestrator", name="o7")
    assert one_record[1] == HISTORY_SIZE // 500
    figures = {
        "find_api_key": timed(lambda: store.find_api_key("b" * 12), 300),
        "list_events first page": timed(store.list_events, 50),
        "list_events offset 9000": timed(lambda: store.list_events(offset=9_000), 50),
        "list_events --user": timed(lambda: store.list_events(actor="user3"), 50),
        "list_events one record": timed(
            lambda: store.list_events(target="orchestrator", name="o7"), 50),
    }
    print(f"\n[{backend}] {total} events: " + ", ".join(
        f"{name} {ms:.2f} ms" for name, ms in figures.items()))
    # generous bounds: they catch a read that scans or sorts the history per row, not noise
    assert figures["find_api_key"] < 50
    assert all(ms < 500 for ms in figures.values()), figures
