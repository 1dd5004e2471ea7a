"""The local store's secrets: one file, ``secrets.json``, that only secret reads open.

The contract suite checks what every store does with secrets; here, what only a
folder of files has to keep: the file's layout and mode, hand edits (good and
broken), and that stack and component commands never read it.
"""

from __future__ import annotations

import json
import shutil
import stat

import pytest
import yaml

from zen_core.exceptions import InvalidDataError, StoreMissingError
from zen_core.models import ComponentType
from zen_core.secret_records import Secret, SecretChange
from zen_core.testing.cli import ok, rows
from zen_core.testing.contract import register_stack_with_components
from zen_core.writes import CreateSecret, DeleteSecret, UpdateSecret
from zen_local_store.store import LocalStore

T = ComponentType
CIPHERTEXT = "zen1:00ff:" + "Qk9C" * 50  # what the domain layer hands a store


@pytest.fixture
def store(tmp_path):
    store = LocalStore(f"file://{tmp_path}/store")
    store.initialize()
    return store


def test_secrets_json_holds_each_secret_on_a_line_readable_by_the_owner_only(store):
    [db] = store.apply([CreateSecret(Secret("db", {"password": CIPHERTEXT, "user": "u"}))])
    store.apply([CreateSecret(Secret("api", {"token": "t"})),
                 UpdateSecret("db", SecretChange(unset=["user"]))])
    path = store.root / "secrets.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert len(text.splitlines()) == 2  # one secret a line: a diff says which one changed
    data = json.loads(text)
    assert data == yaml.safe_load(text)  # JSON syntax: YAML too
    assert list(data) == ["api", "db"]
    updated = store.get_secret("db")
    assert data["db"] == {"uuid": db.uuid, "values": {"password": CIPHERTEXT},
                          "_zen": {"revision": 2, "created": db.created,
                                   "updated": updated.updated}}
    store.apply([DeleteSecret("db"), DeleteSecret("api")])
    assert json.loads(path.read_text()) == {}


def test_secret_writes_leave_every_other_file_alone(store):
    register_stack_with_components(store, "s")
    before = {p.name: p.read_bytes() for p in store.root.rglob("*.yaml")}
    store.apply([CreateSecret(Secret("db", {"password": "p"}))])
    store.apply([UpdateSecret("db", SecretChange(set={"user": "u"}))])
    assert {p.name: p.read_bytes() for p in store.root.rglob("*.yaml")} == before


def test_a_hand_written_secret_loads_in_yaml_too(store):
    (store.root / "secrets.json").write_text(
        "db:\n  values:\n    password: p\n    user: u\n")
    got = store.get_secret("db")
    assert (got.values, got.revision, got.created) == ({"password": "p", "user": "u"}, 1, None)
    assert got.uuid == store.get_secret("db").uuid  # stable without one in the file
    [written] = store.apply([UpdateSecret("db", SecretChange(set={"port": "5432"}))])
    assert (written.revision, written.uuid) == (2, got.uuid)
    assert json.loads((store.root / "secrets.json").read_text())["db"]["uuid"] == got.uuid


@pytest.mark.parametrize(("text", "said"), [
    ('{"db": {"values": {"password": "p"}', "Cannot parse"),
    ('["db"]', "is not a mapping of secrets"),
    ('{"db": "hunter2"}', ": The secret 'db' is not a mapping. Fix that file."),
    ('{"db.x": {"values": {}}}', "Invalid secret name 'db.x'"),
    ('{"db": {"values": {"password": 42}}}', "The value of 'password' of secret 'db' must be"),
    ('{"db": {"values": {"pass word": "hunter2"}}}', "Invalid secret key 'pass word'"),
    ('{"db": {"values": ["hunter2"]}}', "must be a mapping of keys to text"),
])
def test_a_broken_secrets_file_is_one_line_naming_it(store, text, said):
    path = store.root / "secrets.json"
    path.write_text(text)
    calls = [store.list_secrets, lambda: store.get_secret("db"),
             lambda: store.apply([CreateSecret(Secret("other", {"k": "v"}))])]
    for call in calls:
        with pytest.raises(InvalidDataError) as info:
            call()
        message = str(info.value)
        assert str(path) in message and said in message, message
        assert "\n" not in message and "hunter2" not in message
    assert path.read_text() == text  # the failed write changed nothing


def test_stack_and_component_commands_never_read_secrets_json(zen, zen_home):
    """``stack list`` and the rest do not open it (their cost does not grow with it): a
    broken one does not stop them."""
    ok(zen("stack register prod -o default -m default -a default"))
    secrets = zen_home / "profiles" / "default" / "secrets.json"
    secrets.write_text("{broken")
    assert [r[1] for r in rows(ok(zen("stack list")).stdout)] == ["default", "prod"]
    ok(zen("stack describe prod"))
    ok(zen("orchestrator register o2 -t local"))
    ok(zen("stack update prod -o o2"))
    ok(zen("stack delete prod -y"))
    assert secrets.read_text() == "{broken"
    store = LocalStore(f"file://{zen_home}/profiles/default")
    with pytest.raises(InvalidDataError, match="Cannot parse"):
        store.list_secrets()


def test_the_secrets_of_a_store_whose_folder_has_gone_are_missing_not_none(tmp_path):
    store = LocalStore(f"file://{tmp_path}/gone")
    store.initialize()
    store.apply([CreateSecret(Secret("db", {"password": "p"}))])
    shutil.rmtree(tmp_path / "gone")
    for call in (store.list_secrets, lambda: store.get_secret("db"),
                 lambda: store.apply([CreateSecret(Secret("x", {"k": "v"}))])):
        with pytest.raises(StoreMissingError, match="is missing"):
            call()
    assert not (tmp_path / "gone").exists()
    other = LocalStore(f"file://{tmp_path}/empty")
    other.initialize()
    assert other.list_secrets() == []  # no file yet: no secret, nothing created
    assert not (tmp_path / "empty" / "secrets.json").exists()

