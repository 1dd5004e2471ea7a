"""The Python API (`zen_core.client.Client`): what a program running a pipeline sees."""

from __future__ import annotations

import types

import pytest

from zen_core import hookimpl
from zen_core.client import Client
from zen_core.exceptions import (
    ComponentExistsError,
    InUseError,
    InvalidDataError,
    ProfileExistsError,
    ProfileNotFoundError,
    StackNotFoundError,
    StoreUnavailableError,
)
from zen_core.models import ComponentType
from zen_core.plugins import PluginManager, reset_plugin_manager
from zen_core.records import StoreType
from zen_core.repository import Repository

CORE = {"orchestrator": "default", "metadata_store": "default", "artifact_store": "default"}


@pytest.fixture
def client(zen_home):
    return Client().prepare()


def test_constructing_a_client_writes_nothing(zen_home):
    client = Client()
    assert not zen_home.exists()
    with pytest.raises(ProfileNotFoundError, match="No active profile"):
        client.profile  # noqa: B018
    assert not zen_home.exists()


def test_first_use_creates_and_activates_the_default_profile(zen_home):
    messages = []
    client = Client(report=messages.append).prepare()
    assert client.profile.name == "default" and client.profile_scope == "global"
    assert client.active_stack_name == "default"
    assert messages[0] == "Creating default profile..."
    assert messages[-1] == "Created and activated default profile."
    stack = client.active_stack
    assert set(stack.components) == {ComponentType.ORCHESTRATOR, ComponentType.METADATA_STORE,
                                     ComponentType.ARTIFACT_STORE}
    artifact = client.get_component(ComponentType.ARTIFACT_STORE, "default")
    assert artifact.config["path"].startswith(str(zen_home / "local_stores"))
    assert Client(report=messages.append).prepare().profile.name == "default"
    assert messages.count("Creating default profile...") == 1


def test_stacks_and_components_round_trip(client):
    client.register_component("artifact_store", "s3", "s3", {"path": "s3://bucket/a"})
    client.register_stack("prod", {**CORE, "artifact_store": "s3"})
    client.set_stack("prod")
    fresh = Client()
    assert fresh.active_stack_name == "prod"
    assert fresh.active_stack.components[ComponentType.ARTIFACT_STORE] == "s3"
    assert fresh.get_component(ComponentType.ARTIFACT_STORE, "s3").config == {
        "path": "s3://bucket/a"}


def test_a_stack_needs_the_three_core_components(client):
    with pytest.raises(InvalidDataError, match="orchestrator"):
        client.register_stack("x", {"metadata_store": "default", "artifact_store": "default"})


def test_component_config_is_validated(client):
    with pytest.raises(InvalidDataError, match="path"):
        client.register_component("artifact_store", "s3", "s3", {"path": "bucket"})
    with pytest.raises(InvalidDataError, match="unknown field 'colour'"):
        client.register_component("orchestrator", "o", "local", {"colour": "red"})
    assert client.list_components(ComponentType.ARTIFACT_STORE)[0].name == "default"


def test_update_component_merges_and_validates(client):
    client.register_component("container_registry", "reg", "default", {"uri": "localhost:5000"})
    client.update_component("container_registry", "reg", {"uri": "localhost:6000"})
    assert client.get_component(ComponentType.CONTAINER_REGISTRY, "reg").config == {
        "uri": "localhost:6000"}
    for key in ("name", "uuid"):
        with pytest.raises(InvalidDataError, match=f"mandatory property '{key}'"):
            client.update_component("container_registry", "reg", {key: "x"})


def test_renaming_a_component_moves_the_stacks_that_use_it(client):
    client.rename_component("orchestrator", "default", "local")
    assert client.get_stack("default").components[ComponentType.ORCHESTRATOR] == "local"
    client.register_component("artifact_store", "other", "local", {"path": "/tmp/a"})
    with pytest.raises(ComponentExistsError):
        client.rename_component("artifact_store", "default", "other")


def test_a_used_component_cannot_be_deleted(client):
    with pytest.raises(InUseError, match="'default'"):
        client.delete_component("orchestrator", "default")


def test_the_active_stack_cannot_be_deleted_and_a_renamed_one_stays_active(client):
    client.register_stack("other", CORE)
    with pytest.raises(InUseError, match="zenml stack set"):
        client.delete_stack("default")
    client.rename_stack("default", "main")
    assert Client().active_stack_name == "main"
    client.delete_stack("other")
    with pytest.raises(StackNotFoundError):
        client.get_stack("other")


def test_required_components_cannot_be_removed_optional_ones_can(client):
    client.register_component("container_registry", "reg", "default", {"uri": "localhost:5000"})
    client.update_stack("default", {"container_registry": "reg"})
    with pytest.raises(InvalidDataError, match="cannot be removed"):
        client.remove_stack_components("default", ["orchestrator"])
    stack = client.remove_stack_components("default", ["container_registry"])
    assert ComponentType.CONTAINER_REGISTRY not in stack.components


def test_profiles_are_independent(client):
    client.create_profile("other")
    with pytest.raises(ProfileExistsError):
        client.create_profile("other")
    client.register_stack("only_in_default", CORE)
    client.set_profile("other")
    fresh = Client()
    assert fresh.profile.name == "other"
    assert [s.name for s in fresh.list_stacks()] == ["default"]


def test_delete_profile_refuses_the_active_one_and_removes_the_folder(client, zen_home):
    client.create_profile("other")
    with pytest.raises(InUseError, match="globally active"):
        client.delete_profile("default")
    client.delete_profile("other")
    assert not (zen_home / "profiles" / "other").exists()
    with pytest.raises(ProfileNotFoundError):
        client.config.get_profile("other")


def test_environment_overrides_repository_and_global(client, monkeypatch, tmp_path):
    client.create_profile("env")
    root = tmp_path / "repo"
    root.mkdir()
    Repository.initialize(root, "default", "default")
    monkeypatch.chdir(root)
    assert Client().profile_scope == "local"
    monkeypatch.setenv("ZENML_ACTIVATED_PROFILE", "env")
    assert (Client().profile.name, Client().profile_scope) == ("env", "environment")
    monkeypatch.setenv("ZENML_ACTIVATED_PROFILE", "missing")
    with pytest.raises(ProfileNotFoundError, match="ZENML_ACTIVATED_PROFILE"):
        Client().profile  # noqa: B018


def test_active_stack_from_the_environment(client, monkeypatch):
    client.register_stack("other", CORE)
    monkeypatch.setenv("ZENML_ACTIVATED_STACK", "other")
    assert Client().active_stack_name == "other"
    monkeypatch.setenv("ZENML_ACTIVATED_STACK", "missing")
    with pytest.raises(StackNotFoundError, match="ZENML_ACTIVATED_STACK"):
        Client().active_stack_name  # noqa: B018


class BrokenStore:
    """A store type whose storage cannot be set up."""

    def __init__(self, url, context=None):
        self.url = url

    def initialize(self):
        raise StoreUnavailableError("The database at broken:// is down.")

    def close(self):
        pass


def test_profile_creation_is_all_or_nothing(client, zen_home):
    plugin = types.ModuleType("broken_store_plugin")
    plugin.zen_store_types = hookimpl(lambda: [StoreType(
        name="broken", description="d", store_class=BrokenStore,
        default_url=lambda d: "broken://")])
    manager = PluginManager()
    manager.load_builtins()
    manager.load_entrypoints(cached=False)
    manager.register(plugin, name="broken")
    reset_plugin_manager(manager)
    before = (zen_home / "config.yaml").read_bytes()
    with pytest.raises(StoreUnavailableError, match="is down"):
        Client().create_profile("doomed", store_type="broken")
    assert (zen_home / "config.yaml").read_bytes() == before
    assert not (zen_home / "profiles" / "doomed").exists()
