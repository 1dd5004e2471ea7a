"""One answer per role and operation, whatever the edge: the CLI on a direct store, the
Python API, and HTTP (the service's routes).

The promised roles (README, "Users, roles, keys"): a ``viewer`` reads, with secret
values masked; an ``editor`` also writes stacks and components and reads secrets; an
``admin`` also manages users, teams, roles and keys. A user with no role may do none of
it. Each operation is tried by each role through each edge, and the verdicts
(allowed or refused, with the role named) must be the table below on every edge.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from zen_core.client import Client
from zen_core.exceptions import NotPermittedError
from zen_core.services import accounts, history, keys, transfer
from zen_core.testing.cli import ok
from zen_core.testing.helpers import profile_store

pytestmark = pytest.mark.zen_needs("zen_service")

ROLES = ("none", "viewer", "editor", "admin")
#: The weakest role each operation needs: the promise this test pins.
NEEDS = {
    "list stacks": "viewer",
    "describe a stack": "viewer",
    "list components": "viewer",
    "read the history": "viewer",
    "read a secret": "editor",
    "register a component": "editor",
    "update a stack": "editor",
    "delete a component": "editor",
    "create a user": "admin",
    "list API keys": "admin",
}
SECRET = "s3cr3t-api-key"
MASK = "********"  # what a viewer sees in place of a value (README)
#: The secret the plain api_key given to tracker ``w`` was kept in (issue 18).
OWN_SECRET = "experiment-tracker-w"


def allowed(role: str, operation: str) -> bool:
    return role != "none" and ROLES.index(role) >= ROLES.index(NEEDS[operation])


def names_the_role(message: str, role: str, operation: str) -> bool:
    """A refusal names the role needed: the operation's, or for a user without any role
    the viewer's, when the refusal is of the read that comes first."""
    named = {f"'{NEEDS[operation]}' role"} | ({"'viewer' role"} if role == "none" else set())
    return "may not" in message and any(n in message for n in named)


@dataclass
class World:
    zen: Callable
    http: object  # a Flask test client of the service over the same store
    keys: dict[str, str]

    def user(self, role: str) -> str:
        return f"u-{role}"


@pytest.fixture
def world(zen, zen_home):
    """The default local profile with a stack ``s`` using a W&B tracker ``w`` (its api_key
    a secret), a user of each role with an API key, and per (edge, role) an orchestrator
    to put in the stack and one to delete."""
    from zen_service.app import create_app
    from zen_service.testing import add_user_key

    ok(zen("experiment-tracker register w -t wandb --project_name=p --entity=e "
           f"--api_key={SECRET}"))
    ok(zen("stack register s -o default -m default -a default -e w"))
    for edge, role in itertools.product(EDGES, ROLES):
        ok(zen(f"orchestrator register gone-{edge}-{role} -t local"))
        ok(zen(f"orchestrator register up-{edge}-{role} -t local"))
    ok(zen("user create u-none"))
    for role in ROLES[1:]:
        ok(zen(f"user create u-{role}"))
        ok(zen(f"role assign {role} --user u-{role}"))
    store = profile_store()
    found = {role: add_user_key(store, f"u-{role}") for role in ROLES}
    return World(zen, create_app("default").test_client(), found)


# --- the CLI on a direct store (acting as the profile's active user) ---------------------------
def cli(world: World, role: str, operation: str) -> bool:
    ok(world.zen(f"user set {world.user(role)}"))
    command = {
        "list stacks": "stack list",
        "describe a stack": "stack describe s",
        "list components": "experiment-tracker list",
        "read the history": "history",
        "read a secret": "stack export s --include-secrets",
        "register a component": f"orchestrator register new-cli-{role} -t local",
        "update a stack": f"stack update s -o up-cli-{role}",
        "delete a component": f"orchestrator delete gone-cli-{role} -y",
        "create a user": f"user create made-cli-{role}",
        "list API keys": "user key list u-admin",
    }[operation]
    result = world.zen(command)
    ok(world.zen("user set default"))
    if result.exit_code == 0:
        assert operation != "read a secret" or SECRET in result.stdout
        return True
    assert result.exit_code == 1 and names_the_role(result.stderr, role, operation), result.output
    return False


# --- the Python API (a Client acting as the profile's active user) -----------------------------
def api(world: World, role: str, operation: str) -> bool:
    ok(world.zen(f"user set {world.user(role)}"))
    client = Client()
    calls = {
        "list stacks": lambda: client.list_stacks(),
        "describe a stack": lambda: client.get_stack("s"),
        "list components": lambda: client.list_components("experiment_tracker"),
        "read the history": lambda: history.list_(client.access),
        "read a secret": lambda: transfer.export_stack(client.access, "s", include_secrets=True),
        "register a component": lambda: client.register_component(
            "orchestrator", f"new-api-{role}", "local", {}),
        "update a stack": lambda: client.update_stack("s", {"orchestrator": f"up-api-{role}"}),
        "delete a component": lambda: client.delete_component("orchestrator", f"gone-api-{role}"),
        "create a user": lambda: accounts.create_user(client.access, f"made-api-{role}"),
        "list API keys": lambda: keys.list_(client.access, "u-admin"),
    }
    try:
        answer = calls[operation]()
    except NotPermittedError as err:
        assert names_the_role(err.message, role, operation), err.message
        return False
    finally:
        ok(world.zen("user set default"))
    assert operation != "read a secret" or SECRET in str(answer)
    return True


# --- HTTP (the service, acting as the user of the key sent) ------------------------------------
def http(world: World, role: str, operation: str) -> bool:
    headers = {"Authorization": f"Bearer {world.keys[role]}"}
    method, path, body = {
        "list stacks": ("GET", "/api/v1/stacks", None),
        "describe a stack": ("GET", "/api/v1/stacks/s", None),
        "list components": ("GET", "/api/v1/components/experiment_tracker", None),
        "read the history": ("GET", "/api/v1/events", None),
        "read a secret": ("GET", f"/api/v1/secrets/{OWN_SECRET}", None),
        "register a component": ("POST", "/api/v1/components",
                                 {"type": "orchestrator", "flavor": "local",
                                  "name": f"new-http-{role}"}),
        "update a stack": ("PATCH", "/api/v1/stacks/s",
                           {"set": {"orchestrator": f"up-http-{role}"}}),
        "delete a component": ("DELETE", f"/api/v1/components/orchestrator/gone-http-{role}",
                               None),
        "create a user": ("POST", "/api/v1/batch",
                          {"writes": [{"op": "create_user", "user": {
                              "name": f"made-http-{role}"}}]}),
        "list API keys": ("GET", "/api/v1/users/u-admin/api-keys", None),
    }[operation]
    response = world.http.open(path, method=method, json=body, headers=headers)
    if response.status_code == 403:
        assert names_the_role(response.json["message"], role, operation), response.json
        return False
    assert response.status_code < 300, response.json
    if operation == "read a secret":  # over HTTP a secret is masked, not refused
        return response.json["values"]["api_key"] == SECRET
    return True


EDGES = {"cli": cli, "api": api, "http": http}


def test_every_edge_gives_each_role_the_same_answer(world):
    for operation in NEEDS:
        for role in ROLES:
            verdicts = {edge: run(world, role, operation) for edge, run in EDGES.items()}
            expected = allowed(role, operation)
            assert verdicts == dict.fromkeys(EDGES, expected), (role, operation, verdicts)


def test_a_viewer_sees_secrets_masked_on_every_edge(world):
    """What a viewer may read, it reads masked: the CLI, the Python API and HTTP alike. The
    component holds a reference; the secret it names shows its keys, never its values."""
    ok(world.zen("user set u-viewer"))
    reference = "{{" + OWN_SECRET + ".api_key}}"
    listed = world.zen("experiment-tracker describe w -o json")
    assert SECRET not in listed.stdout and reference in listed.stdout
    described = world.zen(f"secret describe {OWN_SECRET} -o json")
    assert SECRET not in described.stdout and json.loads(described.stdout)["keys"] == ["api_key"]
    client = Client()
    assert client.get_component("experiment_tracker", "w").config["api_key"] == reference
    secret = client.get_secret(OWN_SECRET)
    assert secret.values == {"api_key": MASK} and secret.masked == {"api_key"}
    answer = world.http.get(f"/api/v1/secrets/{OWN_SECRET}",
                            headers={"Authorization": f"Bearer {world.keys['viewer']}"})
    assert answer.json["values"]["api_key"] == MASK and answer.json["masked"] == ["api_key"]
