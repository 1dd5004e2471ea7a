"""The Flask app through its test client: keys, routes, errors, no stale data.

Revisions, ``PATCH``, ``If-Match`` and batches are in ``test_service_writes.py``;
that every rule the CLI applies is refused the same way in ``test_service_rules.py``;
roles per route, revoked and expired keys in ``test_service_auth.py``.
"""

from __future__ import annotations

import json
import threading

import pytest

from zen_core.changes import StackChange
from zen_core.client import Client
from zen_core.config import Profile
from zen_core.exceptions import InvalidDataError, ProfileNotFoundError, StoreUnavailableError
from zen_core.models import Component, ComponentType, Stack
from zen_core.services.authz import DELEGATED
from zen_core.testing.contract import register_stack_with_components
from zen_core.testing.helpers import profile_store
from zen_local_store.store import LocalStore
from zen_service.app import create_app
from zen_service.testing import add_user_key, bearer

T = ComponentType
#: An admin's key, the same in every store of this module (see ``store``).
ADMIN_KEY = "zen_00000000000a_test-admin-secret-0123456789"
AUTH = bearer(ADMIN_KEY)


@pytest.fixture
def store(tmp_path):
    store = LocalStore(f"file://{tmp_path}/store")
    store.initialize()
    add_user_key(store, "ann", "admin", key=ADMIN_KEY)
    return store


def served_profile_key() -> None:
    """Give the default profile's store the admin key ``AUTH`` sends."""
    add_user_key(profile_store(), "ann", "admin", key=ADMIN_KEY)


@pytest.fixture
def app(store):
    return create_app(store)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def raw_client(store):
    """An app that does not enforce the flavors' rules: any configuration round-trips."""
    return create_app(store, enforce_rules=False).test_client()

#: One request per route: (method, path, json body).
ROUTES = [
    ("GET", "/api/v1/stacks", None),
    ("POST", "/api/v1/stacks", {"name": "s", "components": {}}),
    ("GET", "/api/v1/stacks/s", None),
    ("PATCH", "/api/v1/stacks/s", {"name": "t"}),
    ("DELETE", "/api/v1/stacks/s", None),
    ("GET", "/api/v1/components", None),
    ("GET", "/api/v1/components/orchestrator", None),
    ("POST", "/api/v1/components", {"type": "orchestrator", "flavor": "local", "name": "o"}),
    ("GET", "/api/v1/components/orchestrator/o", None),
    ("PATCH", "/api/v1/components/orchestrator/o", {"name": "p"}),
    ("DELETE", "/api/v1/components/orchestrator/o", None),
    ("POST", "/api/v1/batch", {"writes": [{"op": "delete_stack", "name": "s"}]}),
]


def call(client, method, path, body=None, headers=AUTH):
    return client.open(path, method=method, json=body, headers=headers)


# --- auth ---------------------------------------------------------------------------------
#: Keys that are almost right: a comparison of a prefix, of the length, or ignoring
#: case or one character would let them in.
NEAR_MISSES = {
    "junk-appended": f"{ADMIN_KEY}x",
    "key-twice": f"{ADMIN_KEY}{ADMIN_KEY}",
    "after-a-space": f"{ADMIN_KEY} junk",
    "prefix": ADMIN_KEY[:-1],
    "one-char-differs": ADMIN_KEY[:-1] + ("0" if ADMIN_KEY[-1] != "0" else "1"),
    "first-char-differs": ("x" if ADMIN_KEY[0] != "x" else "y") + ADMIN_KEY[1:],
    "upper-case": ADMIN_KEY.upper(),
    "other-id": ADMIN_KEY.replace("00a_", "00b_"),
}


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
@pytest.mark.parametrize("headers", [
    {}, {"Authorization": "Bearer wrong"}, {"Authorization": ADMIN_KEY},
    {"Authorization": f"Basic {ADMIN_KEY}"}, {"Authorization": "Bearer"},
    bearer(ADMIN_KEY.replace("secret", "sekret")), bearer("zen_00000000000b_" + "x" * 40),
    *(bearer(key) for key in NEAR_MISSES.values()),
], ids=["none", "wrong", "no-scheme", "basic", "empty", "other-secret", "unknown-id",
        *NEAR_MISSES])
def test_every_api_route_needs_a_key(client, store, method, path, body, headers):
    response = call(client, method, path, body, headers)
    assert response.status_code == 401
    assert response.json["error"] == "AuthenticationError"
    assert "zenml service status --show-token" in response.json["message"]
    assert "zenml user key create USER" in response.json["message"]
    assert "ZENML_STORE_TOKEN" in response.json["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert store.list_components() == []  # nothing happened


def test_the_401_says_what_is_wrong_with_the_key(client):
    def message(headers):
        return call(client, "GET", "/api/v1/stacks", headers=headers).json["message"]

    assert message({}).startswith("No API key given.")
    assert message({"Authorization": f"Token {ADMIN_KEY}"}).startswith(
        "The Authorization header is not 'Bearer KEY'.")
    assert message(bearer("x")).startswith(
        "The API key is malformed (expected zen_<id>_<secret>).")
    assert message(bearer(ADMIN_KEY[:-1] + "X")).startswith(
        "The API key is not valid (unknown, revoked or mistyped).")


def test_refusals_are_logged_without_the_key(client, caplog):
    import logging

    with caplog.at_level(logging.WARNING, logger="zen_service.auth"):
        call(client, "GET", "/api/v1/stacks", headers=bearer(ADMIN_KEY[:-1] + "X"))
    [record] = [r for r in caplog.records if r.name == "zen_service.auth"]
    assert record.getMessage() == (
        "Refused GET /api/v1/stacks from 127.0.0.1: The API key is not valid (unknown, "
        "revoked or mistyped).")
    assert ADMIN_KEY[20:] not in caplog.text


def test_the_right_key_is_let_in_and_nothing_near_it(client):
    assert call(client, "GET", "/api/v1/stacks").status_code == 200
    assert call(client, "GET", "/api/v1/stacks",
                headers={"Authorization": f"bearer {ADMIN_KEY}"}).status_code == 200  # any case
    for name, key in NEAR_MISSES.items():
        assert key != ADMIN_KEY
        response = call(client, "GET", "/api/v1/stacks", headers=bearer(key))
        assert response.status_code == 401, name
        assert response.json["message"].startswith(
            ("The API key is not valid", "The API key is malformed")), name


def test_a_non_ascii_token_is_refused_not_a_crash(client):
    response = client.get("/api/v1/stacks", headers={"Authorization": "Bearer é\u2603"})
    assert response.status_code == 401


@pytest.mark.parametrize("path", ["/health", "/openapi.json", "/docs",
                                  "/docs/assets/js/swagger-ui-bundle.js"])
def test_public_routes_need_no_token(client, path):
    assert client.get(path).status_code == 200


def test_health(store):
    import os

    import zen_core
    from zen_service.state import instance_id, instance_proof

    secret = "the-secret-of-this-run-0123456789"
    client = create_app(store, instance=secret).test_client()
    data = client.get("/health").json
    # every zen distribution has zen-core's version (set in one place)
    assert data == {"status": "ok", "service": "zen_service", "version": zen_core.__version__,
                    "pid": os.getpid(), "instance": instance_id(secret)}
    assert secret not in json.dumps(data)
    challenge = "c" * 20
    proven = client.get(f"/health?challenge={challenge}").json
    assert proven["proof"] == instance_proof(secret, challenge)
    assert client.head("/health").status_code == 200
    assert client.get("/health?challenge=short").status_code == 422


def test_create_app_refuses_a_short_instance_secret(store):
    with pytest.raises(InvalidDataError):
        create_app(store, instance="short")


# --- the routes -------------------------------------------------------------------------------
def test_stacks_round_trip(raw_client, store):
    client = raw_client
    for ctype in (T.ORCHESTRATOR, T.METADATA_STORE, T.ARTIFACT_STORE):
        body = {"type": ctype.value, "flavor": "local", "name": "c", "config": {"k": [1, None]}}
        created = call(client, "POST", "/api/v1/components", body)
        assert created.status_code == 201
        assert created.json["uuid"]
    components = {"orchestrator": "c", "metadata_store": "c", "artifact_store": "c"}
    response = call(client, "POST", "/api/v1/stacks", {"name": "s", "components": components})
    assert response.status_code == 201
    stored = store.get_stack("s")
    assert stored == Stack("s", components)
    assert response.json == stored.to_dict()
    assert response.json["revision"] == 1 and response.json["created"]
    assert call(client, "GET", "/api/v1/stacks").json == {
        "items": [response.json], "total": 1, "offset": 0, "limit": None}
    assert call(client, "GET", "/api/v1/stacks/s").json == response.json

    renamed = call(client, "PATCH", "/api/v1/stacks/s", {"name": "t"})
    assert renamed.status_code == 200
    assert renamed.json["name"] == "t" and renamed.json["revision"] == 2
    assert store.stack_names() == ["t"]
    assert call(client, "DELETE", "/api/v1/stacks/t").status_code == 204
    assert store.stack_names() == []


def test_components_round_trip(raw_client, store):
    client = raw_client
    body = {"type": "orchestrator", "flavor": "local", "name": "o", "uuid": "u-1",
            "config": {"nested": {"a": [1, 2.5, True, None, "x"]}}}
    assert call(client, "POST", "/api/v1/components", body).status_code == 201
    expected = Component(T.ORCHESTRATOR, "local", "o", body["config"], uuid="u-1")
    stored = store.get_component(T.ORCHESTRATOR, "o")
    assert stored == expected
    assert call(client, "GET", "/api/v1/components/orchestrator/o").json == stored.to_dict()
    assert call(client, "GET", "/api/v1/components").json["items"] == [stored.to_dict()]
    assert call(client, "GET", "/api/v1/components/orchestrator").json["items"] == [
        stored.to_dict()]
    assert call(client, "GET", "/api/v1/components/artifact_store").json == {
        "items": [], "total": 0, "offset": 0, "limit": None}

    update = {"name": "o2", "set": {"v": 2}, "unset": ["nested"]}
    response = call(client, "PATCH", "/api/v1/components/orchestrator/o", update)
    assert response.status_code == 200
    assert response.json == store.get_component(T.ORCHESTRATOR, "o2").to_dict()
    assert (response.json["uuid"], response.json["config"]) == ("u-1", {"v": 2})
    assert [c.name for c in store.list_components()] == ["o2"]
    assert call(client, "DELETE", "/api/v1/components/orchestrator/o2").status_code == 204
    assert store.list_components() == []


def test_registering_keeps_a_given_uuid_with_the_rules_too(client, store):
    body = {"type": "orchestrator", "flavor": "local", "name": "o", "uuid": "u-1"}
    assert call(client, "POST", "/api/v1/components", body).json["uuid"] == "u-1"
    generated = call(client, "POST", "/api/v1/components", {**body, "name": "p", "uuid": None})
    assert generated.json["uuid"] not in (None, "u-1")


def test_the_put_routes_are_gone(client):
    for path in ("/api/v1/stacks/s", "/api/v1/components/orchestrator/o"):
        response = call(client, "PUT", path, {"name": "s"})
        assert response.status_code == 405
        assert "PATCH" in response.headers["Allow"]


def test_every_flask_route_is_in_the_spec(app):
    documented = {
        (method.upper(), path)
        for path, item in app.test_client().get("/openapi.json").json["paths"].items()
        for method in item
    }
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("openapi_json", "docs", "docs_asset", "static"):
            continue
        path = rule.rule.replace("<", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (method, path) in documented


# --- errors -------------------------------------------------------------------------------
@pytest.mark.parametrize(("method", "path", "body", "status", "error"), [
    ("GET", "/api/v1/stacks/missing", None, 404, "StackNotFoundError"),
    ("DELETE", "/api/v1/stacks/missing", None, 404, "StackNotFoundError"),
    ("PATCH", "/api/v1/stacks/missing", {"name": "x"}, 404, "StackNotFoundError"),
    ("POST", "/api/v1/stacks", {"name": "s", "components": {}}, 409, "StackExistsError"),
    ("POST", "/api/v1/stacks", {"name": "n", "components": {"orchestrator": "ghost"}}, 404,
     "ComponentNotFoundError"),
    ("GET", "/api/v1/components/orchestrator/missing", None, 404, "ComponentNotFoundError"),
    ("POST", "/api/v1/components", {"type": "orchestrator", "flavor": "local", "name": "s"},
     409, "ComponentExistsError"),
    ("DELETE", "/api/v1/components/orchestrator/s", None, 409, "InUseError"),
    ("PATCH", "/api/v1/components/orchestrator/missing", {"name": "x"}, 404,
     "ComponentNotFoundError"),
])
def test_store_errors_keep_their_class_and_message(client, store, method, path, body,
                                                   status, error):
    register_stack_with_components(store, "s")
    response = call(client, method, path, body)
    assert response.status_code == status
    assert response.json["error"] == error
    # the very message the store raises itself
    direct = {
        "StackNotFoundError": lambda: store.get_stack("missing"),
        "StackExistsError": lambda: store.register_stack(store.get_stack("s")),
        "ComponentNotFoundError": lambda: store.get_component(
            T.ORCHESTRATOR, "ghost" if "ghost" in str(body) else "missing"),
        "ComponentExistsError": lambda: store.register_component(
            Component(T.ORCHESTRATOR, "local", "s")),
        "InUseError": lambda: store.delete_component(T.ORCHESTRATOR, "s"),
    }[error]
    with pytest.raises(Exception) as info:
        direct()
    assert response.json["message"] == str(info.value)


def test_a_taken_uuid_is_a_409_naming_its_holder(client, store):
    """A component here; a secret is the rest store's run of the contract (a keyed service)."""
    held = store.register_component(Component(T.ORCHESTRATOR, "local", "holder"))
    response = call(client, "POST", "/api/v1/components", {
        "type": "artifact_store", "flavor": "local", "name": "twin", "config": {"path": "/p"},
        "uuid": held.uuid})
    assert (response.status_code, response.json["error"]) == (409, "ComponentExistsError")
    assert response.json["message"] == (
        f"The uuid {held.uuid} already belongs to orchestrator 'holder'. Give the new "
        "component another uuid (or none: one is made).")
    assert [c.name for c in store.list_components()] == ["holder"]


@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", "/api/v1/stacks", {"name": "s", "components": {"nope": "x"}}),
    ("POST", "/api/v1/stacks", {"name": "s", "extra": 1}),
    ("POST", "/api/v1/stacks", []),
    ("POST", "/api/v1/stacks", None),
    ("POST", "/api/v1/components", {"type": "nope", "flavor": "local", "name": "o"}),
    ("POST", "/api/v1/components", {"type": "orchestrator", "flavor": "local", "name": 5}),
    ("POST", "/api/v1/components",
     {"type": "orchestrator", "flavor": "local", "name": "o", "config": []}),
    ("PATCH", "/api/v1/components/orchestrator/o",
     {"type": "orchestrator", "flavor": "local", "name": "o"}),
    ("PATCH", "/api/v1/stacks/s", {"set": {"orchestrator": "o"}, "remove": "x"}),
    ("POST", "/api/v1/batch", {"writes": [{"op": "drop_everything"}]}),
    ("POST", "/api/v1/batch", {"writes": [{"op": "delete_stack"}]}),
    ("GET", "/api/v1/components/nope", None),
    ("GET", "/api/v1/components/nope/x", None),
    ("DELETE", "/api/v1/components/nope/x", None),
])
def test_bad_input_is_a_422(client, store, method, path, body):
    response = call(client, method, path, body)
    assert response.status_code == 422, response.json
    assert response.json["error"] == "InvalidDataError"
    assert response.json["message"].startswith("Invalid request: ")
    assert store.list_components() == [] and store.list_stacks() == []


_NAME_RULE = "use letters, digits, '_', '-' and '.', starting with a letter or digit."


@pytest.mark.parametrize(("method", "path", "body", "message"), [
    ("POST", "/api/v1/stacks", {"name": "bad name", "components": {}},
     f"Invalid stack name 'bad name': {_NAME_RULE}"),
    ("POST", "/api/v1/stacks", {"name": "s", "components": {"orchestrator": "../x"}},
     f"Invalid orchestrator name '../x': {_NAME_RULE}"),
    ("POST", "/api/v1/components", {"type": "orchestrator", "flavor": "", "name": "o"},
     "The orchestrator 'o' needs a flavor."),
    ("POST", "/api/v1/components", {"type": "orchestrator", "flavor": "l", "name": "x" * 101},
     f"The orchestrator name '{'x' * 20}...' is too long (101 characters, at most 100)."),
    ("POST", "/api/v1/components",
     {"type": "orchestrator", "flavor": "local", "name": "o", "config": {"name": "x"}},
     "'name' is not a configuration field of orchestrator 'o': it is the component's own."),
    ("PATCH", "/api/v1/stacks/s", {"name": "a/b"}, f"Invalid stack name 'a/b': {_NAME_RULE}"),
    ("POST", "/api/v1/batch", {"writes": [{"op": "delete_stack", "name": "../x"}]},
     f"Invalid stack name '../x': {_NAME_RULE}"),
    ("POST", "/api/v1/batch", {"writes": []}, "The batch has no writes."),
])
def test_what_the_domain_refuses_is_a_422_with_its_message(client, store, method, path, body,
                                                           message):
    """Names, flavors and reserved keys are zen_core's rules: the CLI's very message."""
    response = call(client, method, path, body)
    assert response.status_code == 422, response.json
    assert response.json == {"error": "InvalidDataError", "message": message}
    assert store.list_components() == [] and store.list_stacks() == []


def _nested(depth: int) -> dict:
    config: dict = {}
    inner = config
    for _ in range(depth):
        inner["a"] = {}
        inner = inner["a"]
    return config


@pytest.mark.parametrize(("data", "content_type", "reason"), [
    ("{not json", "application/json", "not JSON (Expecting property name"),
    ('{"name": "s"}', "text/plain", "Content-Type was not 'application/json'"),
    ("", "application/json", "not JSON"),
    ("\xff\xfe", "application/json", "not JSON"),
    ("[" * 100_000 + "]" * 100_000, "application/json", "nested too deeply"),
    ('{"name": "s", "components": {}, "x": NaN}', "application/json", "NaN is not a JSON"),
    ('"{\\"name\\": \\"s\\"}"', "application/json", "must be a JSON object"),
    ('["s"]', "application/json", "must be a JSON object"),
    ('{"name": "s\\ud800", "components": {}}', "application/json", "lone surrogate"),
    (json.dumps({"type": "orchestrator", "flavor": "local", "name": "o",
                 "config": _nested(70)}), "application/json", "more than 64 levels"),
])
def test_unreadable_bodies_are_a_422(client, store, data, content_type, reason):
    path = "/api/v1/components" if '"type"' in data else "/api/v1/stacks"
    response = client.post(path, data=data, content_type=content_type, headers=AUTH)
    assert response.status_code == 422
    assert response.json["error"] == "InvalidDataError"
    assert reason in response.json["message"]
    assert store.list_components() == [] and store.list_stacks() == []


def test_a_body_over_16_mib_is_a_413(client, store):
    response = client.post("/api/v1/stacks", data="x" * (17 * 2**20),
                           content_type="application/json", headers=AUTH)
    assert response.status_code == 413
    assert response.json["error"] == "InvalidDataError"
    assert "larger than 16 MiB" in response.json["message"]
    assert store.list_stacks() == []


def test_deep_but_reasonable_configs_are_kept(raw_client, store):
    body = {"type": "orchestrator", "flavor": "local", "name": "o", "config": _nested(60)}
    assert call(raw_client, "POST", "/api/v1/components", body).status_code == 201
    assert store.get_component(T.ORCHESTRATOR, "o").config == _nested(60)


def test_unknown_route_and_method_answer_json(client):
    missing = client.get("/api/v1/nope", headers=AUTH)
    assert missing.status_code == 404
    assert missing.json["error"] == "NotFoundError"
    assert "/docs" in missing.json["message"]
    wrong = client.put("/api/v1/stacks", headers=AUTH)
    assert wrong.status_code == 405
    assert wrong.json["error"] == "MethodNotAllowedError"
    assert "GET" in wrong.headers["Allow"]


class _BrokenStore(LocalStore):
    def __init__(self, url: str, error: Exception) -> None:
        super().__init__(url)
        self.error = error

    def list_stacks(self):
        raise self.error


def test_an_unavailable_store_is_a_503(tmp_path):
    store = _BrokenStore(f"file://{tmp_path}", StoreUnavailableError("The database is down."))
    store.initialize()
    add_user_key(store, "ann", "admin", key=ADMIN_KEY)
    response = create_app(store).test_client().get("/api/v1/stacks", headers=AUTH)
    assert response.status_code == 503
    assert response.json == {"error": "StoreUnavailableError", "message": "The database is down."}


def test_a_bug_is_a_500_with_a_json_body_and_no_details(tmp_path, caplog):
    store = _BrokenStore(f"file://{tmp_path}", RuntimeError("secret internals"))
    store.initialize()
    add_user_key(store, "ann", "admin", key=ADMIN_KEY)
    response = create_app(store).test_client().get("/api/v1/stacks", headers=AUTH)
    assert response.status_code == 500
    assert response.json["error"] == "InternalError"
    assert "secret internals" not in response.json["message"]
    assert "secret internals" in caplog.text  # but the log has it


# --- no stale copy -----------------------------------------------------------------------
def test_writes_by_another_process_are_visible_at_once(client, store):
    other = LocalStore(store.url)
    assert call(client, "GET", "/api/v1/stacks").json["items"] == []
    register_stack_with_components(other, "from-cli")
    assert [s["name"] for s in call(client, "GET", "/api/v1/stacks").json["items"]] == [
        "from-cli"]
    other.update_stack("from-cli", StackChange(name="renamed"))
    assert call(client, "GET", "/api/v1/stacks/from-cli").status_code == 404
    assert call(client, "GET", "/api/v1/stacks/renamed").status_code == 200


# --- serving a profile ---------------------------------------------------------------------
def test_create_app_serves_the_active_profile(zen_home):
    Client().prepare()
    served_profile_key()
    app = create_app()
    assert app.config["ZEN_PROFILE"] == "default"
    stacks = app.test_client().get("/api/v1/stacks", headers=AUTH).json["items"]
    assert [s["name"] for s in stacks] == profile_store().stack_names() == ["default"]


def test_the_served_store_is_opened_with_the_profiles_context(zen_home):
    Client().prepare()
    served = create_app("default").extensions["zen_service"]["served"]
    store = served.access(DELEGATED).bookkeeping()
    assert (store.context.profile, store.context.config_directory) == ("default", zen_home)


def test_a_served_store_that_has_gone_is_a_503_naming_the_profile(zen_home):
    import shutil

    Client().prepare()
    served_profile_key()
    client = create_app("default").test_client()
    shutil.rmtree(zen_home / "profiles" / "default")
    for method, path, body in [("GET", "/api/v1/stacks", None),
                               ("POST", "/api/v1/components",
                                {"type": "orchestrator", "flavor": "local", "name": "o"})]:
        response = call(client, method, path, body)
        assert response.status_code == 503
        assert response.json["error"] == "StoreMissingError"
        assert "profile 'default'" in response.json["message"]
    assert not (zen_home / "profiles" / "default").exists()  # nothing created in its place


def test_each_server_thread_opens_its_own_store(zen_home):
    Client().prepare()
    served = create_app("default").extensions["zen_service"]["served"]

    def store():
        return served.access(DELEGATED).bookkeeping()

    seen = []
    thread = threading.Thread(target=lambda: seen.append(store()))
    thread.start()
    thread.join()
    assert store() is store()
    assert seen[0] is not store()
    assert seen[0].url == store().url


def test_create_app_refuses_unknown_and_rest_profiles(zen_home):
    with pytest.raises(ProfileNotFoundError, match="'nope'"):
        create_app("nope")
    Client().prepare().config.save_profile(
        Profile("remote", store_type="rest", store_url="http://localhost:1"))
    with pytest.raises(InvalidDataError, match="rest store type") as info:
        create_app("remote")
    assert "a zen service serves a local" in str(info.value)
    assert "profile, not another service" in str(info.value)


def test_each_kind_of_error_has_its_status():
    """The statuses the spec promises, by the class the body names (subclasses included)."""
    from zen_core import exceptions as e
    from zen_service.errors import status_of

    expected = {e.StackNotFoundError: 404, e.ProfileNotFoundError: 404,
                e.ComponentExistsError: 409, e.InUseError: 409, e.InvalidDataError: 422,
                e.StackRuleError: 422, e.ConflictError: 412, e.NotPermittedError: 403,
                e.StoreUnavailableError: 503, e.StoreMissingError: 503,
                e.AuthenticationError: 401, e.PluginError: 400, e.ZenError: 400}
    assert {cls: status_of(cls("x")) for cls in expected} == expected
