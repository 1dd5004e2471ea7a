"""Contract v2 over HTTP: revisions in records, ``ETag``, ``PATCH``, ``If-Match`` (412), batches."""

from __future__ import annotations

import pytest

from zen_core.changes import ComponentChange
from zen_core.defaults import default_stack_components
from zen_core.exceptions import ConflictError
from zen_core.models import ComponentType
from zen_local_store.store import LocalStore
from zen_service.app import create_app
from zen_service.testing import add_user_key, bearer

T = ComponentType
EDITOR_KEY = "zen_0000000000eb_writes-editor-secret-0123456789"
AUTH = bearer(EDITOR_KEY)
STACK = {"orchestrator": "default", "metadata_store": "default", "artifact_store": "default"}


@pytest.fixture
def store(tmp_path):
    store = LocalStore(f"file://{tmp_path}/store")
    store.initialize()
    store.register_default_stack(default_stack_components(tmp_path))
    return store


@pytest.fixture
def client(store):
    add_user_key(store, "ed", "editor", key=EDITOR_KEY)
    return create_app(store).test_client()


def call(client, method, path, body=None, if_match=None):
    headers = dict(AUTH)
    if if_match is not None:
        headers["If-Match"] = if_match
    return client.open(path, method=method, json=body, headers=headers)


KF = "/api/v1/components/orchestrator/kf"


def register_kf(client):
    body = {"type": "orchestrator", "flavor": "kubeflow", "name": "kf"}
    response = call(client, "POST", "/api/v1/components", body)
    assert response.status_code == 201
    return response


# --- ETag ------------------------------------------------------------------------------------
def test_records_carry_their_revision_and_times(client, store):
    stack = call(client, "GET", "/api/v1/stacks/default")
    assert stack.headers["ETag"] == '"1"'
    assert stack.json == store.get_stack("default").to_dict()
    assert stack.json["revision"] == 1 and stack.json["created"].endswith("Z")
    component = call(client, "GET", "/api/v1/components/orchestrator/default")
    assert component.headers["ETag"] == '"1"'
    assert {"revision", "created", "updated"} <= set(component.json)
    for listing in ("/api/v1/stacks", "/api/v1/components", "/api/v1/components/orchestrator"):
        answer = call(client, "GET", listing)
        assert "ETag" not in answer.headers
        assert all(r["revision"] == 1 for r in answer.json["items"])


def test_every_write_answer_carries_the_new_etag(client):
    created = register_kf(client)
    assert created.headers["ETag"] == '"1"'
    patched = call(client, "PATCH", KF, {"set": {"synchronous": True}})
    assert (patched.status_code, patched.headers["ETag"]) == (200, '"2"')
    assert patched.json["revision"] == 2
    assert patched.json["created"] == created.json["created"]
    stack = call(client, "PATCH", "/api/v1/stacks/default", {"name": "main"})
    assert (stack.status_code, stack.headers["ETag"], stack.json["name"]) == (200, '"2"', "main")


# --- PATCH -------------------------------------------------------------------------------------
def test_patch_sets_and_unsets_keys_the_rest_stays(client, store):
    register_kf(client)
    call(client, "PATCH", KF, {"set": {"synchronous": True, "kubernetes_context": "ctx"}})
    response = call(client, "PATCH", KF, {"unset": ["synchronous"]})
    assert response.status_code == 200
    config = store.get_component(T.ORCHESTRATOR, "kf").config
    assert "synchronous" not in config  # back to the flavor's default, which is not stored
    assert config["kubernetes_context"] == "ctx"
    assert response.json["config"] == config


def test_patch_changing_the_flavor_keeps_what_the_new_flavor_accepts(client, store):
    register_kf(client)
    call(client, "PATCH", KF, {"set": {"synchronous": True, "kubernetes_context": "ctx"}})
    response = call(client, "PATCH", KF, {"flavor": "vertex", "set": {
        "location": "europe-west1", "pipeline_root": "gs://b"}})
    assert response.status_code == 200, response.json
    assert store.get_component(T.ORCHESTRATOR, "kf").config == {
        "synchronous": True, "location": "europe-west1", "pipeline_root": "gs://b"}


def test_patch_renames_and_stacks_follow(client, store):
    response = call(client, "PATCH", "/api/v1/components/artifact_store/default",
                    {"name": "store2", "set": {"path": "/tmp/elsewhere"}})
    assert response.status_code == 200
    assert response.json["name"] == "store2"
    assert store.get_stack("default").components[T.ARTIFACT_STORE] == "store2"
    assert store.get_stack("default").revision == 2


def test_patch_a_stack_sets_removes_and_renames(client, store):
    register_kf(client)
    call(client, "POST", "/api/v1/components",
         {"type": "container_registry", "flavor": "default", "name": "r",
          "config": {"uri": "localhost:5000"}})
    both = call(client, "PATCH", "/api/v1/stacks/default",
                {"set": {"orchestrator": "kf", "container_registry": "r"}})
    assert both.status_code == 200, both.json
    back = call(client, "PATCH", "/api/v1/stacks/default",
                {"set": {"orchestrator": "default"}, "remove": ["container_registry"],
                 "name": "plain"})
    assert back.status_code == 200
    assert back.json["components"] == STACK
    assert (back.json["name"], back.json["revision"]) == ("plain", 3)
    assert store.stack_names() == ["plain"]


# --- If-Match -----------------------------------------------------------------------------------
def test_if_match_with_the_current_revision_applies(client, store):
    register_kf(client)
    etag = call(client, "GET", KF).headers["ETag"]
    assert call(client, "PATCH", KF, {"set": {"synchronous": True}}, etag).status_code == 200
    assert call(client, "PATCH", KF, {"set": {"synchronous": False}}, "*").status_code == 200
    assert store.get_component(T.ORCHESTRATOR, "kf").revision == 3


@pytest.mark.parametrize(("method", "path", "body"), [
    ("PATCH", KF, {"set": {"synchronous": True}}),
    ("PATCH", "/api/v1/stacks/default", {"name": "renamed"}),
    ("DELETE", KF, None),
    ("DELETE", "/api/v1/stacks/default", None),
])
def test_a_stale_if_match_is_a_412_and_writes_nothing(client, store, method, path, body):
    register_kf(client)
    # another writer came first
    store.update_component(T.ORCHESTRATOR, "kf", ComponentChange(set={"synchronous": True}))
    call(client, "PATCH", "/api/v1/stacks/default", {"set": {"orchestrator": "default"}})
    stacks, components = store.list_stacks(), store.list_components()
    response = call(client, method, path, body, '"1"')
    assert response.status_code == 412
    assert response.json["error"] == "ConflictError"
    what = "stack 'default'" if "stacks" in path else "orchestrator 'kf'"
    assert response.json["message"] == str(ConflictError(
        f"The {what} was changed by another write: it is at revision 2, the change expected "
        "revision 1. Read it again and retry."))
    assert (store.list_stacks(), store.list_components()) == (stacks, components)
    assert [s.revision for s in store.list_stacks()] == [2]


@pytest.mark.parametrize("value", ['1', 'W/"1"', '"1", "2"', '"one"', "", '"-1"', "**",
                                   '"' + "9" * 40 + '"'])
def test_a_malformed_if_match_is_a_422(client, store, value):
    register_kf(client)
    for method, body in (("PATCH", {"set": {"synchronous": True}}), ("DELETE", None)):
        response = call(client, method, KF, body, value)
        assert response.status_code == 422, (method, value)
        assert response.json["error"] == "InvalidDataError"
        assert "If-Match" in response.json["message"]
    assert store.get_component(T.ORCHESTRATOR, "kf").revision == 1


def test_delete_with_the_current_revision(client, store):
    register_kf(client)
    assert call(client, "DELETE", KF, None, '"1"').status_code == 204
    assert [c.name for c in store.list_components(T.ORCHESTRATOR)] == ["default"]


# --- batches ------------------------------------------------------------------------------------
def _register(name, ctype="orchestrator", flavor="local", config=None):
    return {"op": "register_component",
            "component": {"type": ctype, "flavor": flavor, "name": name,
                          "config": config or {}}}


def test_a_batch_applies_in_order_and_answers_every_record(client, store):
    writes = [
        _register("o"),
        {"op": "update_component", "type": "orchestrator", "name": "o",
         "change": {"name": "o2"}, "expected_revision": 1},
        {"op": "register_stack", "stack": {"name": "s", "components": {
            **STACK, "orchestrator": "o2"}}},
        {"op": "update_stack", "name": "default", "change": {"name": "old"}},
        {"op": "delete_stack", "name": "old", "expected_revision": 2},
    ]
    response = call(client, "POST", "/api/v1/batch", {"writes": writes})
    assert response.status_code == 200, response.json
    written = response.json["written"]
    assert [w and (w["name"], w["revision"]) for w in written] == [
        ("o", 1), ("o2", 2), ("s", 1), ("old", 2), None]
    assert written[1] == store.get_component(T.ORCHESTRATOR, "o2").to_dict()
    assert store.stack_names() == ["s"]


def test_a_batch_takes_records_as_read(client, store):
    """Writes as zen_core.writes.to_dict makes them: records with revision and times."""
    from zen_core import writes as w
    from zen_core.models import Component

    record = store.get_component(T.ORCHESTRATOR, "default").to_dict()
    record.update(name="copy", uuid="kept-uuid")
    body = {"writes": [w.to_dict(w.RegisterComponent(Component.from_dict(record)))]}
    response = call(client, "POST", "/api/v1/batch", body)
    assert response.status_code == 200, response.json
    [copy] = response.json["written"]
    assert (copy["uuid"], copy["revision"]) == ("kept-uuid", 1)


@pytest.mark.parametrize(("last", "status", "error"), [
    ({"op": "update_stack", "name": "default", "change": {"name": "x"},
      "expected_revision": 7}, 412, "ConflictError"),
    ({"op": "delete_component", "type": "metadata_store", "name": "default"}, 409, "InUseError"),
    ({"op": "update_component", "type": "orchestrator", "name": "ghost",
      "change": {"name": "x"}}, 404, "ComponentNotFoundError"),
    (_register("bad", config={"nope": 1}), 422, "InvalidDataError"),
    ({"op": "update_stack", "name": "default", "change": {"remove": ["orchestrator"]}},
     422, "InvalidDataError"),
])
def test_a_batch_is_all_or_nothing(client, store, last, status, error):
    stacks, components = store.list_stacks(), store.list_components()
    writes = [
        _register("first"),
        {"op": "update_component", "type": "artifact_store", "name": "default",
         "change": {"set": {"path": "/tmp/changed"}}},
        {"op": "update_stack", "name": "default", "change": {"set": {"orchestrator": "first"}}},
        last,
    ]
    response = call(client, "POST", "/api/v1/batch", {"writes": writes})
    assert (response.status_code, response.json["error"]) == (status, error)
    assert (store.list_stacks(), store.list_components()) == (stacks, components)
    assert [c.revision for c in store.list_components()] == [1, 1, 1]


def test_the_routes_and_the_batch_answer_the_same_records(client, store):
    single = call(client, "PATCH", "/api/v1/components/orchestrator/default",
                  {"name": "one"}).json
    batched = call(client, "POST", "/api/v1/batch", {"writes": [
        {"op": "update_component", "type": "orchestrator", "name": "one",
         "change": {"name": "two"}}]}).json["written"][0]
    assert set(single) == set(batched)
    assert (batched["revision"], batched["uuid"]) == (3, single["uuid"])
