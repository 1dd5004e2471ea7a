"""Third-party plugins: a fake distribution adds a store type, a flavor and a command.

The fake distribution (``tests/data/fake_plugin``) is put on the path of a real
``zenml`` process, so discovery goes through the entry points as for a user.
Beside it sits a broken plugin whose module does not exist.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

FAKE_PLUGIN_PATH = Path(__file__).parent / "data" / "fake_plugin"


@pytest.fixture
def with_plugins(zen_process):
    env = {"PYTHONPATH": os.pathsep.join(filter(None, [str(FAKE_PLUGIN_PATH),
                                                       os.environ.get("PYTHONPATH")]))}

    def run(args: str):
        return zen_process(args, env=env)

    return run


def test_plugins_command_lists_what_each_plugin_contributes(with_plugins):
    result = with_plugins("plugins --output json")
    assert result.exit_code == 0, result.stderr
    plugins = {p["name"]: p for p in json.loads(result.stdout)}
    fake = plugins["fake"]
    assert (fake["distribution"], fake["version"]) == ("zen-fake-plugin", "1.2.3")
    assert set(fake["contributes"]) == {
        "store type fake", "flavor orchestrator/fake_orchestrator", "command fake-hello",
    }
    assert "store type local" in plugins["local_store"]["contributes"]
    assert plugins["zen_core.flavors.plugin"]["distribution"] == "zen-core"


def test_broken_plugin_is_reported_by_name_and_the_cli_keeps_working(with_plugins):
    table = with_plugins("plugins")
    assert table.exit_code == 0, table.stderr
    assert "broken" in table.stdout and "zen-broken-plugin" in table.stdout
    assert "FAILED" in table.stdout and "ModuleNotFoundError" in table.stdout

    result = with_plugins("stack list")
    assert result.exit_code == 0, result.stderr
    assert not [line for line in result.stderr.splitlines() if line.startswith("Error")]
    [active] = [line for line in result.stdout.splitlines() if "👉" in line]
    assert " default " in active  # the command did its work despite the broken plugin
    assert "Failed to load plugin broken (zen-broken-plugin 0.1.0)" in result.stderr
    assert "Traceback" not in result.stderr


def test_plugin_store_type_backs_a_profile(with_plugins, zen_home):
    created = with_plugins("profile create elsewhere --store-type fake")
    assert created.exit_code == 0, created.stderr
    assert "Profile 'elsewhere' successfully created." in created.stderr
    listed = json.loads(with_plugins("profile list --output json").stdout)
    row = next(p for p in listed if p["name"] == "elsewhere")
    assert row["store_type"] == "fake"
    assert row["active_stack"] == "default"
    assert (zen_home / "profiles" / "elsewhere" / "stacks.yaml").is_file()


def test_plugin_flavor_validates_and_registers(with_plugins):
    flavors = json.loads(with_plugins("orchestrator flavor list --output json").stdout)
    fake = next(f for f in flavors if f["name"] == "fake_orchestrator")
    assert [f["name"] for f in fake["fields"]] == ["cluster", "replicas", "kubeconfig"]
    assert [f["name"] for f in fake["fields"] if f["secret"]] == ["kubeconfig"]
    assert [f["secret"] for f in fake["fields"]] == [False, False, True]

    bad = with_plugins("orchestrator register o -t fake_orchestrator --replicas=2")
    assert bad.exit_code == 1
    [error] = [line for line in bad.stderr.splitlines() if line.startswith("Error: ")]
    assert error == ("Error: Invalid configuration for orchestrator flavor 'fake_orchestrator': "
                     "missing required field 'cluster' (accepted fields: cluster, replicas, "
                     "kubeconfig).")
    assert "o" not in {c["name"] for c in json.loads(
        with_plugins("orchestrator list --output json").stdout)}

    ok = with_plugins("orchestrator register o -t fake_orchestrator --cluster=c1 --replicas=3")
    assert ok.exit_code == 0, ok.stderr
    described = json.loads(with_plugins("orchestrator describe o --output json").stdout)
    assert described["flavor"] == "fake_orchestrator"
    assert described["config"] == {"cluster": "c1", "replicas": 3}  # no default stored


def test_a_plugin_flavors_stack_rules_apply(with_plugins):
    assert with_plugins("orchestrator register o -t fake_orchestrator --cluster=c1").exit_code == 0
    needs = with_plugins("stack register s -o o -m default -a default")
    assert needs.exit_code == 1
    assert needs.stderr.splitlines()[-1] == (
        "Error: Stack 's' cannot use the orchestrator 'o' (fake_orchestrator flavor): "
        "it needs a secrets manager.")
    assert with_plugins("secrets-manager register x -t local").exit_code == 0
    check = with_plugins("stack register s -o o -m default -a default -x x")
    assert check.exit_code == 1
    assert check.stderr.splitlines()[-1] == (
        "Error: Stack 's' cannot use the orchestrator 'o' (fake_orchestrator flavor): "
        "the fake cluster cannot read a local artifact store.")
    assert with_plugins("artifact-store register s3 -t s3 --path=s3://b").exit_code == 0
    assert with_plugins("stack register s -o o -m default -a s3 -x x").exit_code == 0
    stacks = {s["name"]: s for s in json.loads(with_plugins("stack list --output json").stdout)}
    assert stacks["s"]["components"]["orchestrator"] == "o"


def test_plugin_command_runs(with_plugins):
    result = with_plugins("fake-hello zen")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "hello zen from the fake plugin"
    assert "fake-hello" in with_plugins("--help").stdout


def test_without_the_plugin_its_store_type_is_unknown(zen):
    result = zen("profile create elsewhere --store-type fake")
    assert result.exit_code == 1
    assert "Unknown store type 'fake'" in result.stderr
    assert "local" in result.stderr


def test_a_newly_installed_plugin_is_found_despite_the_discovery_cache(zen_process, with_plugins,
                                                                     zen_home):
    assert zen_process("stack list").exit_code == 0  # caches the discovery without the plugin
    assert list((zen_home / "cache").glob("entry-points-*.json"))
    found = with_plugins("fake-hello")
    assert (found.exit_code, found.stdout.strip()) == (0, "hello world from the fake plugin")
    gone = zen_process("fake-hello")  # and gone again without it
    assert gone.exit_code == 2  # a usage error
    assert "No such command 'fake-hello'" in gone.stderr


def test_a_declared_secret_field_is_masked_whatever_its_name(with_plugins, tmp_path):
    """``kubeconfig`` does not look like a secret; the flavor declares it one. Masking by
    the key's name alone would show it: only the flavor's schema says it is secret."""
    from zen_core.masking import SECRET_NAME

    assert not SECRET_NAME.search("kubeconfig"), "the test needs a name that looks innocent"
    secret = "hunter2-not-for-listings"
    registered = with_plugins("orchestrator register o -t fake_orchestrator --cluster=c1 "
                              f"--kubeconfig={secret}")
    assert registered.exit_code == 0, registered.stderr
    # the fake flavor's stack rules want a secrets manager and no local artifact store
    assert with_plugins("secrets-manager register x -t local").exit_code == 0
    assert with_plugins("artifact-store register s3 -t s3 --path=s3://b").exit_code == 0
    assert with_plugins("stack register s -o o -m default -a s3 -x x").exit_code == 0
    outputs = {
        "table": with_plugins("orchestrator list"),
        "json": with_plugins("orchestrator list --output json"),
        "yaml": with_plugins("orchestrator list --output yaml"),
        "describe": with_plugins("orchestrator describe o"),
        "describe json": with_plugins("orchestrator describe o --output json"),
        "stack describe": with_plugins("stack describe s"),
        "export": with_plugins("stack export s"),
    }
    for what, result in outputs.items():
        assert result.exit_code == 0, (what, result.stderr)
        assert secret not in result.stdout + result.stderr, what
    described = json.loads(outputs["describe json"].stdout)
    reference = "{{orchestrator-o.kubeconfig}}"  # the value was kept as a secret of its own
    assert described["config"] == {"cluster": "c1", "kubeconfig": reference}
    [exported] = [c for c in yaml.safe_load(outputs["export"].stdout)["components"]
                  if c["type"] == "orchestrator"]
    assert exported["config"] == {"cluster": "c1", "kubeconfig": reference}  # replicas: default
    # the value is kept, and shown only when asked for
    assert secret in with_plugins("stack export s --include-secrets").stdout
