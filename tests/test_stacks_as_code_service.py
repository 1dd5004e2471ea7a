"""Stacks as code through a zen service (issue 19): CI applying to the team's service with an
editor's key, refused with a viewer's; labels in the API's filters."""

from __future__ import annotations

import json

import pytest
import requests

from zen_core.testing.cli import failed, ok
from zen_core.testing.helpers import profile_store

pytestmark = pytest.mark.zen_needs("zen_service")

FILE = """\
set: ci
components:
  - type: orchestrator
    flavor: local
    name: orch
    labels: {env: prod}
stacks:
  - name: prod
    components: {orchestrator: orch, metadata_store: default, artifact_store: default}
    labels: {env: prod}
"""


@pytest.fixture
def served(zen, zen_home):
    """A service on the default profile and rest profiles with an editor's and a viewer's
    key; yields (zen, state, keys)."""
    from zen_service.testing import add_user_key, running_service

    ok(zen("stack list"))
    with running_service(zen_home, profile="default") as state:
        store = profile_store("default")
        keys = {"editor": add_user_key(store, "ci", "editor"),
                "viewer": add_user_key(store, "vi", "viewer"),
                "ann": add_user_key(store, "ann", "editor")}
        for role, key in keys.items():
            ok(zen(f"profile create {role} --type rest --url {state.url} --token-stdin",
                   input=key + "\n"))
        yield zen, state, keys


def test_apply_with_an_editors_key_and_refused_with_a_viewers(served, zen_home):
    zen, state, keys = served
    stacks_file = zen_home.parent / "stacks.yaml"
    stacks_file.write_text(FILE)
    assert zen(f"diff -f {stacks_file} --profile viewer").exit_code == 1  # a viewer may look
    error = failed(zen(f"apply -f {stacks_file} -y --profile viewer"))
    assert "'editor' role" in error
    assert "prod" not in [s["name"] for s in
                          json.loads(ok(zen("stack list -o json --profile editor")).stdout)]
    ok(zen(f"apply -f {stacks_file} -y --profile editor"))
    assert zen(f"diff -f {stacks_file} --profile editor").exit_code == 0
    # drift: a change by hand shows with its author, and apply puts the file's state back
    ok(zen("orchestrator update orch --label env=hotfix --profile ann"))
    drift = zen(f"diff -f {stacks_file} --profile editor -o json")
    assert drift.exit_code == 1
    [change] = json.loads(drift.stdout)["changes"]
    assert change["last_change"]["actor"] == "ann"
    assert change["keys"] == [{"key": "labels.env", "old": "hotfix", "new": "prod"}]
    ok(zen(f"apply -f {stacks_file} -y --profile editor"))
    # the history names the key's user as the author; ann's hand change came before
    events = json.loads(ok(zen("history -o json --profile default")).stdout)["events"]
    assert [e["actor"] for e in events[:2]] == ["ci", "ann"]
    # labels are in the API's filters and records
    answer = requests.get(state.url.rstrip("/") + "/api/v1/stacks",
                          params={"label": "env=prod"},
                          headers={"Authorization": f"Bearer {keys['viewer']}"}, timeout=10)
    assert [s["name"] for s in answer.json()["items"]] == ["prod"]
    assert answer.json()["items"][0]["labels"] == {"env": "prod", "zen.dev/apply-set": "ci"}
    bad = requests.get(state.url.rstrip("/") + "/api/v1/components",
                       params={"label": "a=,,"},
                       headers={"Authorization": f"Bearer {keys['viewer']}"}, timeout=10)
    assert bad.status_code == 422
