"""The Flask app through its test client: auth, routes, errors, no stale data."""

from __future__ import annotations

import json
import threading

import pytest

from zen_core.client import Client
from zen_core.config import Profile
from zen_core.exceptions import InvalidDataError, ProfileNotFoundError, StoreUnavailableError
from zen_core.models import Component, ComponentType, Stack
from zen_core.testing.contract import register_stack_with_components
from zen_local_store.store import LocalStore
from zen_service.app import create_app

T = ComponentType
TOKEN = "test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def store(tmp_path):
    store = LocalStore(f"file://{tmp_path}/store")
    store.initialize()
    return store


@pytest.fixture
def app(store):
    return create_app(store, token=TOKEN)


@pytest.fixture
def client(app):
    return app.test_client()

#: One request per route: (method, path, json body).
ROUTES = [
    ("GET", "/api/v1/stacks", None),
    ("POST", "/api/v1/stacks", {"name": "s", "components": {}}),
    ("GET", "/api/v1/stacks/s", None),
    ("PUT", "/api/v1/stacks/s", {"name": "s", "components": {}}),
    ("DELETE", "/api/v1/stacks/s", None),
    ("GET", "/api/v1/components", None),
    ("GET", "/api/v1/components/orchestrator", None),
    ("POST", "/api/v1/components", {"type": "orchestrator", "flavor": "local", "name": "o"}),
    ("GET", "/api/v1/components/orchestrator/o", None),
    ("PUT", "/api/v1/components/orchestrator/o", {"flavor": "local", "name": "o"}),
    ("DELETE", "/api/v1/components/orchestrator/o", None),
]


def call(client, method, path, body=None, headers=AUTH):
    return client.open(path, method=method, json=body, headers=headers)


# --- auth ---------------------------------------------------------------------------------
#: Tokens that are almost right: a comparison of a prefix, of the length, or ignoring
#: case or one character would let them in.
NEAR_MISSES = {
    "junk-appended": f"{TOKEN}x",
    "token-twice": f"{TOKEN}{TOKEN}",
    "after-a-space": f"{TOKEN} junk",
    "prefix": TOKEN[:-1],
    "one-char-differs": TOKEN[:-1] + ("0" if TOKEN[-1] != "0" else "1"),
    "first-char-differs": ("x" if TOKEN[0] != "x" else "y") + TOKEN[1:],
    "upper-case": TOKEN.upper(),
}


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
@pytest.mark.parametrize("headers", [
    {}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN},
    {"Authorization": f"Basic {TOKEN}"}, {"Authorization": "Bearer"},
    *({"Authorization": f"Bearer {token}"} for token in NEAR_MISSES.values()),
], ids=["none", "wrong", "no-scheme", "basic", "empty", *NEAR_MISSES])
def test_every_api_route_needs_the_token(client, store, method, path, body, headers):
    response = call(client, method, path, body, headers)
    assert response.status_code == 401
    assert response.json["error"] == "AuthenticationError"
    assert "zenml service status --show-token" in response.json["message"]
    assert "ZENML_STORE_TOKEN" in response.json["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert store.list_components() == []  # nothing happened


def test_the_401_says_whether_a_token_was_sent(client):
    assert call(client, "GET", "/api/v1/stacks", headers={}).json["message"].startswith(
        "No access token given.")
    bad = call(client, "GET", "/api/v1/stacks", headers={"Authorization": "Bearer x"})
    assert bad.json["message"].startswith("The access token is not valid.")


def test_the_right_token_is_let_in_and_nothing_near_it(client):
    assert call(client, "GET", "/api/v1/stacks").status_code == 200
    assert call(client, "GET", "/api/v1/stacks",
                headers={"Authorization": f"bearer {TOKEN}"}).status_code == 200  # any case
    for name, token in NEAR_MISSES.items():
        assert token != TOKEN
        response = call(client, "GET", "/api/v1/stacks",
                        headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, name
        assert response.json["message"].startswith("The access token is not valid."), name


def test_a_non_ascii_token_is_refused_not_a_crash(client):
    response = client.get("/api/v1/stacks", headers={"Authorization": "Bearer é\u2603"})
    assert response.status_code == 401


@pytest.mark.parametrize("path", ["/health", "/openapi.json", "/docs",
                                  "/docs/assets/js/swagger-ui-bundle.js"])
def test_public_routes_need_no_token(client, path):
    assert client.get(path).status_code == 200


def test_health(client):
    import os

    import zen_core

    data = client.get("/health").json
    # every zen distribution has zen-core's version (set in one place)
    assert data == {"status": "ok", "service": "zen_service", "version": zen_core.__version__,
                    "pid": os.getpid()}
    assert client.head("/health").status_code == 200


def test_create_app_refuses_an_empty_token(store):
    with pytest.raises(InvalidDataError):
        create_app(store, token="")


# --- the routes -------------------------------------------------------------------------------
def test_stacks_round_trip(client, store):
    for ctype in (T.ORCHESTRATOR, T.METADATA_STORE, T.ARTIFACT_STORE):
        body = {"type": ctype.value, "flavor": "local", "name": "c", "config": {"k": [1, None]}}
        created = call(client, "POST", "/api/v1/components", body)
        assert created.status_code == 201
        assert created.json["uuid"]
    components = {"orchestrator": "c", "metadata_store": "c", "artifact_store": "c"}
    response = call(client, "POST", "/api/v1/stacks", {"name": "s", "components": components})
    assert response.status_code == 201
    assert response.json == {"name": "s", "components": components}
    assert store.get_stack("s") == Stack("s", components)
    assert call(client, "GET", "/api/v1/stacks").json == [response.json]
    assert call(client, "GET", "/api/v1/stacks/s").json == response.json

    renamed = call(client, "PUT", "/api/v1/stacks/s", {"name": "t", "components": components})
    assert renamed.status_code == 200
    assert store.stack_names() == ["t"]
    assert call(client, "DELETE", "/api/v1/stacks/t").status_code == 204
    assert store.stack_names() == []


def test_components_round_trip(client, store):
    body = {"type": "orchestrator", "flavor": "local", "name": "o", "uuid": "u-1",
            "config": {"nested": {"a": [1, 2.5, True, None, "x"]}}}
    assert call(client, "POST", "/api/v1/components", body).status_code == 201
    expected = Component(T.ORCHESTRATOR, "local", "o", body["config"], uuid="u-1")
    assert store.get_component(T.ORCHESTRATOR, "o") == expected
    assert call(client, "GET", "/api/v1/components/orchestrator/o").json == expected.to_dict()
    assert call(client, "GET", "/api/v1/components").json == [expected.to_dict()]
    assert call(client, "GET", "/api/v1/components/orchestrator").json == [expected.to_dict()]
    assert call(client, "GET", "/api/v1/components/artifact_store").json == []

    update = {"flavor": "local", "name": "o2", "uuid": "u-1", "config": {"v": 2}}
    response = call(client, "PUT", "/api/v1/components/orchestrator/o", update)
    assert response.status_code == 200
    assert response.json == {"type": "orchestrator", **update}
    assert [c.name for c in store.list_components()] == ["o2"]
    assert call(client, "DELETE", "/api/v1/components/orchestrator/o2").status_code == 204
    assert store.list_components() == []


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
    ("PUT", "/api/v1/stacks/missing", {"name": "x", "components": {}}, 404,
     "StackNotFoundError"),
    ("POST", "/api/v1/stacks", {"name": "s", "components": {}}, 409, "StackExistsError"),
    ("POST", "/api/v1/stacks", {"name": "n", "components": {"orchestrator": "ghost"}}, 404,
     "ComponentNotFoundError"),
    ("GET", "/api/v1/components/orchestrator/missing", None, 404, "ComponentNotFoundError"),
    ("POST", "/api/v1/components", {"type": "orchestrator", "flavor": "local", "name": "s"},
     409, "ComponentExistsError"),
    ("DELETE", "/api/v1/components/orchestrator/s", None, 409, "InUseError"),
    ("PUT", "/api/v1/components/orchestrator/missing", {"flavor": "local", "name": "x"}, 404,
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


@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", "/api/v1/stacks", {"name": "bad name", "components": {}}),
    ("POST", "/api/v1/stacks", {"name": "s", "components": {"nope": "x"}}),
    ("POST", "/api/v1/stacks", {"name": "s", "components": {"orchestrator": "../x"}}),
    ("POST", "/api/v1/stacks", {"name": "s", "extra": 1}),
    ("POST", "/api/v1/stacks", []),
    ("POST", "/api/v1/stacks", None),
    ("POST", "/api/v1/components", {"type": "nope", "flavor": "local", "name": "o"}),
    ("POST", "/api/v1/components", {"type": "orchestrator", "flavor": "", "name": "o"}),
    ("POST", "/api/v1/components", {"type": "orchestrator", "flavor": "l", "name": "x" * 101}),
    ("POST", "/api/v1/components",
     {"type": "orchestrator", "flavor": "local", "name": "o", "config": {"name": "x"}}),
    ("POST", "/api/v1/components",
     {"type": "orchestrator", "flavor": "local", "name": "o", "config": []}),
    ("PUT", "/api/v1/components/orchestrator/o",
     {"type": "orchestrator", "flavor": "local", "name": "o"}),
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
    ("x" * (17 * 2**20), "application/json", "larger than 16 MiB"),
])
def test_unreadable_bodies_are_a_422(client, store, data, content_type, reason):
    path = "/api/v1/components" if '"type"' in data else "/api/v1/stacks"
    response = client.post(path, data=data, content_type=content_type, headers=AUTH)
    assert response.status_code == 422
    assert response.json["error"] == "InvalidDataError"
    assert reason in response.json["message"]
    assert store.list_components() == [] and store.list_stacks() == []


def test_deep_but_reasonable_configs_are_kept(client, store):
    body = {"type": "orchestrator", "flavor": "local", "name": "o", "config": _nested(60)}
    assert call(client, "POST", "/api/v1/components", body).status_code == 201
    assert store.get_component(T.ORCHESTRATOR, "o").config == _nested(60)


def test_unknown_route_and_method_answer_json(client):
    missing = client.get("/api/v1/nope", headers=AUTH)
    assert missing.status_code == 404
    assert missing.json["error"] == "NotFoundError"
    assert "/docs" in missing.json["message"]
    wrong = client.patch("/api/v1/stacks", headers=AUTH)
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
    response = create_app(store, token=TOKEN).test_client().get("/api/v1/stacks", headers=AUTH)
    assert response.status_code == 503
    assert response.json == {"error": "StoreUnavailableError", "message": "The database is down."}


def test_a_bug_is_a_500_with_a_json_body_and_no_details(tmp_path, caplog):
    store = _BrokenStore(f"file://{tmp_path}", RuntimeError("secret internals"))
    response = create_app(store, token=TOKEN).test_client().get("/api/v1/stacks", headers=AUTH)
    assert response.status_code == 500
    assert response.json["error"] == "InternalError"
    assert "secret internals" not in response.json["message"]
    assert "secret internals" in caplog.text  # but the log has it


# --- no stale copy -----------------------------------------------------------------------
def test_writes_by_another_process_are_visible_at_once(client, store):
    other = LocalStore(store.url)
    assert call(client, "GET", "/api/v1/stacks").json == []
    register_stack_with_components(other, "from-cli")
    assert [s["name"] for s in call(client, "GET", "/api/v1/stacks").json] == ["from-cli"]
    other.update_stack("from-cli", Stack("renamed", other.get_stack("from-cli").components))
    assert call(client, "GET", "/api/v1/stacks/from-cli").status_code == 404
    assert call(client, "GET", "/api/v1/stacks/renamed").status_code == 200


# --- serving a profile ---------------------------------------------------------------------
def test_create_app_serves_the_active_profile(zen_home):
    client = Client()
    app = create_app(token=TOKEN)
    assert app.config["ZEN_PROFILE"] == "default"
    stacks = app.test_client().get("/api/v1/stacks", headers=AUTH).json
    assert [s["name"] for s in stacks] == client.store.stack_names() == ["default"]


def test_each_server_thread_opens_its_own_store(zen_home):
    app = create_app("default", token=TOKEN)
    provider = app.extensions["zen_service"]["store"]
    seen = []
    thread = threading.Thread(target=lambda: seen.append(provider.get()))
    thread.start()
    thread.join()
    assert provider.get() is provider.get()
    assert seen[0] is not provider.get()
    assert seen[0].url == provider.get().url


def test_create_app_refuses_unknown_and_rest_profiles(zen_home):
    with pytest.raises(ProfileNotFoundError, match="'nope'"):
        create_app("nope", token=TOKEN)
    Client().config.save_profile(
        Profile("remote", store_type="rest", store_url="http://localhost:1"))
    with pytest.raises(InvalidDataError, match="rest store type"):
        create_app("remote", token=TOKEN)
