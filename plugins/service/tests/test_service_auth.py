"""Who may call what: a role x route matrix generated from /openapi.json, and what a key's
role changes in the answers (masked secrets), how fast a revocation lands, ``last_used``.

Every operation in the spec is called with the key of a viewer, an editor, an admin and a
user without a role, with no key, a revoked key and an expired key. The role each
operation needs is stated here, apart from the spec, and must be the spec's
``x-zen-role``: a new route fails this test until it is classified.
"""

from __future__ import annotations

import pytest

from zen_core.config import GlobalConfig
from zen_core.defaults import default_stack_components
from zen_core.models import Component, ComponentType
from zen_core.services.secret_keys import ProfileKeys
from zen_core.testing.helpers import changed_within
from zen_core.writes import RevokeApiKey
from zen_local_store.store import LocalStore
from zen_service.app import create_app
from zen_service.auth import Authenticator
from zen_service.testing import add_user_key, bearer

T = ComponentType
KEYS = {
    "viewer": "zen_0000000000a1_matrix-viewer-secret-0123456789",
    "editor": "zen_0000000000a2_matrix-editor-secret-0123456789",
    "admin": "zen_0000000000a3_matrix-admin-secret-0123456789",
    "no role": "zen_0000000000a4_matrix-nobody-secret-0123456789",
    "revoked": "zen_0000000000a5_matrix-revoked-secret-0123456789",
    "expired": "zen_0000000000a6_matrix-expired-secret-0123456789",
}
RANK = {"any": 0, "viewer": 1, "editor": 2, "admin": 3}

#: The role each operation needs (independent of the spec, which must agree).
NEEDS = {
    "list_stacks": "viewer", "get_stack": "viewer", "register_stack": "editor",
    "update_stack": "editor", "delete_stack": "editor",
    "list_components": "viewer", "list_components_of_type": "viewer",
    "get_component": "viewer", "register_component": "editor",
    "update_component": "editor", "delete_component": "editor",
    "apply_batch": "editor",
    "list_secrets": "viewer", "get_secret": "viewer", "create_secret": "editor",
    "update_secret": "editor", "delete_secret": "editor",
    "list_users": "viewer", "list_teams": "viewer", "list_role_assignments": "viewer",
    "list_api_keys": "admin", "list_events": "viewer", "whoami": "any",
}
PUBLIC = {"health", "ready"}
STACK = {"orchestrator": "default", "metadata_store": "default", "artifact_store": "default"}
#: A valid body per operation that takes one (so the role is what decides).
BODIES = {
    "register_stack": {"name": "new", "components": STACK},
    "update_stack": {"name": "renamed"},
    "register_component": {"type": "orchestrator", "flavor": "local", "name": "o2"},
    "update_component": {"name": "o2"},
    "apply_batch": {"writes": [{"op": "delete_stack", "name": "default"}]},
    "create_secret": {"name": "new", "values": {"password": "p"}},
    "update_secret": {"set": {"password": "q"}},
}
#: Path values: the records the app starts with (a user's own name under /users).
PATH_VALUES = {"name": "default", "type": "orchestrator"}
#: What an allowed call answers when not a 2xx: the default orchestrator is in use.
NOT_2XX = {"delete_component": 409}


def _document():
    return create_app(LocalStore("file:///nonexistent-zen-store")).test_client().get(
        "/openapi.json").json


def _operations():
    found = []
    for path, item in _document()["paths"].items():
        for method, op in item.items():
            found.append((op["operationId"], method.upper(), path, op.get("x-zen-role")))
    return found


OPERATIONS = _operations()
#: A batch of account writes needs more than one of stacks: an extra row of the matrix.
VARIANTS = [*OPERATIONS, ("apply_batch (accounts)", "POST", "/api/v1/batch", "admin")]


def test_every_operation_is_classified_and_the_spec_agrees():
    ids = {op_id for op_id, *_ in OPERATIONS}
    assert ids == set(NEEDS) | PUBLIC
    for op_id, _, _, role in OPERATIONS:
        if op_id in PUBLIC:
            assert role is None
        else:
            assert role == NEEDS[op_id], op_id


@pytest.fixture
def app(tmp_path):
    store = LocalStore(f"file://{tmp_path}/store")
    store.initialize()
    store.register_default_stack(default_stack_components(tmp_path))
    for role in ("viewer", "editor", "admin"):
        add_user_key(store, f"user-{role}", role, key=KEYS[role])
    add_user_key(store, "nobody", None, key=KEYS["no role"])
    add_user_key(store, "leaver", "admin", key=KEYS["revoked"], name="old")
    store.apply([RevokeApiKey("leaver", "old")])
    add_user_key(store, "late", "admin", key=KEYS["expired"], name="old",
                 expires="2020-01-01T00:00:00.000000Z")
    app = create_app(store, keys=ProfileKeys(GlobalConfig(tmp_path / "config"), "matrix"))
    made = app.test_client().post("/api/v1/secrets", headers=bearer(KEYS["admin"]),
                                  json={"name": "default", "values": {"password": "p"}})
    assert made.status_code == 201, made.json
    return app


def _request(op_id: str, method: str, path: str) -> tuple[str, str, object]:
    for name, value in PATH_VALUES.items():
        path = path.replace("{" + name + "}", "user-admin" if "users" in path else value)
    body = BODIES.get(op_id.split(" ")[0])
    if op_id == "apply_batch (accounts)":
        body = {"writes": [{"op": "create_user", "user": {"name": "newbie"}}]}
    return method, path, body


@pytest.mark.parametrize("who", [*KEYS, "no key"])
@pytest.mark.parametrize(("op_id", "method", "path", "role"), VARIANTS,
                         ids=[f"{m} {p} {o}" for o, m, p, _ in VARIANTS])
def test_the_matrix(app, who, op_id, method, path, role):
    method, url, body = _request(op_id, method, path)
    headers = {} if who == "no key" else bearer(KEYS[who])
    response = app.test_client().open(url, method=method, json=body, headers=headers)
    if op_id in PUBLIC:
        assert response.status_code == 200
        return
    if who in ("no key", "revoked", "expired"):
        assert response.status_code == 401, response.json
        reason = {"no key": "No API key given.", "revoked": "is not valid",
                  "expired": "expired at 2020-01-01"}[who]
        assert reason in response.json["message"]
        return
    held = RANK.get(who, 0) if who != "no role" else -1
    if role == "any" or held >= RANK[role]:
        assert response.status_code < 300 or response.status_code == NOT_2XX.get(op_id), \
            response.json
    else:
        assert response.status_code == 403, response.json
        assert response.json["error"] == "NotPermittedError"
        assert f"that needs the '{role}' role" in response.json["message"]


# --- what a role changes in the answers ------------------------------------------------------
SECRET = "hunter2-do-not-show"


@pytest.fixture
def with_secret(tmp_path):
    store = LocalStore(f"file://{tmp_path}/store")
    store.initialize()
    store.register_component(Component(T.EXPERIMENT_TRACKER, "mlflow", "ml", {
        "tracking_uri": "https://mlflow.example", "tracking_password": SECRET,
        "tracking_username": "me"}))
    for role in ("viewer", "editor"):
        add_user_key(store, f"user-{role}", role, key=KEYS[role])
    return create_app(store, enforce_rules=False).test_client()


@pytest.mark.parametrize("path", ["/api/v1/components", "/api/v1/components/experiment_tracker",
                                  "/api/v1/components/experiment_tracker/ml"])
def test_a_viewer_sees_secret_fields_masked_an_editor_in_clear(with_secret, path):
    seen = with_secret.get(path, headers=bearer(KEYS["viewer"]))
    assert seen.status_code == 200 and SECRET not in seen.text
    assert '"tracking_password": "********"' in seen.text
    assert '"tracking_username": "me"' in seen.text
    assert SECRET in with_secret.get(path, headers=bearer(KEYS["editor"])).text


# --- revocation, expiry, last_used -------------------------------------------------------------
def test_a_revoked_key_is_refused_within_a_second(tmp_path):
    store = LocalStore(f"file://{tmp_path}/store")
    store.initialize()
    key = add_user_key(store, "ann", "admin")
    client = create_app(LocalStore(store.url)).test_client()  # its own store instance
    assert client.get("/api/v1/stacks", headers=bearer(key)).status_code == 200
    store.apply([RevokeApiKey("ann", "test")])  # as another service or the CLI would
    changed_within(1.0, lambda: client.get("/api/v1/stacks", headers=bearer(key)).status_code
                   == 200, "the revoked key was still accepted")
    refused = client.get("/api/v1/stacks", headers=bearer(key))
    assert refused.status_code == 401 and "not valid" in refused.json["message"]


def test_a_key_that_expires_is_refused_at_once_cached_or_not(tmp_path):
    from datetime import datetime, timedelta, timezone

    store = LocalStore(f"file://{tmp_path}/store")
    store.initialize()
    # the app first: making it may take more than the key's second on a busy machine
    client = create_app(store, authenticator=Authenticator(cache_seconds=60)).test_client()
    soon = datetime.now(timezone.utc) + timedelta(seconds=1)
    key = add_user_key(store, "ann", "admin", expires=soon.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    assert client.get("/api/v1/stacks", headers=bearer(key)).status_code == 200  # now cached

    def accepted() -> bool:
        asked = datetime.now(timezone.utc)
        answer = client.get("/api/v1/stacks", headers=bearer(key))
        if answer.status_code == 200:
            assert asked < soon, "a request after the key expired was accepted"
            return True
        assert datetime.now(timezone.utc) >= soon, "refused before it expired"
        assert answer.status_code == 401 and "expired at" in answer.json["message"]
        return False

    changed_within(5, accepted, "the expired key was still accepted")


def test_an_answer_to_a_key_that_expires_tells_when_and_others_do_not(tmp_path):
    # the header the rest store reads (typed here: it is the wire's, not this module's)
    expiry_header = "X-Zen-Key-Expires"
    store = LocalStore(f"file://{tmp_path}/store")
    store.initialize()
    expires = "2099-01-01T00:00:00.000000Z"
    expiring = add_user_key(store, "ann", "admin", name="expiring", expires=expires)
    lasting = add_user_key(store, "ann", name="lasting")
    client = create_app(store).test_client()
    for path, status in (("/api/v1/stacks", 200), ("/api/v1/stacks/nope", 404)):
        answer = client.get(path, headers=bearer(expiring))
        assert (answer.status_code, answer.headers.get(expiry_header)) == (status, expires)
        answer = client.get(path, headers=bearer(lasting))
        assert (answer.status_code, answer.headers.get(expiry_header)) == (status, None)
    bad_body = client.post("/api/v1/stacks", data="{", content_type="application/json",
                           headers=bearer(expiring))
    assert (bad_body.status_code, bad_body.headers.get(expiry_header)) == (422, expires)


def test_a_role_taken_away_applies_within_a_second(tmp_path):
    from zen_core.account_records import RoleAssignment
    from zen_core.writes import AssignRole, RevokeRole

    store = LocalStore(f"file://{tmp_path}/store")
    store.initialize()
    add_user_key(store, "boss", "admin")
    key = add_user_key(store, "ann", "editor")
    client = create_app(store).test_client()
    body = {"type": "orchestrator", "flavor": "local", "name": "o"}
    assert client.post("/api/v1/components", json=body, headers=bearer(key)).status_code == 201
    store.apply([RevokeRole(RoleAssignment("editor", "ann")),
                 AssignRole(RoleAssignment("viewer", "ann"))])
    changed_within(1.0, lambda: client.get("/api/v1/me", headers=bearer(key)).json["roles"]
                   == ["editor"], "the editor role was still granted")
    refused = client.delete("/api/v1/components/orchestrator/o", headers=bearer(key))
    assert refused.status_code == 403 and "(viewer)" in refused.json["message"]


def test_last_used_is_written_once_a_minute_at_most(tmp_path):
    store = LocalStore(f"file://{tmp_path}/store")
    store.initialize()
    key = add_user_key(store, "ann", "viewer")
    writes = []
    original = store.apply
    store.apply = lambda w, *a, **k: (writes.append(w), original(w, *a, **k))[1]
    client = create_app(store, authenticator=Authenticator(cache_seconds=0)).test_client()
    for _ in range(5):
        assert client.get("/api/v1/stacks", headers=bearer(key)).status_code == 200
    assert [type(w[0]).__name__ for w in writes] == ["TouchApiKey"]
    [record] = store.list_api_keys("ann")
    assert record.last_used is not None
    me = client.get("/api/v1/me", headers=bearer(key)).json
    assert me == {"user": "ann", "roles": ["viewer"], "key": record.to_dict(with_hash=False)}


def test_a_batch_cannot_leave_the_store_without_an_admin(tmp_path):
    """Account changes reach the service as batches: the store's rule refuses this one."""
    from zen_core.account_records import RoleAssignment

    store = LocalStore(f"file://{tmp_path}/store")
    store.initialize()
    key = add_user_key(store, "boss", "admin")
    add_user_key(store, "ann", "viewer")
    client = create_app(store).test_client()
    body = {"writes": [{"op": "revoke_role", "assignment": {"role": "admin", "user": "boss"}}]}
    refused = client.post("/api/v1/batch", json=body, headers=bearer(key))
    assert refused.status_code == 409, refused.json
    assert refused.json["message"].startswith(
        "Cannot take the role 'admin' from the user 'boss': no one would be an admin")
    assert RoleAssignment("admin", "boss") in store.list_role_assignments()
