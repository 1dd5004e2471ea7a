"""The OpenAPI 3.1 document, as flask-openapi3 generates it from the models, made exact.

* flask-openapi3 copies each model's JSON schema through its own Schema model,
  which drops keywords it does not know (``propertyNames``, ``examples``); the
  component schemas are replaced by pydantic's own, which are JSON Schema
  2020-12 as OpenAPI 3.1 wants.
* It gives every operation a 422 response (a list of pydantic errors) whether
  or not it can happen; our routes declare their real 422 (the
  :class:`~zen_service.models.Error` body) where a parameter or body can be
  invalid, so the generated ones are dropped.
* The 401 responses document the ``WWW-Authenticate`` header, the answers that
  carry one record its ``ETag``; the ``If-Match`` parameter is a string of the
  form the routes check.
* Every operation with a body may answer 413 (a body over the service's limit).
* With the flavors' rules enforced, a component to register is one of a variant
  per installed flavor, each with its configuration's schema
  (:mod:`zen_service.flavor_schemas`).
"""

from __future__ import annotations

import copy
from typing import Any

from zen_service.flavor_schemas import flavor_schemas
from zen_service.models import Error

#: ``*`` or one strong entity tag, the revision in quotes (``models.IF_MATCH_PATTERN``).
#: NOTE: as two branches: schemathesis 4 generates no value for the one pattern
#: ``^(\*|"[0-9]+")$`` and then sends ``0`` as if it were valid.
IF_MATCH_SCHEMA = {"type": "string", "anyOf": [{"const": "*"},
                                                {"pattern": r'^"[0-9]{1,18}"$'}]}
_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}
#: Answers holding one record (not a list, not a batch) carry its ETag.
_RECORD_SCHEMAS = {"#/components/schemas/Stack", "#/components/schemas/Component",
                   "#/components/schemas/Secret"}
_ETAG = {
    "description": 'The record\'s revision as an entity tag ("3"): send it back as If-Match.',
    "schema": {"type": "string"},
}


def _is_record(response: dict[str, Any] | None) -> bool:
    if not response:
        return False
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return schema.get("$ref") in _RECORD_SCHEMAS


def finish_document(app: Any) -> dict[str, Any]:
    """The service's OpenAPI document (computed once per app)."""
    cache = app.extensions.setdefault("zen_service_openapi", {})
    if "document" not in cache:
        flavors = (app.extensions["zen_service"]["served"].rules.plugins.flavors()
                   if app.config.get("ZEN_RULES_ENFORCED", True) else None)
        cache["document"] = _finish(copy.deepcopy(app.api_doc), flavors)
    return cache["document"]


def served_document(document: dict[str, Any], base_url: str) -> dict[str, Any]:
    """The document naming where it is served: ``base_url`` as the client reached it
    (through a trusted proxy: the scheme and host the proxy was reached with)."""
    return {**document, "servers": [{"url": base_url}]}


def _model_schemas() -> dict[str, Any]:
    from pydantic.json_schema import models_json_schema

    from zen_service import account_models, batch_models, models, secret_models

    documented = (models.DOCUMENTED + account_models.DOCUMENTED + batch_models.DOCUMENTED
                  + secret_models.DOCUMENTED)
    _, top = models_json_schema(
        [(model, "validation") for model in documented],
        ref_template="#/components/schemas/{model}",
    )
    return top["$defs"]


def _finish(document: dict[str, Any], flavors: Any = None) -> dict[str, Any]:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(_model_schemas())
    if flavors:
        schemas.update(flavor_schemas(flavors, schemas["ComponentInput"]))
    too_large = {"description": "The body is larger than the service takes.",
                 "content": {"application/json": {"schema": {
                     "$ref": f"#/components/schemas/{Error.__name__}"}}}}
    for path_item in document.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in _METHODS:
                continue
            responses = operation.setdefault("responses", {})
            generated = responses.get("422", {}).get("content", {}).get("application/json", {})
            if generated.get("schema", {}).get("type") == "array":
                del responses["422"]
            if "401" in responses:
                responses["401"]["headers"] = {
                    "WWW-Authenticate": {
                        "description": "Bearer authentication is required.",
                        "schema": {"type": "string"},
                    }
                }
            for code in ("200", "201"):
                if _is_record(responses.get(code)):
                    responses[code]["headers"] = {"ETag": _ETAG}
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "header" and parameter.get("name") == "If-Match":
                    parameter["schema"] = IF_MATCH_SCHEMA
            if "requestBody" in operation:
                responses["413"] = too_large
            operation["responses"] = dict(sorted(responses.items()))
    return document
