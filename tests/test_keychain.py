"""A rest profile's key in the OS keychain instead of config.yaml (issue 18, item 6):
``--token-stdin --keychain`` on ``profile create`` and ``profile update``.

The keychain is an in-memory keyring back-end set in the test's process (the CLI runs
in-process), so the machine's own keychain is never touched.
"""

from __future__ import annotations

import json

import pytest

from zen_core.testing.cli import failed, ok
from zen_core.testing.helpers import profile_store
from zen_core.testing.require import require_modules

pytestmark = pytest.mark.zen_needs("zen_service")
require_modules("keyring")


@pytest.fixture
def keychain():
    import keyring
    from keyring.backend import KeyringBackend

    class Memory(KeyringBackend):
        priority = 1

        def __init__(self):
            super().__init__()
            self.entries: dict = {}

        def get_password(self, service, username):
            return self.entries.get((service, username))

        def set_password(self, service, username, password):
            self.entries[(service, username)] = password

        def delete_password(self, service, username):
            self.entries.pop((service, username))

    previous = keyring.get_keyring()
    memory = Memory()
    keyring.set_keyring(memory)
    yield memory.entries
    keyring.set_keyring(previous)


@pytest.fixture
def served(zen, zen_home):
    """A service on the default profile and an editor's key to it."""
    from zen_service.testing import add_user_key, running_service

    ok(zen("stack list"))
    with running_service(zen_home, profile="default") as state:
        yield state.url, add_user_key(profile_store("default"), "ed", "editor")


def test_a_key_kept_in_the_keychain_is_used_and_never_written(zen, zen_home, served,
                                                              keychain, monkeypatch):
    url, key = served
    ok(zen(f"profile create remote --type rest --url {url} --token-stdin --keychain",
           input=key + "\n"))
    config = (zen_home / "config.yaml").read_text()
    assert key not in config
    assert json.loads(config)["profiles"]["remote"]["store_token_keychain"] is True
    assert list(keychain.values()) == [key]
    listed = json.loads(ok(zen("--profile remote stack list -o json")).stdout)
    assert [s["name"] for s in listed] == ["default"]
    # a key from the environment wins over the stored one, as for a key in config.yaml
    keychain.clear()
    with monkeypatch.context() as patch:
        patch.setenv("ZENML_STORE_TOKEN", key)
        ok(zen("--profile remote stack list"))
    assert failed(zen("--profile remote stack list")) == (
        "Error: Profile 'remote' keeps its key in the OS keychain, which holds none for it: "
        "give it one with `zenml profile update remote --token-stdin --keychain`. Meanwhile "
        "other profiles still work: `--profile default` runs one command with one.")
    ok(zen("profile update remote --token-stdin --keychain", input=key + "\n"))
    ok(zen("--profile remote stack list"))
    ok(zen("profile delete remote -y"))
    assert keychain == {}  # a deleted profile leaves no key behind


def test_a_key_moves_back_to_the_config_file_and_keychain_needs_a_key(zen, zen_home, served,
                                                                      keychain):
    url, key = served
    assert "--keychain keeps the key given with --token-stdin" in failed(
        zen(f"profile create remote --type rest --url {url} --keychain"))
    ok(zen(f"profile create remote --type rest --url {url} --token-stdin --keychain",
           input=key + "\n"))
    ok(zen("profile update remote --token-stdin", input=key + "\n"))
    profile = json.loads((zen_home / "config.yaml").read_text())["profiles"]["remote"]
    assert profile["store_token"] == key and "store_token_keychain" not in profile
    assert keychain == {}
    ok(zen("--profile remote stack list"))


def test_a_keyring_reference_is_resolved_from_the_keychain(zen, keychain):
    import yaml

    keychain[("zenml", "db_password")] = "hunter2-from-the-keychain"
    ok(zen(["metadata-store", "register", "prod", "-t", "mysql", "--host=db", "--port=3306",
            "--database=zen", "--username=app", "--password={{keyring.db_password}}"]))
    ok(zen("stack register s -o default -m prod -a default"))
    assert "hunter2" not in ok(zen("stack describe s")).stdout
    resolved = yaml.safe_load(ok(zen("stack describe s --resolve")).stdout)
    assert resolved["metadata_store"]["config"]["password"] == "hunter2-from-the-keychain"
    del keychain[("zenml", "db_password")]
    assert failed(zen("stack describe s --resolve")) == (
        "Error: Metadata store 'prod': The OS keychain holds no 'db_password' for the service "
        "'zenml' (referred to as {{keyring.db_password}}).")
