"""What scripts rely on: ``-o``/``ZENML_DEFAULT_OUTPUT``, the record a change prints with
``--output json|yaml``, list filters and paging, and exit codes (0 ok, 1 error, 2 usage,
130 interrupted, ``service status`` 3 when not running)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from zen_core.testing.cli import as_at_a_terminal, failed, ok, rows, usage_error
from zen_core.testing.require import posix_only

ZENML = str(Path(sys.executable).parent / "zenml")
CORE = "-o default -m default -a default"


@pytest.fixture(autouse=True)
def _first_run(zen):
    ok(zen("profile list"))


def as_json(result):
    return json.loads(ok(result).stdout)


# --- -o and ZENML_DEFAULT_OUTPUT ----------------------------------------------------------
def test_o_is_short_for_output(zen):
    assert as_json(zen("profile list -o json"))[0]["name"] == "default"
    assert yaml.safe_load(ok(zen("stack describe -o yaml")).stdout)["name"] == "default"


def test_the_default_output_comes_from_the_environment(zen, monkeypatch):
    monkeypatch.setenv("ZENML_DEFAULT_OUTPUT", "json")
    assert as_json(zen("stack list"))[0]["name"] == "default"
    assert rows(ok(zen("stack list --output table")).stdout)  # the option still wins
    monkeypatch.setenv("ZENML_DEFAULT_OUTPUT", "xml")
    error = usage_error(zen("stack list"))
    assert "ZENML_DEFAULT_OUTPUT" in error and "'xml'" in error


def test_where_o_names_the_orchestrator_output_is_spelled_out(zen):
    written = as_json(zen(f"stack register s {CORE} --output json"))
    assert written["components"]["orchestrator"] == "default"


# --- the resulting record of every change -------------------------------------------------
def test_changes_print_the_resulting_record(zen):
    profile = as_json(zen("profile create p2 -o json"))
    assert profile == {"name": "p2", "store_type": "local", "url": profile["url"],
                       "active_stack": "default", "active_user": "default", "active": False}
    assert as_json(zen("profile set p2 -o json")) == {"name": "p2", "scope": "global"}
    assert as_json(zen("profile rename p2 p3 -o json"))["name"] == "p3"
    ok(zen("profile set default"))

    registry = as_json(zen("container-registry register reg -t default --uri=localhost:5000 "
                           "-o json"))
    assert (registry["name"], registry["revision"], registry["config"]) == (
        "reg", 1, {"uri": "localhost:5000"})
    updated = as_json(zen("container-registry update reg --uri=localhost:5001 -o json"))
    assert (updated["revision"], updated["config"]["uri"]) == (2, "localhost:5001")
    assert as_json(zen("container-registry rename reg r2 -o json"))["name"] == "r2"

    stack = as_json(zen(f"stack register s {CORE} -c r2 --output json"))
    assert stack["components"]["container_registry"] == "r2" and stack["revision"] == 1
    assert as_json(zen("stack set s -o json")) == {"name": "s", "scope": "global"}
    assert as_json(zen("stack remove-component s -c --output json"))["components"] == {
        "orchestrator": "default", "metadata_store": "default", "artifact_store": "default"}
    renamed = as_json(zen("stack rename s s2 -o json"))
    assert renamed["name"] == "s2" and renamed["active"]
    ok(zen("stack set default"))
    deleted = as_json(zen("stack delete s2 -o json"))
    assert deleted["name"] == "s2"
    assert as_json(zen("container-registry delete r2 -o json"))["name"] == "r2"


def test_a_change_in_a_pipe_prints_its_message_on_stderr_and_data_only_on_stdout(zen):
    result = ok(zen("profile create p2"))
    assert result.stdout == ""
    assert "Profile 'p2' successfully created." in result.stderr


# --- filters and paging -------------------------------------------------------------------
@pytest.fixture
def many(zen):
    for name in ("prod-eu", "prod-us", "dev", "staging"):
        ok(zen(f"stack register {name} {CORE}"))
    ok(zen("orchestrator register kf -t kubeflow"))
    ok(zen("container-registry register reg -t default --uri=localhost:5000"))
    ok(zen("stack register kf -o kf -m default -a default -c reg"))


def listed(zen, command: str) -> list[str]:
    return [s["name"] for s in as_json(zen(f"{command} -o json"))]


def test_stack_list_filters_sorts_and_pages(zen, many):
    assert listed(zen, "stack list --name contains:prod") == ["prod-eu", "prod-us"]
    assert listed(zen, "stack list --name prefix:d") == ["default", "dev"]
    assert listed(zen, "stack list --name dev") == ["dev"]
    assert listed(zen, "stack list --flavor kubeflow") == ["kf"]
    assert listed(zen, "stack list --sort=-created --limit 2") == ["kf", "staging"]
    assert listed(zen, "stack list --sort created --limit 2 --page 2") == ["prod-us", "dev"]


def test_a_partial_page_says_where_it_is(zen, many):
    result = ok(zen("stack list --limit 2 --page 2"))
    assert [r[1] for r in rows(result.stdout)] == ["kf", "prod-eu"]
    assert "Showing 3-4 of 6 stacks." in result.stderr
    result = ok(zen("stack list --name contains:nothing"))
    assert "No stacks match." in result.stderr


def test_component_lists_filter_by_flavor_and_name(zen, many):
    assert listed(zen, "orchestrator list --flavor kubeflow") == ["kf"]
    assert listed(zen, "orchestrator list --name prefix:de") == ["default"]
    assert listed(zen, "orchestrator list --sort=-updated") == ["kf", "default"]


@pytest.mark.parametrize("options", [
    "--limit 0", "--limit x", "--page 2", "--sort size", "--name regex:x", "--flavor ''",
    "--limit 2 --page 0",
])
def test_bad_list_options_are_usage_errors(zen, options):
    usage_error(zen(f"stack list {options}"))


# --- exit codes ---------------------------------------------------------------------------
def test_exit_codes(zen):
    assert zen("stack list").exit_code == 0
    failed(zen("stack describe nope"))  # 1: an error
    usage_error(zen("stack list --bogus"))  # 2: usage
    usage_error(zen("stak"))


@posix_only("SIGINT")
def test_ctrl_c_exits_130(zen, zen_home):
    # A command waiting on the store's lock, interrupted as Ctrl-C would.
    from zen_core.fileio import locked

    index = zen_home / "profiles" / "default" / "stacks.yaml"
    with locked(index):
        process = subprocess.Popen([ZENML, "stack", "register", "x", *CORE.split()],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   env=os.environ.copy(), preexec_fn=as_at_a_terminal)
        # The command says which profile it runs with once it has started, before it
        # writes: from then on it is inside the command, waiting for the lock we hold.
        said = []
        for line in process.stderr:
            said.append(line)
            if line.startswith("Running with active profile"):
                break
        assert said and said[-1].startswith("Running with active profile"), said
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    assert process.returncode == 130, [*said, err]
    assert err.strip().splitlines()[-1] == "Error: Interrupted."
    assert [r[1] for r in rows(ok(zen("stack list")).stdout)] == ["default"]  # nothing written


@pytest.mark.zen_needs("zen_service")
def test_service_status_exits_3_when_the_service_is_not_running(zen):
    result = zen("service status")
    assert result.exit_code == 3, result.output
    assert "not running" in result.stdout
    result = zen("service status -o json")
    assert result.exit_code == 3 and json.loads(result.stdout)["status"] == "not running"
