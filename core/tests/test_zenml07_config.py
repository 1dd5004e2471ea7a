"""A config directory written by ZenML 0.7.x loads as it is and keeps working.

The fixture follows the reference's file layouts (config.yaml with 0.7.3's
``active_user`` and unknown keys; ``profiles/*/stacks.yaml`` with users and
teams; one YAML file per component with 0.7.0's runtime keys).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

USER_ID = "5f0c8a4e-1f7a-4c55-9d1c-0a1b2c3d4e5f"


def write(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data))


@pytest.fixture
def zenml07(zen_home: Path) -> Path:
    """ZenML 0.7.3's config: profiles `default` (active) and `team`, a repository-free setup."""
    write(zen_home / "config.yaml", {
        "activated_profile": "team",
        "analytics_opt_in": False,
        "upgrade_migration_enabled": True,
        "profiles": {
            "default": {"active_stack": "default", "active_user": "default", "name": "default",
                        "store_type": "local",
                        "store_url": f"file://{zen_home}/profiles/default"},
            "team": {"active_stack": "kubeflow_stack", "active_user": "default", "name": "team",
                     "store_type": "local", "store_url": f"file://{zen_home}/profiles/team"},
        },
        "user_id": USER_ID,
        "version": "0.7.3",
    })
    store = zen_home / "profiles" / "team"
    write(store / "stacks.yaml", {
        "stack_components": {
            "artifact_store": {"local_artifact_store": "local"},
            "metadata_store": {"local_metadata_store": "sqlite"},
            "orchestrator": {"local_orchestrator": "local",
                             "kubeflow_orchestrator": "kubeflow"},
            "container_registry": {"local_registry": "default"},
        },
        "stacks": {
            "local_stack": {"artifact_store": "local_artifact_store",
                            "metadata_store": "local_metadata_store",
                            "orchestrator": "local_orchestrator"},
            "kubeflow_stack": {"artifact_store": "local_artifact_store",
                               "metadata_store": "local_metadata_store",
                               "orchestrator": "kubeflow_orchestrator",
                               "container_registry": "local_registry"},
        },
        "users": [{"id": "0b1c", "creation_date": "2022-05-01T10:00:00", "name": "default"}],
        "teams": [],
        "projects": [],
        "roles": [],
        "role_assignments": [],
        "team_assignments": {},
    })
    write(store / "artifact_stores" / "local_artifact_store.yaml",
          {"name": "local_artifact_store", "uuid": "11111111-1111-4111-8111-111111111111",
           "path": "/data/artifacts"})
    write(store / "metadata_stores" / "local_metadata_store.yaml",
          {"name": "local_metadata_store", "uuid": "22222222-2222-4222-8222-222222222222",
           "uri": "/data/artifacts/metadata.db"})
    write(store / "orchestrators" / "local_orchestrator.yaml",
          {"name": "local_orchestrator", "uuid": "33333333-3333-4333-8333-333333333333",
           "supports_local_execution": True, "supports_remote_execution": False})
    write(store / "orchestrators" / "kubeflow_orchestrator.yaml",
          {"name": "kubeflow_orchestrator", "uuid": "44444444-4444-4444-8444-444444444444",
           "kubeflow_pipelines_ui_port": 8080, "synchronous": False})
    write(store / "container_registries" / "local_registry.yaml",
          {"name": "local_registry", "uuid": "55555555-5555-4555-8555-555555555555",
           "uri": "localhost:5000"})
    default = zen_home / "profiles" / "default"
    write(default / "stacks.yaml", {
        "stack_components": {"artifact_store": {"default": "local"},
                             "metadata_store": {"default": "sqlite"},
                             "orchestrator": {"default": "local"}},
        "stacks": {"default": {"artifact_store": "default", "metadata_store": "default",
                               "orchestrator": "default"}},
    })
    for i, (plural, extra) in enumerate([("artifact_stores", {"path": "/x"}),
                                         ("metadata_stores", {"uri": "/x/metadata.db"}),
                                         ("orchestrators", {})]):
        uuid = f"6666666{i}-0000-4000-8000-000000000000"
        write(default / plural / "default.yaml", {"name": "default", "uuid": uuid, **extra})
    return zen_home


def as_json(result):
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_profiles_and_active_choices_load_as_they_are(zen, zenml07):
    result = zen("profile list")
    assert "Creating default profile" not in result.stderr
    assert "Running with active profile: 'team' (global)" in result.stderr
    profiles = {p["name"]: p for p in as_json(zen("profile list --output json"))}
    assert set(profiles) == {"default", "team"}
    assert profiles["team"]["active"] and profiles["team"]["active_stack"] == "kubeflow_stack"
    assert profiles["default"]["active_stack"] == "default"


def test_stacks_and_components_load_as_they_are(zen, zenml07):
    stacks = {s["name"]: s for s in as_json(zen("stack list --output json"))}
    assert set(stacks) == {"local_stack", "kubeflow_stack"}
    assert stacks["kubeflow_stack"]["active"]
    assert stacks["kubeflow_stack"]["components"]["container_registry"] == "local_registry"
    registry = as_json(zen("container-registry describe local_registry --output json"))
    assert registry["uuid"] == "55555555-5555-4555-8555-555555555555"
    assert registry["config"] == {"uri": "localhost:5000"}
    kubeflow = as_json(zen("orchestrator describe kubeflow_orchestrator --output json"))
    assert kubeflow["flavor"] == "kubeflow"
    assert kubeflow["config"]["kubeflow_pipelines_ui_port"] == 8080


def test_our_writes_keep_unknown_keys_and_keep_working(zen, zenml07):
    # The local orchestrator flavor has no fields: refused, nothing written.
    orchestrator = zenml07 / "profiles" / "team" / "orchestrators" / "local_orchestrator.yaml"
    before = orchestrator.read_bytes()
    refused = zen("orchestrator update local_orchestrator --synchronous=true")
    assert refused.exit_code == 1
    assert "synchronous" in refused.stderr.splitlines()[-1]
    assert refused.stderr.splitlines()[-1].startswith("Error: Invalid configuration")
    assert orchestrator.read_bytes() == before
    assert zen("container-registry update local_registry --uri=localhost:6000").exit_code == 0
    assert zen("stack register mine -o local_orchestrator -m local_metadata_store "
               "-a local_artifact_store").exit_code == 0
    assert zen("stack set mine").exit_code == 0
    assert zen("profile create extra").exit_code == 0

    config = yaml.safe_load((zenml07 / "config.yaml").read_text())
    assert config["user_id"] == USER_ID
    assert config["version"] == "0.7.3"  # ZenML 0.7 refuses a config "newer" than itself
    assert config["upgrade_migration_enabled"] is True
    assert config["profiles"]["team"]["active_user"] == "default"
    assert config["profiles"]["team"]["active_stack"] == "mine"
    assert config["profiles"]["extra"]["store_type"] == "local"
    assert config["activated_profile"] == "team"  # profile create does not activate
    index = yaml.safe_load((zenml07 / "profiles" / "team" / "stacks.yaml").read_text())
    assert index["users"][0]["name"] == "default"
    assert index["stacks"]["mine"]["orchestrator"] == "local_orchestrator"
    registry = yaml.safe_load(
        (zenml07 / "profiles" / "team" / "container_registries" / "local_registry.yaml")
        .read_text())
    assert registry.pop("_zen")["revision"] == 2  # zen's own key, which 0.7 ignores
    assert registry == {"name": "local_registry",
                        "uuid": "55555555-5555-4555-8555-555555555555",
                        "uri": "localhost:6000"}
    stacks = {s["name"] for s in as_json(zen("stack list --output json"))}
    assert stacks == {"local_stack", "kubeflow_stack", "mine"}


def test_legacy_runtime_keys_do_not_block_updates(zen, zenml07):
    result = zen("orchestrator rename local_orchestrator local")
    assert result.exit_code == 0, result.stderr
    stacks = {s["name"]: s for s in as_json(zen("stack list --output json"))}
    assert stacks["local_stack"]["components"]["orchestrator"] == "local"


def test_a_new_config_names_a_version_zenml_07_accepts(zen, zen_home):
    """ZenML 0.7 refuses a config.yaml whose ``version`` is newer than its own: zen
    writes the layout's version, never its own (1.x), so 0.7 keeps reading the folder."""
    import zen_core

    assert zen("profile list").exit_code == 0
    config = yaml.safe_load((zen_home / "config.yaml").read_text())
    assert config["version"] == "0.7.0"
    assert zen_core.__version__.split(".")[0] != "0"
