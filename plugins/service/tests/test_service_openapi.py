"""The OpenAPI document: valid 3.1, complete and exact (test_service_spec_fuzz.py proves it
true against a live service)."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from zen_core.testing.contract import register_stack_with_components


@pytest.fixture(scope="module")
def document(tmp_path_factory):
    from zen_local_store.store import LocalStore
    from zen_service.app import create_app

    folder = tmp_path_factory.mktemp("spec")
    with pytest.MonkeyPatch.context() as env:  # before the autouse zen_home: set here
        env.setenv("ZENML_CONFIG_PATH", str(folder / "config"))
        store = LocalStore(f"file://{folder}/store")
        store.initialize()
        register_stack_with_components(store, "default")
        return create_app(store).test_client().get("/openapi.json").json


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
        # A stack stored with a missing member (see below); a secret's name is checked.
        other_422 = (method, path) in {("get", "/api/v1/stacks/{name}"),
                                       ("get", "/api/v1/secrets/{name}")}
        assert ("422" in codes) == (has_input or other_422), (method, path)
        if "{name}" in path:
            assert "404" in codes, (method, path)
        if method in ("post", "patch") and path not in ("/api/v1/components",
                                                        "/api/v1/secrets"):
            assert "404" in codes, (method, path)  # a member or a record named is missing
        if method in ("post", "patch"):
            assert "409" in codes, (method, path)
        assert ("413" in codes) == ("requestBody" in op), (method, path)
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
        "patch": ["200", "401", "403", "404", "409", "412", "413", "422", "500", "503"],
        "delete": ["204", "401", "403", "404", "409", "412", "422", "500", "503"],
    }
    # A stack whose stored members are not registered (a hand-edited store) is a 422.
    assert sorted(paths["/api/v1/stacks/{name}"]["get"]["responses"]) == [
        "200", "401", "403", "404", "422", "500", "503"]
    assert sorted(paths["/api/v1/stacks"]["get"]["responses"]) == [
        "200", "401", "403", "422", "500", "503"]
    assert sorted(paths["/api/v1/batch"]["post"]["responses"]) == [
        "200", "401", "403", "404", "409", "412", "413", "422", "500", "503"]
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
                         "CreateApiKeyWrite", "RevokeApiKeyWrite", "CreateSecretWrite",
                         "UpdateSecretWrite", "DeleteSecretWrite"}  # a key's use: not an API write
    assert "secret_hash" not in schemas["ApiKey"]["properties"]




# --- exact -----------------------------------------------------------------------------------
def test_list_parameters_carry_the_bounds_the_domain_enforces(document):
    """limit=0 and the like are outside the spec, as the service refuses them (422)."""
    for path in ("/api/v1/stacks", "/api/v1/components", "/api/v1/components/{type}"):
        query = {p["name"]: p["schema"] for p in document["paths"][path]["get"]["parameters"]
                 if p["in"] == "query"}
        assert (query["limit"]["minimum"], query["limit"]["maximum"]) == (1, 10_000)
        assert (query["offset"]["minimum"], query["offset"]["maximum"]) == (0, 10**12)
        assert query["sort"]["enum"] == ["name", "-name", "created", "-created", "updated",
                                         "-updated"]
        assert query["name"]["maxLength"] == query["flavor"]["maxLength"] == 200
        assert "default" not in query["name"]  # omitted, never null
    events = {p["name"]: p["schema"] for p in
              document["paths"]["/api/v1/events"]["get"]["parameters"]}
    assert (events["limit"]["minimum"], events["limit"]["maximum"]) == (1, 1000)


def test_every_if_match_takes_a_revision_in_quotes_or_a_star(document):
    honoured = [(path, method) for path, item in document["paths"].items()
                for method, op in item.items()
                if any(p["name"] == "If-Match" for p in op.get("parameters", []))]
    assert len(honoured) == 6  # PATCH and DELETE of stacks, components and secrets
    for path, method in honoured:
        op = document["paths"][path][method]
        [header] = [p for p in op["parameters"] if p["name"] == "If-Match"]
        assert header["schema"]["anyOf"] == [{"const": "*"},
                                             {"pattern": '^"[0-9]{1,18}"$'}]
        assert "412" in op["responses"], (method, path)


def test_error_statuses_come_from_the_services_table(document):
    from zen_core.exceptions import DanglingReferenceError, InUseError, StackRuleError
    from zen_service.errors import status_of

    assert status_of(DanglingReferenceError) == status_of(StackRuleError) == 422
    assert status_of(InUseError) == 409
    deleting = document["paths"]["/api/v1/components/{type}/{name}"]["delete"]["responses"]
    assert deleting["409"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"}


def test_a_component_to_register_is_one_of_the_installed_flavors(document):
    from zen_core.flavors.base import secret_fields
    from zen_core.plugins import get_plugin_manager

    schemas = document["components"]["schemas"]
    flavors = get_plugin_manager().flavors()
    variants = [ref["$ref"].rsplit("/", 1)[1] for ref in schemas["ComponentInput"]["oneOf"]]
    assert sorted(variants) == sorted(f"ComponentInput.{t.value}.{name}"
                                      for t, name in flavors)
    for (ctype, name), flavor in flavors.items():
        variant = schemas[f"ComponentInput.{ctype.value}.{name}"]
        assert variant["properties"]["type"] == {"const": ctype.value}
        assert variant["properties"]["flavor"] == {"const": name}
        assert variant["additionalProperties"] is False
        config = schemas[f"FlavorConfig.{ctype.value}.{name}"]
        assert variant["properties"]["config"] == {
            "$ref": f"#/components/schemas/FlavorConfig.{ctype.value}.{name}"}
        assert config["additionalProperties"] is False
        model = flavor.load_model()
        assert set(config["properties"]) == set(model.model_fields)
        assert ("config" in variant["required"]) == any(
            f.is_required() for f in model.model_fields.values())
        for field in secret_fields(model):
            prop = config["properties"][field]
            assert prop["writeOnly"] is True, (name, field)
            strings = [b for b in prop.get("anyOf", [prop]) if b.get("type") == "string"]
            assert all(b["format"] == "password" and b["not"] == {"const": "********"}
                       for b in strings), (name, field)
        assert "{{secret.key}}" in config["description"]
    mysql = schemas["FlavorConfig.metadata_store.mysql"]
    assert mysql["required"] == ["host", "port", "database", "username", "password"]
    assert mysql["properties"]["port"] == {
        "description": "Port of the MySQL server.", "maximum": 65535, "minimum": 1,
        "title": "Port", "type": "integer"}
    assert mysql["properties"]["host"]["pattern"] == r"\S"  # what its validator refuses
    # A batch's component registration is the same one of the flavors.
    register = schemas["RegisterComponentWrite"]["properties"]["component"]
    assert register == {"$ref": "#/components/schemas/ComponentInput"}


def test_a_third_party_flavor_appears_in_the_spec(tmp_path):
    from pydantic import Field

    from zen_core import hookimpl
    from zen_core.flavors.base import FlavorConfig, SecretField
    from zen_core.plugins import PluginManager, reset_plugin_manager
    from zen_core.records import Flavor
    from zen_local_store.store import LocalStore
    from zen_service.app import create_app

    class RayConfig(FlavorConfig):
        address: str = Field(..., description="The Ray cluster.")
        token: str | None = SecretField(None, description="Its token.")

    class RayPlugin:
        @hookimpl
        def zen_component_flavors(self):
            yield Flavor(type="orchestrator", name="ray", config_model=RayConfig,
                         description="Runs pipelines on Ray.")

    manager = PluginManager()
    manager.load_builtins()
    manager.register(RayPlugin(), name="zen-ray")
    reset_plugin_manager(manager)
    try:
        store = LocalStore(f"file://{tmp_path}/store")
        store.initialize()
        schemas = create_app(store).test_client().get("/openapi.json").json[
            "components"]["schemas"]
    finally:
        reset_plugin_manager()
    assert {"$ref": "#/components/schemas/ComponentInput.orchestrator.ray"} in \
        schemas["ComponentInput"]["oneOf"]
    ray = schemas["FlavorConfig.orchestrator.ray"]
    assert ray["required"] == ["address"]
    assert ray["description"].startswith("Runs pipelines on Ray.")
    assert ray["properties"]["token"]["writeOnly"] is True
    assert schemas["ComponentInput.orchestrator.ray"]["required"] == [
        "type", "flavor", "name", "config"]


def test_without_the_flavors_rules_a_configuration_is_any_object(tmp_path):
    """The contract suite's service (``enforce_rules=False``) takes made-up configurations,
    and says so."""
    from zen_local_store.store import LocalStore
    from zen_service.app import create_app

    store = LocalStore(f"file://{tmp_path}/store")
    store.initialize()
    schemas = create_app(store, enforce_rules=False).test_client().get(
        "/openapi.json").json["components"]["schemas"]
    assert "oneOf" not in schemas["ComponentInput"]
    assert not any(name.startswith("FlavorConfig.") for name in schemas)


def test_a_broken_stack_is_the_documented_422(tmp_path):
    """GET /stacks/{name} of a stack whose stored member is not registered (a hand-edited
    stacks.yaml): the 422 the spec documents, with the domain's one-line message."""
    import yaml

    from zen_local_store.store import LocalStore
    from zen_service.app import create_app
    from zen_service.testing import add_user_key, bearer

    store = LocalStore(f"file://{tmp_path}/store")
    store.initialize()
    register_stack_with_components(store, "prod")
    key = add_user_key(store, "vi", "viewer")
    index = tmp_path / "store" / "stacks.yaml"
    data = yaml.safe_load(index.read_text())
    data["stacks"]["prod"]["orchestrator"] = "ghost"
    index.write_text(yaml.safe_dump(data))
    client = create_app(store).test_client()
    answer = client.get("/api/v1/stacks/prod", headers=bearer(key))
    assert answer.status_code == 422
    assert answer.json == {"error": "DanglingReferenceError", "message": (
        f"{index}: stack 'prod' names orchestrator 'ghost', which is not registered. "
        "Fix that file or `zenml stack update prod --orchestrator NAME`.")}
    spec = client.get("/openapi.json").json["paths"]["/api/v1/stacks/{name}"]["get"]
    assert "422" in spec["responses"] and "not registered" in spec["description"]
