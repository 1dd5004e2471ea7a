"""The OpenAPI 3.1 document, as flask-openapi3 generates it from the models, made exact.

* flask-openapi3 copies each model's JSON schema through its own Schema model,
  which drops keywords it does not know (``propertyNames``, ``examples``); the
  component schemas are replaced by pydantic's own, which are JSON Schema
  2020-12 as OpenAPI 3.1 wants.
* It gives every operation a 422 response (a list of pydantic errors) whether
  or not it can happen; our routes declare their real 422 (the
  :class:`~zen_service.models.Error` body) where a parameter or body can be
  invalid, so the generated ones are dropped.
* The 401 responses document the ``WWW-Authenticate`` header.
"""

from __future__ import annotations

import copy
from typing import Any

_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def finish_document(app: Any) -> dict[str, Any]:
    """The service's OpenAPI document (computed once per app)."""
    cache = app.extensions.setdefault("zen_service_openapi", {})
    if "document" not in cache:
        cache["document"] = _finish(copy.deepcopy(app.api_doc))
    return cache["document"]


def _model_schemas() -> dict[str, Any]:
    from pydantic.json_schema import models_json_schema

    from zen_service import models

    documented = [models.Health, models.Error, models.Stack, models.StackList,
                  models.Component, models.ComponentList, models.ComponentInput,
                  models.ComponentUpdate]
    _, top = models_json_schema(
        [(model, "validation") for model in documented],
        ref_template="#/components/schemas/{model}",
    )
    return top["$defs"]


def _finish(document: dict[str, Any]) -> dict[str, Any]:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(_model_schemas())
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
            operation["responses"] = dict(sorted(responses.items()))
    return document
