"""``/api/v1/components``: list, register, get, update (``PATCH``) and delete components."""

from __future__ import annotations

from flask import Response
from flask_openapi3 import APIBlueprint

from zen_core.services import components
from zen_service.models import (
    Component,
    ComponentInput,
    ComponentList,
    ComponentPatch,
    ComponentPath,
    ComponentTypePath,
    IfMatch,
    ListQuery,
)
from zen_service.routes.common import (
    EDITOR,
    IN_USE,
    INVALID,
    MISSING,
    STALE,
    TAKEN,
    VIEWER,
    access,
    api_blueprint,
    errors,
    expected_revision,
    list_query,
    page_response,
    record_response,
    tag,
)

_TAG = tag("components", "Configured stack components.")


def blueprint() -> APIBlueprint:
    api = api_blueprint("components", __name__)

    @api.get("/components", tags=[_TAG], responses={200: ComponentList, **errors(INVALID)},
             summary="List components: a page, filtered and sorted, with the total "
                     "(secret fields masked for a viewer)",
             description="422: a bad filter, sort key, limit or offset.",
             openapi_extensions=VIEWER)
    def list_components(query: ListQuery) -> Response:
        return page_response(components.page(access(), None, list_query(query)))

    @api.get("/components/<type>", tags=[_TAG],
             responses={200: ComponentList, **errors(INVALID)},
             summary="List the components of one type: a page, with the total (secret "
                     "fields masked for a viewer)", openapi_extensions=VIEWER)
    def list_components_of_type(path: ComponentTypePath, query: ListQuery) -> Response:
        return page_response(components.page(access(), path.type, list_query(query)))

    @api.post("/components", tags=[_TAG], responses={201: Component, **errors(TAKEN, INVALID)},
              summary="Register a component",
              description="409: the (type, name) is taken, or the uuid (another "
                          "component's). 422: a bad name, an unknown flavor, or a "
                          "configuration the flavor's schema refuses.",
              openapi_extensions=EDITOR)
    def register_component(body: ComponentInput) -> Response:
        written = components.register(access(), body.type, body.name, body.flavor, body.config,
                                      uuid=body.uuid, labels=body.labels)
        return record_response(written, 201)

    @api.get("/components/<type>/<name>", tags=[_TAG],
             responses={200: Component, **errors(MISSING, INVALID)},
             summary="Get a component (its ETag is its revision; secret fields masked for "
                     "a viewer)", openapi_extensions=VIEWER)
    def get_component(path: ComponentPath) -> Response:
        return record_response(components.get(access(), path.type, path.name))

    @api.patch("/components/<type>/<name>", tags=[_TAG],
               responses={200: Component, **errors(MISSING, TAKEN, STALE, INVALID)},
               summary="Change a component: set and unset keys, flavor, name (atomically)",
               description="Stacks follow a rename. 404: missing. 409: the new name is taken. "
                           "412: `If-Match` names another revision than the stored one. 422: "
                           "nothing to change, a configuration the flavor refuses, or a stack "
                           "using the component that could no longer run.",
               openapi_extensions=EDITOR)
    def update_component(path: ComponentPath, header: IfMatch, body: ComponentPatch) -> Response:
        written = components.update(
            access(), path.type, path.name, set=body.set, unset=body.unset, flavor=body.flavor,
            new_name=body.name, expected_revision=expected_revision(header), labels=body.labels)
        return record_response(written)

    @api.delete("/components/<type>/<name>", tags=[_TAG],
                responses={204: None, **errors(MISSING, IN_USE, STALE, INVALID)},
                summary="Delete a component",
                description="409: a stack uses it. 412: `If-Match` names another revision "
                            "than the stored one.",
                openapi_extensions=EDITOR)
    def delete_component(path: ComponentPath, header: IfMatch) -> Response:
        components.delete(access(), path.type, path.name, expected_revision(header))
        return Response(status=204)

    return api
