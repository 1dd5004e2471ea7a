"""The set-wise inserts on the DBAPI cursor (bulk.py) store what SQLAlchemy's executemany
stores, on every database, and fail as it fails."""

from __future__ import annotations

import pytest
from sqlalchemy import exc, insert, text

from zen_sql_store.bulk import bulk_insert
from zen_sql_store.queries import COMPONENTS, EVENTS, MEMBERS, STACKS

NOW = "2026-12-07T05:21:53.123456Z"
ROUND = "2026-12-07T05:21:53.000000Z"  # no fraction: PyMySQL quotes such a datetime without
COMPONENT_ROWS = [  # type, name, flavor, uuid, config, revision, created, updated, labels
    ("orchestrator", "o1", "local", "u1", '{"a":1,"é":"ü"}', 1, NOW, NOW, None),
    ("orchestrator", "o2", "local", "u2", "{}", 3, ROUND, NOW, '{"team":"ml"}'),
    ("artifact_store", "a", "local", "u3", '{"path":"/x"}', 1, None, None, None),
    # not utc_now()'s own text: through the column type's processor
    ("metadata_store", "m", "sqlite", "u4", "{}", 2, "2026-01-02T03:04:05+01:00",
     "2026-01-02T03:04:05.5Z", None),
]
STACK_ROWS = [("s1", 1, NOW, NOW, None), ("s2", 2, ROUND, NOW, '{"env":"prod"}')]
EVENT_ROWS = [  # seq, time, actor, action, target, name, revision, details, state
    (1, NOW, "default", "register", "orchestrator", "o1", 1, {"flavor": "local", "keys": ["a"]},
     {"flavor": "local", "config": {"a": 1, "é": "ü"}, "labels": {}}),
    (2, ROUND, None, "create", "user", "bob", None, {}, None),
    (3, "2026-01-02T03:04:05+01:00", "ann", "delete", "stack", "s", None, {"n": [1, None]},
     {"components": {}, "labels": {"a": "b"}}),
]
COLUMNS = {
    COMPONENTS: ("type", "name", "flavor", "uuid", "config", "revision", "created", "updated",
                 "labels"),
    STACKS: ("name", "revision", "created", "updated", "labels"),
    EVENTS: ("seq", "time", "actor", "action", "target", "name", "revision", "details",
             "state"),
}
#: The rows as stored, without the ids a database hands out (a sequence is not rolled back).
SNAPSHOT = {
    "components": "SELECT type, name, flavor, uuid, config, revision, created, updated, labels "
                  "FROM zen_components ORDER BY name",
    "stacks": "SELECT name, revision, created, updated, labels FROM zen_stacks ORDER BY name",
    "members": "SELECT s.name, m.component_type, c.name FROM zen_stack_components m "
               "JOIN zen_stacks s ON s.id = m.stack_id JOIN zen_components c "
               "ON c.id = m.component_id ORDER BY s.name, m.component_type",
    "events": "SELECT seq, time, actor, action, target, name, revision, details, state "
              "FROM zen_events ORDER BY seq",
}


def _written(store, insert_rows) -> dict[str, list[tuple]]:
    """Every row ``insert_rows(connection, table, rows)`` stores, as the driver reads them
    back (no type processing); rolled back after."""
    with store._ready().connect() as connection:
        transaction = connection.begin()
        insert_rows(connection, COMPONENTS, COMPONENT_ROWS)
        insert_rows(connection, STACKS, STACK_ROWS)
        ids = dict(connection.execute(text("SELECT name, id FROM zen_components")).all())
        stacks = dict(connection.execute(text("SELECT name, id FROM zen_stacks")).all())
        insert_rows(connection, MEMBERS, [(stacks["s1"], "orchestrator", ids["o1"]),
                                          (stacks["s1"], "artifact_store", ids["a"]),
                                          (stacks["s2"], "orchestrator", ids["o2"])])
        insert_rows(connection, EVENTS, EVENT_ROWS)
        found = {name: [tuple(row) for row in connection.execute(text(sql))]
                 for name, sql in SNAPSHOT.items()}
        transaction.rollback()
    return found


def _columns(table) -> tuple[str, ...]:
    return COLUMNS.get(table, ("stack_id", "component_type", "component_id"))


def _through_sqlalchemy(connection, table, rows) -> None:
    columns = _columns(table)
    connection.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])


def _in_bulk(connection, table, rows) -> None:
    bulk_insert(connection, table, _columns(table), rows)


def test_the_rows_are_those_sqlalchemy_stores(store):
    expected = _written(store, _through_sqlalchemy)
    assert all(expected.values())
    assert _written(store, _in_bulk) == expected


def test_a_refused_row_is_raised_as_sqlalchemy_raises_it(store):
    columns = COLUMNS[COMPONENTS]
    with store._ready().connect() as connection, connection.begin():
        with pytest.raises(exc.IntegrityError) as raised:
            bulk_insert(connection, COMPONENTS, columns, COMPONENT_ROWS[:1] * 2)
        assert not raised.value.connection_invalidated
        assert raised.value.statement.startswith("INSERT INTO zen_components")


def test_many_rows_are_those_sqlalchemy_stores(store):
    """More rows than one statement carries (PostgreSQL: several rows a statement), and a
    remainder."""
    components = [("orchestrator", f"o{i:03d}", "local", f"u{i}", f'{{"i":{i}}}', i % 3 + 1,
                   NOW, ROUND, None if i % 2 else '{"k":"v"}') for i in range(217)]
    events = [(i, NOW, "ann", "register", "orchestrator", f"o{i:03d}", 1, {"i": i},
               None if i % 5 else {"config": {}}) for i in range(1, 218)]

    def written(insert_rows) -> dict[str, list[tuple]]:
        with store._ready().connect() as connection:
            transaction = connection.begin()
            insert_rows(connection, COMPONENTS, components)
            insert_rows(connection, EVENTS, events)
            found = {name: [tuple(row) for row in connection.execute(text(SNAPSHOT[name]))]
                     for name in ("components", "events")}
            transaction.rollback()
        return found

    expected = written(_through_sqlalchemy)
    assert len(expected["components"]) == len(expected["events"]) == 217
    assert written(_in_bulk) == expected
