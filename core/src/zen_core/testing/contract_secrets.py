"""The contract's tests of secrets (contract v3): create, get, list, update, rename, delete.

A store keeps the values it is given, as given, and never reads them: the domain
layer encrypts them first (``zen_core.services.secret_crypto``). The values here
are opaque text the store must give back byte for byte; a store whose server
encrypts values itself (the rest store) proves it with the values its server
answers, which the REST contract checks on its side.
"""

from __future__ import annotations

import pytest

from zen_core.exceptions import ConflictError, SecretExistsError, SecretNotFoundError
from zen_core.secret_records import Secret, SecretChange
from zen_core.store import BaseStore
from zen_core.testing.helpers import raises_named
from zen_core.testing.processes import run_concurrently
from zen_core.writes import CreateSecret, DeleteSecret, UpdateSecret

#: How many processes update one secret at once, each its own keys, and how often.
UPDATERS = 6
UPDATES_EACH = 4
#: Opaque values as a domain layer writes them (a ciphertext's alphabet and a long one).
OPAQUE = "zen1:0a1b2c3d:" + "A-_b" * 600


def _secret(name: str, **values: str) -> Secret:
    return Secret(name, dict(values))


def _set_own_keys(store: BaseStore, worker: int, updates: int) -> None:
    for i in range(updates):
        store.apply([UpdateSecret("hot", SecretChange(set={f"w{worker}_{i}": f"v{i}"}))])


class SecretsContract:
    """Secrets (needs fixtures ``store`` and ``store_opener``)."""

    def test_a_new_store_has_no_secrets(self, store):
        assert store.list_secrets() == []
        with raises_named(SecretNotFoundError, "db"):
            store.get_secret("db")

    def test_create_and_get_keep_the_values_as_given(self, store):
        created = _secret("db", password=OPAQUE, user="plain text, with ünïcode")
        [written] = store.apply([CreateSecret(created)])
        assert isinstance(written, Secret)
        assert (written.revision, written.uuid) == (1, created.uuid)
        assert written.created and written.updated
        got = store.get_secret("db")
        assert got == created and got.values == created.values
        assert (got.revision, got.created) == (1, written.created)
        assert got.keys == ["password", "user"]

    def test_secrets_are_listed_by_name(self, store):
        for name in ("charlie", "alpha", "bravo"):
            store.apply([CreateSecret(_secret(name, key="v"))])
        assert [s.name for s in store.list_secrets()] == ["alpha", "bravo", "charlie"]

    def test_a_taken_name_is_refused(self, store):
        store.apply([CreateSecret(_secret("db", a="1"))])
        with raises_named(SecretExistsError, "db"):
            store.apply([CreateSecret(_secret("db", b="2"))])
        assert store.get_secret("db").values == {"a": "1"}

    def test_a_taken_uuid_is_refused_and_the_batch_writes_nothing(self, store):
        [held] = store.apply([CreateSecret(_secret("db", a="1"))])
        twin = Secret("twin", {"b": "2"}, uuid=held.uuid)
        with raises_named(SecretExistsError, "db") as info:
            store.apply([CreateSecret(_secret("fine", c="3")), CreateSecret(twin)])
        assert held.uuid in str(info.value) and "\n" not in str(info.value)
        shared = "5d0f6b1e-2c3a-4b8d-9e7f-1a2b3c4d5e6f"
        with raises_named(SecretExistsError, "first"):  # both new, in one batch
            store.apply([CreateSecret(Secret("first", {"k": "v"}, uuid=shared)),
                         CreateSecret(Secret("second", {"k": "v"}, uuid=shared))])
        assert [(s.name, s.uuid) for s in store.list_secrets()] == [("db", held.uuid)]

    def test_a_uuid_is_free_again_once_its_secret_is_deleted(self, store):
        [held] = store.apply([CreateSecret(_secret("db", a="1"))])
        store.apply([UpdateSecret("db", SecretChange(name="renamed"))])  # keeps the uuid
        with raises_named(SecretExistsError, "renamed"):
            store.apply([CreateSecret(Secret("twin", {"b": "2"}, uuid=held.uuid))])
        store.apply([DeleteSecret("renamed"),  # deleted and created again in one batch
                     CreateSecret(Secret("again", {"b": "2"}, uuid=held.uuid))])
        assert [(s.name, s.uuid) for s in store.list_secrets()] == [("again", held.uuid)]

    def test_an_update_sets_and_unsets_keys_and_bumps_the_revision(self, store):
        store.apply([CreateSecret(_secret("db", user="u", password="p", port="1"))])
        [written] = store.apply([UpdateSecret("db", SecretChange(
            set={"password": "q", "host": "h"}, unset=["port"]))])
        assert written.values == {"user": "u", "password": "q", "host": "h"}
        assert written.revision == 2
        got = store.get_secret("db")
        assert (got.values, got.revision) == (written.values, 2)
        assert got.updated >= got.created

    def test_a_rename_keeps_values_uuid_and_history(self, store):
        [first] = store.apply([CreateSecret(_secret("db", password="p"))])
        [renamed] = store.apply([UpdateSecret("db", SecretChange(name="pg"))])
        assert (renamed.name, renamed.uuid, renamed.values, renamed.revision) == (
            "pg", first.uuid, {"password": "p"}, 2)
        with raises_named(SecretNotFoundError, "db"):
            store.get_secret("db")
        store.apply([CreateSecret(_secret("other", k="v"))])
        with raises_named(SecretExistsError, "other"):
            store.apply([UpdateSecret("pg", SecretChange(name="other"))])

    def test_a_stale_revision_is_a_conflict_and_changes_nothing(self, store):
        store.apply([CreateSecret(_secret("db", password="p"))])
        store.apply([UpdateSecret("db", SecretChange(set={"password": "q"}))])
        with raises_named(ConflictError, "db"):
            store.apply([UpdateSecret("db", SecretChange(set={"password": "r"},
                                                         expected_revision=1))])
        with raises_named(ConflictError, "db"):
            store.apply([DeleteSecret("db", expected_revision=1)])
        assert store.get_secret("db").values == {"password": "q"}
        store.apply([UpdateSecret("db", SecretChange(set={"password": "s"},
                                                     expected_revision=2))])
        assert store.get_secret("db").revision == 3

    def test_missing_secrets_are_not_found(self, store):
        with raises_named(SecretNotFoundError, "ghost"):
            store.apply([UpdateSecret("ghost", SecretChange(set={"k": "v"}))])
        with raises_named(SecretNotFoundError, "ghost"):
            store.apply([DeleteSecret("ghost")])

    def test_delete(self, store):
        store.apply([CreateSecret(_secret("db", password="p")),
                     CreateSecret(_secret("keep", k="v"))])
        assert store.apply([DeleteSecret("db")]) == [None]
        assert [s.name for s in store.list_secrets()] == ["keep"]

    def test_a_batch_with_secrets_is_all_or_nothing(self, store):
        store.apply([CreateSecret(_secret("db", password="p"))])
        with raises_named(SecretExistsError, "db"):
            store.apply([CreateSecret(_secret("new", k="v")),
                         UpdateSecret("db", SecretChange(set={"password": "q"})),
                         CreateSecret(_secret("db", other="x"))])
        assert [s.name for s in store.list_secrets()] == ["db"]
        assert store.get_secret("db").values == {"password": "p"}

    @pytest.fixture
    def recorded_actor(self):
        """Who the history names for a write applied as ``actor``: the actor itself, unless
        the store names its clients itself (the rest store: the user of the key sent)."""
        return lambda actor: actor

    def test_the_history_names_keys_never_values(self, store, recorded_actor):
        _, before = store.list_events()
        store.apply([CreateSecret(_secret("db", user="u", password=OPAQUE))], actor="ann")
        store.apply([UpdateSecret("db", SecretChange(set={"password": "hunter2"},
                                                     unset=["user"], name="pg"))], actor="bob")
        store.apply([DeleteSecret("pg")], actor="ann")
        events, total = store.list_events(limit=3)
        assert total == before + 3
        deleted, updated, created = events
        assert (created.action, created.target, created.name, created.actor) == (
            "create_secret", "secret", "db", recorded_actor("ann"))
        assert created.details == {"keys": ["password", "user"]} and created.revision == 1
        assert (updated.action, updated.name, updated.revision, updated.actor) == (
            "update_secret", "pg", 2, recorded_actor("bob"))
        assert updated.details == {"set": ["password"], "unset": ["user"],
                                   "renamed_from": "db"}
        assert (deleted.action, deleted.name, deleted.actor) == (
            "delete_secret", "pg", recorded_actor("ann"))
        shown = str([e.to_dict() for e in events])
        assert OPAQUE not in shown and "hunter2" not in shown and "'u'" not in shown

    def test_concurrent_updates_of_different_keys_lose_nothing(self, store, store_opener):
        store.apply([CreateSecret(_secret("hot", kept="yes"))])
        jobs = [(_set_own_keys, (worker, UPDATES_EACH)) for worker in range(UPDATERS)]
        run_concurrently(store_opener, jobs)
        got = store.get_secret("hot")
        expected = {f"w{w}_{i}": f"v{i}" for w in range(UPDATERS) for i in range(UPDATES_EACH)}
        assert got.values == {"kept": "yes", **expected}
        assert got.revision == 1 + UPDATERS * UPDATES_EACH
