"""The OpenAPI document: valid 3.1, complete, and true (schemathesis fuzzes the app against it)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir
from openapi_spec_validator import validate
from schemathesis import GenerationMode

from zen_core.config import GlobalConfig
from zen_core.services.secret_keys import ProfileKeys
from zen_core.testing.contract import register_stack_with_components
from zen_local_store.store import LocalStore
from zen_service.app import create_app
from zen_service.testing import add_user_key, bearer

#: Keys of the fuzzed store's admin and viewer. Their users' names are not ones the
#: schema's examples give, so that a fuzzed batch does not delete them.
ADMIN_KEY = "zen_0000000000f1_fuzz-admin-secret-0123456789"
VIEWER_KEY = "zen_0000000000f2_fuzz-viewer-secret-0123456789"
#: Examples per operation, generation mode and key: the whole run stays around a minute.
MAX_EXAMPLES = 40


_FOLDER = tempfile.TemporaryDirectory(prefix="zen-fuzz-")  # removed when the run ends
# Hypothesis keeps caches in ./.hypothesis; not in the repository.
set_hypothesis_home_dir(f"{_FOLDER.name}/hypothesis")


def _app():
    store = LocalStore(f"file://{_FOLDER.name}/store")
    store.initialize()
    # Something to find, so that 200s and 409s are exercised too.
    register_stack_with_components(store, "default")
    add_user_key(store, "fuzz-admin-7", "admin", key=ADMIN_KEY)
    add_user_key(store, "fuzz-viewer-7", "viewer", key=VIEWER_KEY)
    app = create_app(store, keys=ProfileKeys(GlobalConfig(Path(_FOLDER.name) / "config"), "fuzz"))
    made = app.test_client().post("/api/v1/secrets", headers=bearer(ADMIN_KEY),
                                  json={"name": "default", "values": {"password": "p"}})
    assert made.status_code == 201, made.json
    return app


APP = _app()


@pytest.fixture(scope="module")
def document():
    return APP.test_client().get("/openapi.json").json


def test_the_document_is_valid_openapi_3_1(document):
    validate(document)
    assert document["openapi"].startswith("3.1.")
    assert document["info"]["title"] == "zen service"
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer"}


def test_every_protected_operation_documents_auth_and_failures(document):
    operations = [(path, method, op) for path, item in document["paths"].items()
                  for method, op in item.items()]
    assert len(operations) == 25
    for path, method, op in operations:
        codes = set(op["responses"])
        if path == "/health":
            assert codes == {"200", "422"} and "security" not in op
            continue
        if path == "/ready":
            assert codes == {"200", "503"} and "security" not in op
            continue
        assert op["security"] == [{"bearerAuth": []}], (method, path)
        assert {"401", "403", "500", "503"} <= codes, (method, path)
        assert op["x-zen-role"] in ("viewer", "editor", "admin", "any"), (method, path)
        if method != "get" or path.endswith("/api-keys"):
            assert op["x-zen-role"] != "viewer", (method, path)
        has_input = "requestBody" in op or any(
            "$ref" in p["schema"] or p["in"] in ("header", "query")
            for p in op.get("parameters", []))
        assert ("422" in codes) == has_input, (method, path)
        if "{name}" in path:
            assert "404" in codes, (method, path)
        if method in ("post", "patch") and path not in ("/api/v1/components",
                                                        "/api/v1/secrets"):
            assert "404" in codes, (method, path)  # a member or a record named is missing
        if method in ("post", "patch"):
            assert "409" in codes, (method, path)
        if method in ("patch", "delete") or path == "/api/v1/batch":
            assert "412" in codes, (method, path)
            if method != "post":
                [if_match] = [p for p in op["parameters"] if p["in"] == "header"]
                assert if_match["name"] == "If-Match" and not if_match["required"]
        success = {"get": "200", "patch": "200", "post": "201", "delete": "204"}[method]
        if path == "/api/v1/batch":
            success = "200"
        assert success in codes
        for code, response in op["responses"].items():
            if code != "204":
                schema = response["content"]["application/json"]["schema"]
                assert schema["$ref"].startswith("#/components/schemas/")
        assert "put" not in document["paths"][path], path


def test_exact_codes_of_some_operations(document):
    paths = document["paths"]
    codes = {method: sorted(op["responses"]) for method, op in
             paths["/api/v1/components/{type}/{name}"].items()}
    assert codes == {
        "get": ["200", "401", "403", "404", "422", "500", "503"],
        "patch": ["200", "401", "403", "404", "409", "412", "422", "500", "503"],
        "delete": ["204", "401", "403", "404", "409", "412", "422", "500", "503"],
    }
    assert sorted(paths["/api/v1/stacks"]["get"]["responses"]) == [
        "200", "401", "403", "422", "500", "503"]
    assert sorted(paths["/api/v1/batch"]["post"]["responses"]) == [
        "200", "401", "403", "404", "409", "412", "422", "500", "503"]
    assert sorted(paths["/api/v1/events"]["get"]["responses"]) == [
        "200", "401", "403", "422", "500", "503"]


def test_one_record_answers_document_their_etag(document):
    paths = document["paths"]
    with_etag = [
        paths["/api/v1/stacks/{name}"]["get"]["responses"]["200"],
        paths["/api/v1/stacks/{name}"]["patch"]["responses"]["200"],
        paths["/api/v1/stacks"]["post"]["responses"]["201"],
        paths["/api/v1/components/{type}/{name}"]["get"]["responses"]["200"],
        paths["/api/v1/components/{type}/{name}"]["patch"]["responses"]["200"],
        paths["/api/v1/components"]["post"]["responses"]["201"],
        paths["/api/v1/secrets/{name}"]["get"]["responses"]["200"],
        paths["/api/v1/secrets/{name}"]["patch"]["responses"]["200"],
        paths["/api/v1/secrets"]["post"]["responses"]["201"],
    ]
    assert all("ETag" in r["headers"] for r in with_etag)
    assert "headers" not in paths["/api/v1/stacks"]["get"]["responses"]["200"]
    assert "headers" not in paths["/api/v1/batch"]["post"]["responses"]["200"]


def test_the_schemas_are_pydantics(document):
    schemas = document["components"]["schemas"]
    stack = schemas["StackInput"]
    assert stack["properties"]["components"]["propertyNames"] == {
        "$ref": "#/components/schemas/ComponentType"}
    assert "ComponentType" in schemas
    config = schemas["ComponentInput"]["properties"]["config"]
    assert config["propertyNames"] == {"not": {"enum": ["name", "uuid", "_zen"]}}
    for record in ("Stack", "Component"):
        assert {"revision", "created", "updated"} <= set(schemas[record]["required"])
    assert schemas["StackInput"]["properties"]["revision"]["readOnly"] is True
    assert schemas["StackInput"]["properties"]["name"]["pattern"] == "^[A-Za-z0-9][A-Za-z0-9_.-]*$"
    write_ops = {ref["$ref"].rsplit("/", 1)[1]
                 for ref in schemas["BatchInput"]["properties"]["writes"]["items"]["oneOf"]}
    assert write_ops == {"RegisterComponentWrite", "UpdateComponentWrite",
                         "DeleteComponentWrite", "RegisterStackWrite", "UpdateStackWrite",
                         "DeleteStackWrite", "CreateUserWrite", "DeleteUserWrite",
                         "CreateTeamWrite", "DeleteTeamWrite", "AddTeamMemberWrite",
                         "RemoveTeamMemberWrite", "AssignRoleWrite", "RevokeRoleWrite",
                         "CreateApiKeyWrite", "RevokeApiKeyWrite",  # a key's use: no API write
                         "CreateSecretWrite", "UpdateSecretWrite", "DeleteSecretWrite"}
    assert "secret_hash" not in schemas["ApiKey"]["properties"]


# --- fuzzing ------------------------------------------------------------------------------
def _schema(key: str):
    """The spec as schemathesis fuzzes it, every request sent with ``key`` (given to
    schemathesis as configuration, so that it does not count a request whose generated
    Authorization header was replaced by the key as one that should have been refused)."""
    loaded = schemathesis.openapi.from_wsgi("/openapi.json", APP)
    loaded.config.update(headers=bearer(key))
    loaded.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
    # Data the schema allows may still break a rule of the domain layer, which depends on
    # what is installed and stored: a flavor's configuration schema, a stack rule, a stale
    # revision, a role the key's user lacks. Those are documented 403s, 412s and 422s; a
    # schema-valid request must get nothing else 4xx.
    loaded.config.checks.positive_data_acceptance.expected_statuses = [
        "2XX", "401", "403", "404", "409", "412", "422"]
    return loaded


admin_schema = _schema(ADMIN_KEY)
viewer_schema = _schema(VIEWER_KEY)
_FUZZ = settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                 suppress_health_check=list(HealthCheck))


@admin_schema.parametrize()
@_FUZZ
def test_the_api_keeps_its_spec_for_an_admin(case):
    """No 5xx, every status and body as documented, auth enforced, bad input refused."""
    case.call_and_validate()


@viewer_schema.parametrize()
@_FUZZ
def test_the_api_keeps_its_spec_for_a_viewer(case):
    """The same for a viewer: refusals (403) are documented, answers still fit the spec."""
    case.call_and_validate()
