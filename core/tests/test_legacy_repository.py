"""Repositories written by ZenML before 0.7 are migrated to a profile on first use."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from zen_core.testing.cli import active_rows, rows
from zen_core.testing.plugin import run_at_once
from zen_core.testing.require import posix_only

LEGACY_CONFIG = {
    "version": "0.6.3",
    "active_stack_name": "local_kubeflow_stack",
    "stacks": {
        "airflow_stack": {"artifact_store": "local_artifact_store",
                          "metadata_store": "local_metadata_store",
                          "orchestrator": "airflow_orchestrator",
                          "container_registry": None, "step_operator": None},
        "local_kubeflow_stack": {"artifact_store": "local_artifact_store",
                                 "metadata_store": "local_metadata_store",
                                 "orchestrator": "kubeflow_orchestrator",
                                 "container_registry": "local_registry",
                                 "step_operator": None},
        "local_stack": {"artifact_store": "local_artifact_store",
                        "metadata_store": "local_metadata_store",
                        "orchestrator": "local_orchestrator", "container_registry": None},
    },
    "stack_components": {
        "artifact_store": {"local_artifact_store": "local"},
        "metadata_store": {"local_metadata_store": "sqlite"},
        "orchestrator": {"airflow_orchestrator": "airflow",
                         "kubeflow_orchestrator": "kubeflow",
                         "local_orchestrator": "local"},
        "container_registry": {"local_registry": "default"},
    },
}

ZENML = str(Path(sys.executable).parent / "zenml")

COMPONENT_FILES = {
    "artifact_stores/local_artifact_store.yaml": {"path": "/data/artifacts"},
    "metadata_stores/local_metadata_store.yaml": {"uri": "/data/artifacts/metadata.db"},
    "orchestrators/airflow_orchestrator.yaml": {"airflow_home": "/data/airflow"},
    "orchestrators/kubeflow_orchestrator.yaml": {"synchronous": True},
    "orchestrators/local_orchestrator.yaml": {"supports_local_execution": True},
    "container_registries/local_registry.yaml": {"uri": "localhost:5000"},
}


def make_legacy_repository(root: Path, config: dict = LEGACY_CONFIG) -> Path:
    zen_dir = root / ".zen"
    zen_dir.mkdir(parents=True)
    (zen_dir / "config.yaml").write_text(yaml.safe_dump(config))
    for i, (relative, content) in enumerate(COMPONENT_FILES.items()):
        path = zen_dir / relative
        path.parent.mkdir(exist_ok=True)
        name = path.stem
        uuid = f"{i:08d}-0000-4000-8000-000000000000"
        path.write_text(yaml.safe_dump({"name": name, "uuid": uuid, **content}))
    return root


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.endswith(".lock")}


@pytest.fixture
def legacy_repo(tmp_path, monkeypatch) -> Path:
    root = make_legacy_repository(tmp_path / "airflow_local")
    monkeypatch.chdir(root)
    return root


def legacy_name(result_stderr: str) -> str:
    line = next(x for x in result_stderr.splitlines() if "newly created profile" in x)
    return line.rsplit("`", 2)[-2]


def test_first_command_migrates_stacks_into_a_local_profile(zen, legacy_repo):
    result = zen("profile list")
    assert result.exit_code == 0, result.stderr
    zen_dir = legacy_repo / ".zen"
    assert (f"A legacy ZenML repository with locally configured stacks was found at "
            f"`{zen_dir}`.") in result.stderr
    name = legacy_name(result.stderr)
    assert name.startswith("legacy-repository-") and len(name) == len("legacy-repository-") + 8
    assert f"`zenml profile set default && zenml profile delete {name}`" in result.stderr
    assert "This warning will not be shown again." in result.stderr
    assert f"Running with active profile: '{name}' (local)" in result.stderr

    profiles = {p["name"]: p for p in json.loads(zen("profile list --output json").stdout)}
    assert profiles[name]["active"]
    assert profiles[name]["url"] == f"file://{zen_dir}"
    assert profiles[name]["active_stack"] == "local_kubeflow_stack"

    stacks = {s["name"]: s for s in json.loads(zen("stack list --output json").stdout)}
    assert set(stacks) == {"airflow_stack", "local_kubeflow_stack", "local_stack"}
    assert stacks["local_kubeflow_stack"]["active"]
    assert stacks["local_kubeflow_stack"]["components"]["container_registry"] == "local_registry"
    assert "container_registry" not in stacks["airflow_stack"]["components"]  # null dropped
    airflow = json.loads(zen("orchestrator describe airflow_orchestrator --output json").stdout)
    assert airflow["config"] == {"airflow_home": "/data/airflow"}
    assert airflow["uuid"] == "00000002-0000-4000-8000-000000000000"


def test_the_store_stays_in_the_repository_and_the_old_config_is_kept(zen, legacy_repo,
                                                                      zen_home):
    before = snapshot(legacy_repo / ".zen")
    listed = zen("stack list")
    assert listed.exit_code == 0, listed.output
    assert {r[1] for r in rows(listed.stdout)} == {"airflow_stack", "local_kubeflow_stack",
                                                   "local_stack"}
    zen_dir = legacy_repo / ".zen"
    assert yaml.safe_load((zen_dir / "config.legacy.yaml").read_text()) == LEGACY_CONFIG
    after = snapshot(zen_dir)
    for relative in COMPONENT_FILES:
        assert after[relative] == before[relative]
    assert "stacks" in yaml.safe_load((zen_dir / "stacks.yaml").read_text())
    local = yaml.safe_load((zen_dir / "config.yaml").read_text())
    assert local["active_stack_name"] == "local_kubeflow_stack"
    assert local["active_profile_name"].startswith("legacy-repository-")
    assert not any((zen_home / "profiles").glob("legacy-repository-*"))


def test_running_again_shows_no_message_and_migrates_nothing_twice(zen, legacy_repo, zen_home):
    first = zen("stack list")
    second = zen("stack list")
    assert "legacy ZenML repository" in first.stderr
    assert "legacy ZenML repository" not in second.stderr
    config = yaml.safe_load((zen_home / "config.yaml").read_text())
    assert sum(n.startswith("legacy-repository-") for n in config["profiles"]) == 1


def test_the_name_is_derived_from_the_path(zen, tmp_path, monkeypatch):
    names = []
    for attempt in range(2):
        root = make_legacy_repository(tmp_path / f"try{attempt}" / "repo")
        monkeypatch.chdir(root)
        monkeypatch.setenv("ZENML_CONFIG_PATH", str(tmp_path / f"config{attempt}"))
        names.append(legacy_name(zen("stack list").stderr))
    assert names[0] != names[1]  # different paths
    root = tmp_path / "try0" / "repo"
    (root / ".zen" / "config.yaml").write_text(yaml.safe_dump(LEGACY_CONFIG))
    (root / ".zen" / "stacks.yaml").unlink()
    monkeypatch.chdir(root)
    monkeypatch.setenv("ZENML_CONFIG_PATH", str(tmp_path / "config-fresh"))
    assert legacy_name(zen("stack list").stderr) == names[0]  # same path, same name


def test_two_processes_starting_at_once_migrate_once(legacy_repo, zen_home, tmp_path):
    # Released at one moment, and in several rounds: a migration without its lock
    # cannot pass by luck.
    for round in range(3):
        repo = make_legacy_repository(tmp_path / f"round{round}" / "airflow_local")
        results = run_at_once([["stack", "list"]] * 3, cwd=repo)
        assert all(r.exit_code == 0 for r in results), results
        assert sum("legacy ZenML repository" in r.stderr for r in results) == 1, round
        config = yaml.safe_load((zen_home / "config.yaml").read_text())
        assert sum(n.startswith("legacy-repository-") for n in config["profiles"]) == round + 1
        local = yaml.safe_load((repo / ".zen" / "config.yaml").read_text())
        assert local["active_profile_name"].startswith("legacy-repository-")
        legacy = yaml.safe_load((repo / ".zen" / "config.legacy.yaml").read_text())
        assert legacy == LEGACY_CONFIG  # the copy is the original, not a migrated file


def test_a_broken_legacy_file_is_named_and_the_repository_left_as_it_was(zen, legacy_repo,
                                                                         zen_home):
    broken = legacy_repo / ".zen" / "orchestrators" / "kubeflow_orchestrator.yaml"
    broken.write_text("name: [unclosed\n")
    before = snapshot(legacy_repo / ".zen")
    result = zen("stack list")
    assert result.exit_code == 1
    errors = [x for x in result.stderr.splitlines() if x.startswith("Error: ")]
    assert len(errors) == 1 and str(broken) in errors[0]
    assert "Traceback" not in result.stderr
    assert snapshot(legacy_repo / ".zen") == before
    config = yaml.safe_load((zen_home / "config.yaml").read_text())
    assert not any(n.startswith("legacy-repository-") for n in config["profiles"])


def test_a_stack_naming_a_missing_component_is_refused(zen, legacy_repo):
    config = json.loads(json.dumps(LEGACY_CONFIG))
    config["stacks"]["local_stack"]["orchestrator"] = "ghost"
    (legacy_repo / ".zen" / "config.yaml").write_text(yaml.safe_dump(config))
    result = zen("stack list")
    assert result.exit_code == 1
    assert "ghost" in result.stderr and "config.yaml" in result.stderr


def test_a_legacy_repository_without_stacks_gets_the_default_stack(zen, tmp_path, monkeypatch):
    root = tmp_path / "empty"
    (root / ".zen").mkdir(parents=True)
    (root / ".zen" / "config.yaml").write_text(yaml.safe_dump(
        {"version": "0.6.0", "stacks": {}, "stack_components": {}}))
    monkeypatch.chdir(root)
    result = zen("stack list --output json")
    assert result.exit_code == 0, result.stderr
    assert [s["name"] for s in json.loads(result.stdout)] == ["default"]
    assert (root / ".zen" / "orchestrators" / "default.yaml").is_file()


# --- issue 10: the bugs on the way --------------------------------------------------------
def test_a_pristine_legacy_repository_appearing_again_is_migrated_again(zen, legacy_repo):
    first = zen("stack list")
    name = legacy_name(first.stderr)
    # a fresh checkout (or a restored backup) at the same path: the pre-0.7 .zen again
    shutil.rmtree(legacy_repo / ".zen")
    make_legacy_repository(legacy_repo)
    result = zen("stack list --output json")
    assert result.exit_code == 0, result.stderr
    assert f"where one was migrated before to the profile `{name}`" in result.stderr
    assert "migrated into that profile again" in result.stderr
    stacks = {s["name"]: s for s in json.loads(result.stdout)}
    assert set(stacks) == {"airflow_stack", "local_kubeflow_stack", "local_stack"}
    assert stacks["local_kubeflow_stack"]["active"]
    assert "No stacks registered" not in zen("stack list").stderr


def test_a_legacy_config_restored_over_a_migrated_store_says_what_happened(zen, legacy_repo):
    name = legacy_name(zen("stack list").stderr)
    (legacy_repo / ".zen" / "config.yaml").write_text(yaml.safe_dump(LEGACY_CONFIG))
    result = zen("stack list")
    assert result.exit_code == 0, result.stderr
    assert f"was migrated before, to profile `{name}`: using that profile again." in (
        result.stderr)
    assert "local_kubeflow_stack" in result.stdout


def test_names_zen_refuses_are_renamed_and_reported(zen, tmp_path, monkeypatch):
    config = json.loads(json.dumps(LEGACY_CONFIG))
    config["stacks"]["my stack"] = config["stacks"].pop("local_stack")
    config["stacks"]["ünïcode"] = config["stacks"].pop("airflow_stack")
    config["stacks"]["my stack"]["orchestrator"] = "local orchestrator"
    config["stack_components"]["orchestrator"]["local orchestrator"] = (
        config["stack_components"]["orchestrator"].pop("local_orchestrator"))
    config["active_stack_name"] = "my stack"
    root = make_legacy_repository(tmp_path / "odd", config)
    zen_dir = root / ".zen"
    (zen_dir / "orchestrators" / "local_orchestrator.yaml").rename(
        zen_dir / "orchestrators" / "local orchestrator.yaml")
    monkeypatch.chdir(root)

    result = zen("profile list")  # nothing is blocked, profile list included
    assert result.exit_code == 0, result.stderr
    assert "  Renamed stack 'my stack' to 'my_stack'." in result.stderr
    assert "  Renamed stack 'ünïcode' to 'unicode'." in result.stderr
    assert "  Renamed orchestrator 'local orchestrator' to 'local_orchestrator'." in (
        result.stderr)
    stacks = {s["name"]: s for s in json.loads(zen("stack list --output json").stdout)}
    assert set(stacks) == {"my_stack", "unicode", "local_kubeflow_stack"}
    assert stacks["my_stack"]["active"]
    assert stacks["my_stack"]["components"]["orchestrator"] == "local_orchestrator"
    assert (zen_dir / "orchestrators" / "local_orchestrator.yaml").is_file()
    assert (zen_dir / "orchestrators" / "local orchestrator.yaml").is_file()  # kept


@posix_only("runs the command in sh")
def test_the_printed_delete_command_works_where_it_is_printed(zen, legacy_repo):
    result = zen("stack list")
    line = next(x for x in result.stderr.splitlines() if "zenml profile delete" in x)
    command = line.strip().strip("`")
    assert command.startswith("zenml profile set default && zenml profile delete legacy-")
    env = {**os.environ, "PATH": f"{Path(ZENML).parent}:{os.environ['PATH']}"}
    done = subprocess.run(["sh", "-c", command], cwd=legacy_repo, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    profiles = [p["name"] for p in json.loads(zen("profile list --output json").stdout)]
    assert profiles == ["default"]


def test_profile_list_is_in_creation_order_as_the_guide_shows(zen, legacy_repo, tmp_path,
                                                               monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("devel", "sqlite_profile"):
        assert zen(f"profile create {name}").exit_code == 0
    monkeypatch.chdir(legacy_repo)
    result = zen("profile list")
    assert result.exit_code == 0, result.stderr
    names = [row[1] for row in rows(result.stdout)]
    assert names[:3] == ["default", "devel", "sqlite_profile"]
    assert names[3].startswith("legacy-repository-") and len(names) == 4
    assert active_rows(result.stdout) == [names[3]]
