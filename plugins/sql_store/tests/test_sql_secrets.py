"""What only the SQL store has to keep for secrets: a row per key holding the value as given,
the longest values on every database, the database's own cascade and refusals, one query
per read, and a race lost to another process ending in the contract's error."""

from __future__ import annotations

import pytest
from sqlalchemy import exc, text
from test_sql_accounts import recorded_statements

from zen_core.exceptions import SecretExistsError
from zen_core.secret_records import Secret, SecretChange
from zen_core.writes import CreateSecret, DeleteSecret, UpdateSecret
from zen_sql_store.secrets import SecretWrites

#: What the domain layer promises a store at most (zen_core.secret_records): a value of
#: 128 Ki characters (a 64 KiB value encrypted, in base64), 100 keys.
LONGEST_VALUE = 128 * 1024
MOST_KEYS = 100
SEALED = "zen1:9f8e:" + "c2VhbGVk" * 40


def values_rows(raw) -> list[tuple]:
    """(secret name, key, value) of every row of zen_secret_values."""
    return sorted(tuple(row) for row in raw.execute(text(
        "SELECT s.name, v.key, v.value FROM zen_secret_values v "
        "JOIN zen_secrets s ON s.id = v.secret_id")))


def test_each_key_is_a_row_holding_the_value_as_given(store, raw):
    [db] = store.apply([CreateSecret(Secret("db", {"password": SEALED, "user": "u"}))])
    store.apply([CreateSecret(Secret("empty"))])
    assert values_rows(raw) == [("db", "password", SEALED), ("db", "user", "u")]
    assert sorted(raw.execute(text("SELECT * FROM zen_secrets")).keys()) == [
        "created", "id", "name", "revision", "updated", "uuid"]
    assert raw.execute(text("SELECT uuid, revision FROM zen_secrets WHERE name = 'db'")
                       ).one() == (db.uuid, 1)
    raw.rollback()
    store.apply([UpdateSecret("db", SecretChange(set={"host": "h"}, unset=["user"]))])
    assert values_rows(raw) == [("db", "host", "h"), ("db", "password", SEALED)]


def test_the_longest_values_and_the_most_keys_are_kept(store):
    """MySQL's and MariaDB's TEXT stops at 64 KiB: the values are MEDIUMTEXT there."""
    longest = "A" * LONGEST_VALUE
    many = {f"k{i:03d}": f"v{i}" for i in range(MOST_KEYS)}
    store.apply([CreateSecret(Secret("long", {"pem": longest})),
                 CreateSecret(Secret("many", many))])
    assert store.get_secret("long").values == {"pem": longest}
    assert store.get_secret("many").values == many
    store.apply([UpdateSecret("long", SecretChange(set={"pem": longest[:-1] + "B"}))])
    assert store.get_secret("long").values["pem"][-2:] == "AB"


def test_keys_are_case_sensitive(store):
    store.apply([CreateSecret(Secret("db", {"key": "lower", "KEY": "upper"})),
                 CreateSecret(Secret("DB", {"key": "other"}))])
    assert store.get_secret("db").values == {"KEY": "upper", "key": "lower"}
    assert [s.name for s in store.list_secrets()] == ["DB", "db"]


def test_deleting_a_secret_row_deletes_its_values_in_the_database(store, raw):
    store.apply([CreateSecret(Secret("db", {"password": "p"})),
                 CreateSecret(Secret("keep", {"k": "v"}))])
    raw.execute(text("DELETE FROM zen_secrets WHERE name = 'db'"))  # not through the store
    raw.commit()
    assert values_rows(raw) == [("keep", "k", "v")]
    assert [s.name for s in store.list_secrets()] == ["keep"]


@pytest.mark.parametrize("statement", [
    "INSERT INTO zen_secrets (name, uuid) VALUES ('db', 'u')",
    "INSERT INTO zen_secret_values VALUES (:db, 'password', 'again')",
    "INSERT INTO zen_secret_values VALUES (:nobody, 'k', 'v')",
], ids=["secret name", "key twice", "value of no secret"])
def test_the_database_refuses_what_the_contract_forbids(store, raw, statement):
    store.apply([CreateSecret(Secret("db", {"password": "p"}))])
    params = {"db": raw.execute(text("SELECT id FROM zen_secrets")).scalar_one(),
              "nobody": 10**6}
    with pytest.raises(exc.IntegrityError):
        raw.execute(text(statement), {k: v for k, v in params.items() if f":{k}" in statement})


def test_every_secret_read_is_one_query(store):
    store.apply([CreateSecret(Secret("db", {"password": "p", "user": "u"})),
                 CreateSecret(Secret("api", {"token": "t"}))])
    for name, read in {"list_secrets": store.list_secrets,
                       "get_secret": lambda: store.get_secret("db")}.items():
        assert len(recorded_statements(store, read)) == 1, name


@pytest.mark.parametrize("write", ["create", "rename"])
def test_a_name_taken_meanwhile_is_reported_as_already_exists(store, monkeypatch, write):
    """Another process commits the name between our check and our write: the database
    refuses ours, the transaction runs again and its check names the secret."""
    store.apply([CreateSecret(Secret("raced", {"first": "1"})),
                 CreateSecret(Secret("mine", {"k": "v"}))])
    real = SecretWrites._secret_id
    calls = []

    def blind_once(self, name):
        calls.append(name)
        return None if len(calls) == 1 else real(self, name)

    monkeypatch.setattr(SecretWrites, "_secret_id", blind_once)
    with pytest.raises(SecretExistsError, match="'raced'"):
        store.apply([CreateSecret(Secret("raced", {"second": "2"})) if write == "create"
                     else UpdateSecret("mine", SecretChange(name="raced"))])
    assert calls == ["raced", "raced"] and store.retries == 1
    assert store.get_secret("raced").values == {"first": "1"}
    assert store.get_secret("mine").revision == 1


def test_a_failed_batch_leaves_no_rows(store, raw):
    store.apply([CreateSecret(Secret("db", {"password": "p"}))])
    with pytest.raises(SecretExistsError, match="'new'"):
        store.apply([CreateSecret(Secret("new", {"k": "v"})), DeleteSecret("db"),
                     CreateSecret(Secret("new", {"again": "v"}))])
    assert values_rows(raw) == [("db", "password", "p")]


# --- through the CLI, on every database: no value in any row, references survive a copy ---------
CLEAR = "hunter2-in-a-row"


def every_cell(raw) -> str:
    """Every cell of every zen table, as one text: what reading the database alone yields."""
    from sqlalchemy import inspect

    cells = []
    for table in inspect(raw).get_table_names():
        for row in raw.execute(text(f"SELECT * FROM {table}")):
            cells += [str(cell) for cell in row]
    return "\n".join(cells)


def test_the_database_alone_never_yields_a_value_and_a_copy_keeps_references(
        zen, zen_home, store_url, raw, tmp_path):
    from zen_core.testing.cli import ok

    ok(zen(["profile", "create", "shared", "--store-type", "sql", "--url", store_url]))
    ok(zen("profile set shared"))
    ok(zen("secret create db --values -", input=f"password: {CLEAR}\n"))
    ok(zen(["metadata-store", "register", "prod", "-t", "mysql", "--host=db", "--port=3306",
            "--database=zen", "--username=app", "--password={{db.password}}"]))
    # a plain value in a secret field becomes a secret of its own
    ok(zen(["metadata-store", "register", "other", "-t", "mysql", "--host=db",
            "--port=3306", "--database=zen", "--username=app", f"--password={CLEAR}x"]))
    ok(zen("stack register s -o default -m prod -a default"))
    raw.commit()  # a fresh snapshot (MariaDB's repeatable read)
    cells = every_cell(raw)
    assert CLEAR not in cells and "{{db.password}}" in cells
    ok(zen("profile copy shared copied --store-type local"))
    ok(zen("profile set copied"))
    resolved = ok(zen("stack describe s --resolve")).stdout
    assert CLEAR in resolved and "{{db.password}}" in ok(zen("stack export s")).stdout
