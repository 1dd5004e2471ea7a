"""The seed's "Sharing Stacks over the Network", end to end: `zenml` through a real service."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time

import pytest

from zen_core.masking import mask_url
from zen_core.testing.cli import failed, ok
from zen_core.testing.require import require_modules

# Skipped without zen-service; failed instead under ZEN_REQUIRE_PLUGINS=1 (CI).
require_modules("zen_service")

from zen_service.state import read_state  # noqa: E402
from zen_service.testing import free_port  # noqa: E402

LOCAL = {"ZENML_ACTIVATED_PROFILE": "default"}


def errors(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("Error:")]


@pytest.fixture
def remote(zenml, zen_home):
    """The seed's set-up: a service on the default profile and an active `remote` profile."""
    port = free_port()
    up = ok(zenml(f"service up --port {port}"))
    assert up.stderr.splitlines()[-1] == f"Zenml Service running at 'http://localhost:{port}/'."
    created = ok(zenml(f"profile create remote --type=rest --url=http://localhost:{port}"))
    assert "Profile 'remote' successfully created." in created.stderr
    ok(zenml("profile set remote"))
    return port


def test_the_seed_transcript(zenml, remote):
    listed = ok(zenml("stack list"))
    assert "Running with active profile: 'remote' (global)" in listed.stderr
    assert listed.stdout == ok(zenml("stack list", env=LOCAL)).stdout
    assert "default" in listed.stdout
    profiles = ok(zenml("profile list")).stdout
    assert f"http://localhost:{remote}" in profiles and "rest" in profiles
    for command in ("orchestrator list", "artifact-store list", "stack describe",
                    "stack list --output json", "metadata-store describe default"):
        assert ok(zenml(command)).stdout == ok(zenml(command, env=LOCAL)).stdout, command


def test_every_kind_of_change_goes_through_the_service(zenml, remote):
    ok(zenml("orchestrator register o2 -t local"))
    ok(zenml("artifact-store register a2 -t local --path=/tmp/a2"))
    ok(zenml("stack register s2 -o o2 -m default -a a2"))
    ok(zenml("stack set s2"))
    ok(zenml("stack update s2 -o default"))
    ok(zenml("stack rename s2 s3"))
    ok(zenml("orchestrator rename o2 o3"))
    ok(zenml("artifact-store update a2 --path=/tmp/other"))
    ok(zenml("stack set default"))
    ok(zenml("stack delete s3"))
    ok(zenml("orchestrator delete o3"))
    # the served profile itself saw every change
    assert "s3" not in ok(zenml("stack list", env=LOCAL)).stdout
    assert "/tmp/other" in ok(zenml("artifact-store describe a2", env=LOCAL)).stdout
    assert ok(zenml("orchestrator list")).stdout == ok(zenml("orchestrator list",
                                                                env=LOCAL)).stdout


def test_changes_on_the_served_profile_are_visible_through_the_service_at_once(zenml, remote):
    ok(zenml("orchestrator register direct -t local", env=LOCAL))
    assert "direct" in ok(zenml("orchestrator list")).stdout
    ok(zenml("stack register direct -o direct -m default -a default", env=LOCAL))
    assert "direct" in ok(zenml("stack list")).stdout
    ok(zenml("stack delete direct", env=LOCAL))
    assert "direct" not in ok(zenml("stack list")).stdout
    # and the other way round
    ok(zenml("orchestrator register through -t local"))
    assert "through" in ok(zenml("orchestrator list", env=LOCAL)).stdout


#: Failing commands: each must fail the same way through the service as directly.
FAILING = [
    "stack delete nope",
    "stack describe nope",
    "stack rename nope other",
    "stack register default -o default -m default -a default",
    "stack register s -o ghost -m default -a default",
    "orchestrator register default -t local",
    "orchestrator delete default",
    "orchestrator describe nope",
    "orchestrator rename nope other",
    "artifact-store update nope --path=/x",
]


def test_errors_are_the_same_through_the_service(zenml, remote):
    for command in FAILING:
        through = zenml(command)
        direct = zenml(command, env=LOCAL)
        assert through.exit_code == direct.exit_code == 1, command
        assert errors(through) == errors(direct), command
        assert len(errors(through)) == 1, through.output
        assert "Traceback" not in through.output


def test_a_stopped_service_is_one_clear_line(zen, zenml, remote):
    ok(zenml("service down"))
    started = time.monotonic()  # the command in this process: its own time, no start-up
    result = zen("stack list")
    assert time.monotonic() - started < 5  # at once: no retry of a refused connection
    assert result.exit_code == 1
    assert errors(result) == [
        f"Error: Cannot reach the zen service at http://localhost:{remote} (connection "
        "refused). Is it running? Check with `zenml service status` on its machine, or fix "
        "the profile's URL (`zenml profile update remote --url URL`). Meanwhile other "
        "profiles still work: `--profile default` runs one command with one, `zenml profile "
        "set default` switches to it."]
    assert "Traceback" not in result.output
    # `remote` is active now: up needs to be told what to serve
    refused = zenml(f"service up --port {remote}")
    assert errors(refused) == [
        "Error: Profile 'remote' uses the rest store type: a zen service serves a local or "
        "sql profile, not another service. Choose one with --profile (`--profile default` "
        "serves the profile it served last time)."]
    # it comes back with the same token: the profile works again
    ok(zenml(f"service up --port {remote} --profile default"))
    ok(zenml("stack list"))


def test_a_client_elsewhere_needs_a_key(zenml, remote, zen_home, tmp_path):
    url = f"http://localhost:{remote}"
    token = read_state(zen_home).token
    elsewhere = {"ZENML_CONFIG_PATH": str(tmp_path / "laptop")}

    refused = zenml(f"profile create team --type rest --url {url}", env=elsewhere)
    assert refused.exit_code == 1
    [error] = errors(refused)
    assert error.startswith("Error: No API key given.")
    assert "zenml service status --show-token" in error and "--token" in error
    assert "zenml user key create USER" in error
    assert "ZENML_STORE_TOKEN" in error and "This client sent no token" in error
    assert "team" not in ok(zenml("profile list", env=elsewhere)).stdout  # nothing half made

    wrong = zenml(f"profile create team --type rest --url {url} --token nope", env=elsewhere)
    assert errors(wrong)[0].startswith("Error: The API key is malformed")
    assert "This client sent the profile's token." in errors(wrong)[0]

    ok(zenml(f"profile create team --type rest --url {url} --token {token}", env=elsewhere))
    ok(zenml("profile set team", env=elsewhere))
    assert ok(zenml("stack list", env=elsewhere)).stdout == ok(zenml("stack list",
                                                                     env=LOCAL)).stdout

    with_env = {**elsewhere, "ZENML_STORE_TOKEN": token}
    ok(zenml(f"profile create viaenv --type rest --url {url}", env=with_env))
    ok(zenml("stack list", env={**with_env, "ZENML_ACTIVATED_PROFILE": "viaenv"}))
    without = zenml("stack list", env={**elsewhere, "ZENML_ACTIVATED_PROFILE": "viaenv"})
    assert without.exit_code == 1 and "No API key given." in errors(without)[0]


def test_rest_profile_urls(zenml):
    ok(zenml("profile list"))
    missing = zenml("profile create r --type rest")
    assert errors(missing) == ["Error: Store type 'rest' has no default location: pass --url."]
    for url in ("localhost:8000", "ftp://localhost", "http://localhost:8000/api",
                "http://localhost:99999", "http://user:pw@localhost:8000", "http://"):
        bad = zenml(f"profile create r --type rest --url {url}")
        assert bad.exit_code == 1, url
        shown = mask_url(url)  # a password in the URL is never shown
        prefix = f"Error: Invalid URL for store type 'rest': {shown} ("
        assert errors(bad)[0].startswith(prefix), url
    port = free_port()
    down = zenml(f"profile create r --type rest --url http://127.0.0.1:{port}/")
    assert down.exit_code == 1
    assert "Cannot reach the zen service" in errors(down)[0]
    assert "| r " not in ok(zenml("profile list")).stdout


WRITER = textwrap.dedent("""
    import sys
    from zen_core.models import Component, ComponentType
    kind, url, token, prefix = sys.argv[1:5]
    if kind == "rest":
        from zen_core.store import StoreContext
        from zen_rest_store.store import RestStore
        store = RestStore(url, StoreContext(token=token))
    else:
        from zen_local_store.store import LocalStore
        store = LocalStore(url)
    for i in range(15):
        store.register_component(Component(ComponentType.ORCHESTRATOR, "local", f"{prefix}{i}"))
""")


def test_concurrent_writes_through_the_service_and_directly_lose_nothing(zenml, remote,
                                                                         zen_home):
    token = read_state(zen_home).token
    rest_url = f"http://localhost:{remote}"
    local_url = f"file://{zen_home}/profiles/default"
    writers = [("rest", rest_url, "r1"), ("rest", rest_url, "r2"),
               ("local", local_url, "l1"), ("local", local_url, "l2")]
    processes = [subprocess.Popen([sys.executable, "-c", WRITER, kind, url, token, prefix],
                                  env=os.environ.copy())
                 for kind, url, prefix in writers]
    assert [p.wait(120) for p in processes] == [0, 0, 0, 0]
    from zen_core.store import StoreContext
    from zen_rest_store.store import RestStore

    names = {c.name for c in RestStore(rest_url, StoreContext(token=token)).list_components()}
    assert {f"{prefix}{i}" for _, _, prefix in writers for i in range(15)} <= names


def _run_together(commands: list[str]) -> list[tuple[int, str]]:
    from zen_core.testing.plugin import ZENML

    processes = [subprocess.Popen([ZENML, *command.split()], text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for command in commands]
    return [(p.wait(120), p.communicate()[1]) for p in processes]


def test_concurrent_partial_updates_through_the_service_lose_nothing(zenml, remote):
    """Issue 8's lost updates, through a rest profile: two `orchestrator update` of different
    keys and two `stack update` of different types at the same moment all land."""
    ok(zenml("orchestrator register kf -t kubeflow"))
    ok(zenml("container-registry register r -t default --uri=localhost:5000"))
    ok(zenml("secrets-manager register x -t local"))
    ok(zenml("stack register hot -o default -m default -a default"))
    for trial in range(3):
        results = _run_together([
            f"orchestrator update kf --kubeflow_pipelines_ui_port={9000 + trial}",
            f"orchestrator update kf --kubernetes_context=ctx{trial}",
            "stack update hot -c r",
            "stack update hot -x x",
        ])
        assert [code for code, _ in results] == [0, 0, 0, 0], results
        kf = json.loads(ok(zenml("orchestrator describe kf --output json")).stdout)
        assert (kf["config"]["kubeflow_pipelines_ui_port"], kf["config"]["kubernetes_context"]) \
            == (9000 + trial, f"ctx{trial}"), trial
        stack = json.loads(ok(zenml("stack describe hot --output json")).stdout)
        assert {"container_registry": "r", "secrets_manager": "x"}.items() <= \
            stack["components"].items(), trial
        ok(zenml("stack remove-component hot -c -x"))


def test_a_stack_broken_by_hand_in_the_served_store_through_the_service(zenml, zen_home,
                                                                        remote):
    ok(zenml("stack register prod -o default -m default -a default"))
    index = zen_home / "profiles" / "default" / "stacks.yaml"
    data = json.loads(index.read_text())
    data["stacks"]["prod"]["orchestrator"] = "ghost"
    index.write_text(json.dumps(data))
    problem = (f"{index}: stack 'prod' names orchestrator 'ghost', which is not registered. "
               "Fix that file or `zenml stack update prod --orchestrator NAME`.")
    assert failed(zenml("stack describe prod")) == f"Error: {problem}"
    assert failed(zenml("stack set prod")) == f"Error: {problem}"
    assert "ghost" in ok(zenml("stack list")).stdout  # listed (marked on the served profile)
    ok(zenml("stack update prod -o default"))
    assert "ghost" not in ok(zenml("stack describe prod")).stdout
    index.write_text(json.dumps(data))
    ok(zenml("stack delete prod -y"))
    assert "prod" not in ok(zenml("stack list")).stdout
