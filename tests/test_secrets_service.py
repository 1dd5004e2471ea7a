"""Secrets through the service: the API, a rest profile, and what the service's own files,
log and process show (issue 18).

A rest profile sends values in clear over the connection and the service seals them with
the key of the profile it serves: its store, its log and the argv of its processes carry
none.
"""

from __future__ import annotations

import json

import pytest
import yaml

from zen_core.testing.cli import failed, ok
from zen_core.testing.helpers import profile_store

pytestmark = pytest.mark.zen_needs("zen_service")

SECRET = "hunter2-s3cr3t"
MYSQL = "metadata-store register prod -t mysql --host=db --port=3306 --database=zen --username=app"


def values(**pairs: str) -> str:
    return yaml.safe_dump(pairs)


@pytest.fixture
def remote(zen, zen_home):
    """A service on the default profile, an active rest profile ``remote`` with its admin
    key, and an editor's and a viewer's key; yields (zen, state, keys)."""
    from zen_service.testing import add_user_key, running_service

    ok(zen("stack list"))
    with running_service(zen_home, profile="default") as state:
        # after the service's start, whose admin key makes the local user the admin
        store = profile_store("default")
        keys = {"editor": add_user_key(store, "ed", "editor"),
                "viewer": add_user_key(store, "vi", "viewer")}
        ok(zen(f"profile create remote --type rest --url {state.url}"))
        ok(zen("profile set remote"))
        yield zen, state, keys


def test_a_rest_profile_creates_reads_and_resolves_through_the_service(remote, zen_home):
    zen, _, _ = remote
    ok(zen("secret create db --values -", input=values(password=SECRET)))
    ok(zen(MYSQL + " --password={{db.password}}"))
    ok(zen("stack register s -o default -m prod -a default"))
    shown = json.loads(ok(zen("secret describe db --show -o json")).stdout)
    assert shown["values"] == {"password": SECRET}
    resolved = yaml.safe_load(ok(zen("stack describe s --resolve")).stdout)
    assert resolved["metadata_store"]["config"]["password"] == SECRET
    # the service sealed it with the key of the profile it serves; no key on this side
    assert (zen_home / "secret-keys" / "default.key").exists()
    assert not (zen_home / "secret-keys" / "remote.key").exists()
    for path in (zen_home / "profiles").rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path
    from zen_service.state import log_path

    assert SECRET not in log_path(zen_home).read_text()


def test_the_api_masks_values_for_a_viewer_and_answers_them_to_an_editor(remote):
    zen, state, keys = remote
    import requests

    ok(zen("secret create db --values -", input=values(password=SECRET)))
    url = state.url.rstrip("/") + "/api/v1/secrets/db"
    viewer = requests.get(url, headers={"Authorization": f"Bearer {keys['viewer']}"},
                          timeout=10).json()
    assert viewer["values"] == {"password": "********"} and viewer["masked"] == ["password"]
    editor = requests.get(url, headers={"Authorization": f"Bearer {keys['editor']}"},
                          timeout=10)
    assert editor.json()["values"] == {"password": SECRET}
    assert editor.headers["ETag"] == '"1"'
    stale = requests.patch(url, json={"set": {"password": "x"}},
                           headers={"Authorization": f"Bearer {keys['editor']}",
                                    "If-Match": '"7"'}, timeout=10)
    assert stale.status_code == 412
    refused = requests.post(state.url.rstrip("/") + "/api/v1/secrets",
                            json={"name": "x", "values": {"k": "v"}},
                            headers={"Authorization": f"Bearer {keys['viewer']}"}, timeout=10)
    assert refused.status_code == 403 and "'editor' role" in refused.json()["message"]


def test_a_viewers_rest_profile_copies_no_masked_secret(remote, zen_home):
    zen, state, keys = remote
    ok(zen("secret create db --values -", input=values(password=SECRET)))
    ok(zen(f"profile create seen --type rest --url {state.url} --token-stdin",
           input=keys["viewer"] + "\n"))
    ok(zen("profile set seen"))
    assert "role" in failed(zen("secret describe db --show"))
    error = failed(zen("profile copy seen copied --store-type local"))
    assert "withheld" in error or "'editor' role" in error
    assert "copied" not in ok(zen("profile list -o json")).stdout


def test_rotating_a_served_profiles_key_is_the_services_machines_job(remote):
    zen, _, _ = remote
    ok(zen("secret create db --values -", input=values(password=SECRET)))
    assert "where it runs" in failed(zen("secret rotate-key"))
    ok(zen("secret rotate-key --profile default"))
    shown = json.loads(ok(zen("secret describe db --show -o json")).stdout)
    assert shown["values"] == {"password": SECRET}


def test_ps_shows_no_key_nor_secret_of_the_service(remote):
    import subprocess

    zen, state, _ = remote
    ok(zen("secret create db --values -", input=values(password=SECRET)))
    shown = subprocess.run(["ps", "-ww", "-o", "args=", "-p", str(state.pid)],
                           capture_output=True, text=True, check=True).stdout
    assert "zen_service" in shown  # the service's own line
    assert SECRET not in shown and state.token not in shown
