"""Every write route records who made the change: the history's newest event names the
user of the request's key as its actor.

Through HTTP only (the app's test client), route by route, DELETEs and every kind of
write in a ``/batch`` included: a route that reached the store around the domain layer
would record ``actor: null``. The list of routes is checked against ``/openapi.json``,
so a new write route fails here until it is added.
"""

from __future__ import annotations

import pytest

from zen_core.config import GlobalConfig
from zen_core.defaults import default_stack_components
from zen_core.services.secret_keys import ProfileKeys
from zen_local_store.store import LocalStore
from zen_service.app import create_app
from zen_service.testing import add_user_key, bearer

EDITOR_KEY = "zen_0000000000ed_actors-editor-secret-0123456789"
ADMIN_KEY = "zen_00000000a0a0_actors-admin-secret-01234567890"
CORE = {"orchestrator": "default", "metadata_store": "default", "artifact_store": "default"}

#: Each write route, in an order that works on a fresh store: (method, path, body) and the
#: event it must record (action, target, name).
ROUTES = [
    ("POST", "/api/v1/components", {"type": "orchestrator", "flavor": "airflow", "name": "af"},
     ("register_component", "orchestrator", "af")),
    ("PATCH", "/api/v1/components/{type}/{name}", {"set": {"airflow_home": "/srv/airflow"}},
     ("update_component", "orchestrator", "af")),
    ("POST", "/api/v1/stacks", {"name": "s", "components": {**CORE, "orchestrator": "af"}},
     ("register_stack", "stack", "s")),
    ("PATCH", "/api/v1/stacks/{name}", {"name": "t"}, ("update_stack", "stack", "t")),
    ("DELETE", "/api/v1/stacks/{name}", None, ("delete_stack", "stack", "t")),
    ("DELETE", "/api/v1/components/{type}/{name}", None,
     ("delete_component", "orchestrator", "af")),
    ("POST", "/api/v1/secrets", {"name": "db", "values": {"password": "p"}},
     ("create_secret", "secret", "db")),
    ("PATCH", "/api/v1/secrets/{name}", {"set": {"password": "q"}},
     ("update_secret", "secret", "db")),
    ("DELETE", "/api/v1/secrets/{name}", None, ("delete_secret", "secret", "db")),
]

KEY_ID, KEY_HASH = "0123456789ab", "0" * 64
#: A batch with every kind of write the history records, as the admin ``ann``.
BATCH = [
    ({"op": "register_component",
      "component": {"type": "container_registry", "flavor": "default", "name": "reg",
                    "config": {"uri": "localhost:5000"}}},
     ("register_component", "container-registry", "reg")),
    ({"op": "update_component", "type": "container_registry", "name": "reg",
      "change": {"set": {"uri": "localhost:5001"}}},
     ("update_component", "container-registry", "reg")),
    ({"op": "register_stack", "stack": {"name": "b", "components": {**CORE}}},
     ("register_stack", "stack", "b")),
    ({"op": "update_stack", "name": "b", "change": {"set": {"container_registry": "reg"}}},
     ("update_stack", "stack", "b")),
    ({"op": "delete_stack", "name": "b"}, ("delete_stack", "stack", "b")),
    ({"op": "delete_component", "type": "container_registry", "name": "reg"},
     ("delete_component", "container-registry", "reg")),
    ({"op": "create_secret", "secret": {"name": "bs", "values": {"token": "t"}}},
     ("create_secret", "secret", "bs")),
    ({"op": "update_secret", "name": "bs", "change": {"set": {"token": "u"}}},
     ("update_secret", "secret", "bs")),
    ({"op": "delete_secret", "name": "bs"}, ("delete_secret", "secret", "bs")),
    ({"op": "create_user", "user": {"name": "bob"}}, ("create_user", "user", "bob")),
    ({"op": "create_team", "team": {"name": "ml"}}, ("create_team", "team", "ml")),
    ({"op": "add_team_member", "team": "ml", "user": "bob"}, ("add_team_member", "team", "ml")),
    ({"op": "assign_role", "assignment": {"role": "viewer", "team": "ml"}},
     ("assign_role", "role", "viewer")),
    ({"op": "create_api_key", "key": {"user": "bob", "name": "laptop", "key_id": KEY_ID,
                                      "secret_hash": KEY_HASH}},
     ("create_api_key", "api key", "laptop")),
    ({"op": "revoke_api_key", "user": "bob", "name": "laptop"},
     ("revoke_api_key", "api key", "laptop")),
    ({"op": "revoke_role", "assignment": {"role": "viewer", "team": "ml"}},
     ("revoke_role", "role", "viewer")),
    ({"op": "remove_team_member", "team": "ml", "user": "bob"},
     ("remove_team_member", "team", "ml")),
    ({"op": "delete_team", "name": "ml"}, ("delete_team", "team", "ml")),
    ({"op": "delete_user", "name": "bob"}, ("delete_user", "user", "bob")),
]
#: Writes a batch takes that the history does not record (a key's last use).


@pytest.fixture
def client(tmp_path):
    store = LocalStore(f"file://{tmp_path}/store")
    store.initialize()
    store.register_default_stack(default_stack_components(tmp_path))
    add_user_key(store, "ed", "editor", key=EDITOR_KEY)
    add_user_key(store, "ann", "admin", key=ADMIN_KEY)
    return create_app(store, keys=ProfileKeys(GlobalConfig(tmp_path / "config"), "actors")
                      ).test_client()


def history(client, limit: int) -> tuple[list[dict], int]:
    """The newest ``limit`` events, oldest first, and how many there are."""
    page = client.get(f"/api/v1/events?limit={limit}", headers=bearer(ADMIN_KEY))
    assert page.status_code == 200, page.json
    return list(reversed(page.json["events"])), page.json["total"]


def test_every_write_route_records_the_keys_user(client):
    _, total = history(client, 1)
    for method, path, body, (action, target, name) in ROUTES:
        url = path.format(type=target, name=name if action != "update_stack" else "s")
        answer = client.open(url, method=method, json=body, headers=bearer(EDITOR_KEY))
        assert answer.status_code in (200, 201, 204), (method, url, answer.json)
        [event], now = history(client, 1)
        assert now == total + 1, (method, url)  # one write, one event
        assert (event["actor"], event["action"], event["target"], event["name"]) == (
            "ed", action, target, name), (method, url)
        total = now


def test_every_write_of_a_batch_records_the_keys_user(client):
    _, total = history(client, 1)
    answer = client.post("/api/v1/batch", json={"writes": [w for w, _ in BATCH]},
                         headers=bearer(ADMIN_KEY))
    assert answer.status_code == 200, answer.json
    events, now = history(client, len(BATCH))
    assert now == total + len(BATCH)
    assert [(e["actor"], e["action"], e["target"], e["name"]) for e in events] == [
        ("ann", *expected) for _, expected in BATCH]


def test_the_tests_above_cover_every_write_route_and_batch_write(client):
    document = client.get("/openapi.json").json
    writes = {(method.upper(), path) for path, item in document["paths"].items()
              for method in item if method in ("post", "put", "patch", "delete")}
    covered = {(method, path) for method, path, _, _ in ROUTES} | {("POST", "/api/v1/batch")}
    assert writes == covered
    batch_ops = {schema["properties"]["op"]["const"]
                 for name, schema in document["components"]["schemas"].items()
                 if name.endswith("Write") and "op" in schema.get("properties", {})}
    assert batch_ops == {w["op"] for w, _ in BATCH}  # a key's use is not an API write
