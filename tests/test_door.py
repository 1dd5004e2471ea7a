"""One door into the domain: each case issue 17 saw slip past a check, tried as a user would.

- a viewer reads no secret through a forgotten check (either export format, a copy);
- a value read masked is never written anywhere as data (export, profile copy,
  component copy through a viewer's rest profile; a write that sends the mask back);
- ``POST /api/v1/batch`` refuses what the single routes refuse, and the service's
  bookkeeping of a key's use is not an operation of the API;
- the only admin of a store served over HTTP cannot take the role from themselves.
"""

from __future__ import annotations

import json

import pytest

from zen_core.masking import MASK
from zen_core.models import ComponentType
from zen_core.testing.cli import failed, ok
from zen_core.testing.helpers import profile_store

pytestmark = pytest.mark.zen_needs("zen_service")

SECRET = "s3cr3t-api-key"
TRACKER = f"experiment-tracker register w -t wandb --project_name=p --entity=e --api_key={SECRET}"


@pytest.fixture
def with_secret(zen, zen_home):
    """The default local profile with stack ``s`` using a W&B tracker whose api_key is a
    secret, and a viewer ``vi``."""
    ok(zen(TRACKER))
    ok(zen("stack register s -o default -m default -a default -e w"))
    ok(zen("user create vi"))
    ok(zen("role assign viewer --user vi"))
    return zen


@pytest.mark.parametrize("form", ["", " --format zenml"])
def test_a_viewer_exports_no_secret_in_either_format(with_secret, form):
    zen = with_secret
    ok(zen("user set vi"))
    result = zen(f"stack export s --include-secrets{form}")
    error = failed(result)
    assert "'editor' role" in error and SECRET not in result.output
    assert SECRET not in ok(zen(f"stack export s{form}")).stdout  # without: left out


def test_a_viewer_copies_no_secret_from_another_profile(with_secret, zen_home):
    zen = with_secret
    ok(zen("profile create mine"))
    ok(zen("user set vi"))  # on the default profile: a viewer
    ok(zen("profile set mine"))
    error = failed(zen("experiment-tracker copy w w --from-profile default"))
    assert "'editor' role" in error
    assert json.loads(ok(zen("experiment-tracker list -o json")).stdout) == []


@pytest.fixture
def viewer_remote(with_secret, zen_home):
    """A rest profile ``remote`` (active) whose key is a viewer's, on a service serving the
    default profile."""
    from zen_service.testing import add_user_key, running_service

    zen = with_secret
    key = add_user_key(profile_store(), "vi")
    with running_service(zen_home, profile="default") as state:
        ok(zen(f"profile create remote --type rest --url {state.url} --token {key}"))
        ok(zen("profile set remote"))
        yield zen


@pytest.mark.parametrize("command", [
    "stack export s --include-secrets",
    "stack export s --include-secrets --format zenml",
    "experiment-tracker copy w w2 --from-profile remote",
    "stack copy s s2 --from-profile remote",
])
def test_masked_values_are_never_data_through_a_viewers_rest_profile(viewer_remote, command,
                                                                     zen_home):
    zen = viewer_remote
    if "--from-profile" in command:
        ok(zen("profile set default"))  # copying from the remote profile into this one
    before = profile_store("default").list_components()
    result = zen(command)
    error = failed(result)
    assert "withheld" in error or "'editor' role" in error, error
    assert MASK not in result.stdout and SECRET not in result.output
    assert profile_store("default").list_components() == before


def test_a_profile_copy_of_masked_values_is_refused_and_leaves_nothing(viewer_remote,
                                                                      zen_home):
    zen = viewer_remote
    error = failed(zen("profile copy remote copied --store-type local"))
    assert "withheld" in error and "'editor' role" in error
    names = {p["name"] for p in json.loads(zen("profile list -o json").stdout)}
    assert "copied" not in names and not (zen_home / "profiles" / "copied").exists()


def test_the_mask_sent_back_as_a_secret_is_refused(with_secret):
    zen = with_secret
    error = failed(zen(f"experiment-tracker update w --api_key={MASK}"))
    assert "mask" in error and "real value" in error
    tracker = profile_store().get_component(ComponentType.EXPERIMENT_TRACKER, "w")
    assert tracker.config["api_key"] == "{{experiment-tracker-w.api_key}}"
    shown = json.loads(ok(zen("secret describe experiment-tracker-w --show -o json")).stdout)
    assert shown["values"] == {"api_key": SECRET}


# --- the service: one write in a batch is checked as it is on its own -------------------------
@pytest.fixture
def api(zen, zen_home):
    from zen_core.config import GlobalConfig
    from zen_core.services import serving
    from zen_service.app import create_app

    ok(zen("stack list"))
    config = GlobalConfig()
    key = serving.admin_key(config, config.get_profile("default"))  # as `service up` does
    client = create_app("default").test_client()

    def call(method, path, body=None):
        return client.open(path, method=method, json=body,
                           headers={"Authorization": f"Bearer {key}"})

    return call


def _events(call) -> int:
    return call("GET", "/api/v1/events?limit=1").json["total"]


@pytest.mark.parametrize(("single", "write", "status"), [
    (("PATCH", "/api/v1/stacks/default", {}),
     {"op": "update_stack", "name": "default", "change": {}}, 422),
    (("PATCH", "/api/v1/stacks/default", {"name": "default"}),
     {"op": "update_stack", "name": "default", "change": {"name": "default"}}, 409),
    (("PATCH", "/api/v1/components/orchestrator/default", {}),
     {"op": "update_component", "type": "orchestrator", "name": "default", "change": {}}, 422),
    (("PATCH", "/api/v1/components/orchestrator/default", {"name": "default"}),
     {"op": "update_component", "type": "orchestrator", "name": "default",
      "change": {"name": "default"}}, 409),
])
def test_a_batch_refuses_what_the_single_route_refuses(api, single, write, status):
    revision = api("GET", "/api/v1/stacks/default").json["revision"]
    events = _events(api)
    alone = api(*single)
    batched = api("POST", "/api/v1/batch", {"writes": [write]})
    assert (alone.status_code, batched.status_code) == (status, status)
    assert batched.json["message"] == alone.json["message"]
    assert api("GET", "/api/v1/stacks/default").json["revision"] == revision
    assert _events(api) == events


def test_a_keys_last_use_is_not_an_operation_of_the_api(api):
    me = api("GET", "/api/v1/me").json["key"]
    forged = api("POST", "/api/v1/batch", {"writes": [
        {"op": "touch_api_key", "key_id": "0123456789ab", "when": "2001-01-01T00:00:00Z"}]})
    assert forged.status_code == 422
    assert api("GET", "/api/v1/me").json["key"]["last_used"] == me["last_used"]


def test_the_only_admin_cannot_take_the_role_from_themselves(api):
    revoke = {"op": "revoke_role", "assignment": {"role": "admin", "user": "default"}}
    refused = api("POST", "/api/v1/batch", {"writes": [revoke]})
    assert refused.status_code == 409
    assert "no one would be an admin" in refused.json["message"]
    assert api("GET", "/api/v1/role-assignments").status_code == 200  # the key still works
