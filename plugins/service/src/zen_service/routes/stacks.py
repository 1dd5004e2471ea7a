"""``/api/v1/stacks``: list, register, get, update (``PATCH``) and delete stacks."""

from __future__ import annotations

from flask import Response
from flask_openapi3 import APIBlueprint

from zen_core.services import stacks
from zen_service.models import (
    IfMatch,
    ListQuery,
    Stack,
    StackInput,
    StackList,
    StackPatch,
    StackPath,
)
from zen_service.routes.common import (
    BROKEN,
    EDITOR,
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

_TAG = tag("stacks", "Named sets of components.")


def blueprint() -> APIBlueprint:
    api = api_blueprint("stacks", __name__)

    @api.get("/stacks", tags=[_TAG], responses={200: StackList, **errors(INVALID)},
             summary="List stacks: a page, filtered and sorted, with the total",
             description="422: a bad filter, sort key, limit or offset.",
             openapi_extensions=VIEWER)
    def list_stacks(query: ListQuery) -> Response:
        return page_response(stacks.page(access(), list_query(query)))

    @api.post("/stacks", tags=[_TAG],
              responses={201: Stack, **errors(MISSING, TAKEN, INVALID)},
              summary="Register a stack whose components exist",
              description="404: a component is not registered. 409: the name is taken. "
                          "422: a bad name, a missing orchestrator, metadata store or "
                          "artifact store, or a stack rule of a member's flavor "
                          "(`StackRuleError`, naming the stack and the rule).",
              openapi_extensions=EDITOR)
    def register_stack(body: StackInput) -> Response:
        return record_response(stacks.register(access(), body.name, body.components), 201)

    @api.get("/stacks/<name>", tags=[_TAG], responses={200: Stack, **errors(MISSING, BROKEN)},
             summary="Get a stack (its ETag is its revision)",
             description="404: no such stack. 422: the stack as stored names a component "
                         "that is not registered (a hand-edited store): the message names "
                         "the stack and the component; `stack list` shows it, marked.",
             openapi_extensions=VIEWER)
    def get_stack(path: StackPath) -> Response:
        return record_response(stacks.get(access(), path.name))

    @api.patch("/stacks/<name>", tags=[_TAG],
               responses={200: Stack, **errors(MISSING, TAKEN, STALE, INVALID)},
               summary="Change a stack: set or remove components, rename (atomically)",
               description="404: the stack or a component is missing. 409: the new name is "
                           "taken. 412: `If-Match` names another revision than the stored "
                           "one. 422: nothing to change, a required type removed, or a "
                           "stack rule refuses the result.",
               openapi_extensions=EDITOR)
    def update_stack(path: StackPath, header: IfMatch, body: StackPatch) -> Response:
        written = stacks.update(access(), path.name, set=body.set, remove=body.remove,
                                new_name=body.name, expected_revision=expected_revision(header))
        return record_response(written)

    @api.delete("/stacks/<name>", tags=[_TAG],
                responses={204: None, **errors(MISSING, STALE, INVALID)},
                summary="Delete a stack (not its components)",
                description="412: `If-Match` names another revision than the stored one.",
                openapi_extensions=EDITOR)
    def delete_stack(path: StackPath, header: IfMatch) -> Response:
        stacks.delete(access(), path.name, expected_revision(header))
        return Response(status=204)

    return api
