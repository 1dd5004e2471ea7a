"""``/api/v1/secrets``: list, create, get, update (``PATCH``) and delete secrets.

Values are sent and answered in clear (over TLS) and sealed by the domain before
they reach the served store; a viewer gets each value masked. A secret's ``ETag``
is its revision, and ``PATCH``/``DELETE`` honour ``If-Match``.
"""

from __future__ import annotations

from flask import Response
from flask_openapi3 import APIBlueprint

from zen_core.services import secrets
from zen_service.errors import json_response
from zen_service.models import IfMatch
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
    tag,
)
from zen_service.secret_models import Secret, SecretInput, SecretList, SecretPatch, SecretPath

_TAG = tag("secrets", "Named sets of secret values, sealed at rest.")


def _answer(secret, status: int = 200) -> Response:
    response = json_response(secret.to_dict(), status)
    response.set_etag(str(secret.revision))
    return response


def blueprint() -> APIBlueprint:
    api = api_blueprint("secrets", __name__)

    @api.get("/secrets", tags=[_TAG], responses={200: SecretList},
             summary="List secrets (values masked unless the key's user may read secrets)",
             openapi_extensions=VIEWER)
    def list_secrets() -> Response:
        return json_response([s.to_dict() for s in secrets.visible_all(access())])

    @api.post("/secrets", tags=[_TAG], responses={201: Secret, **errors(TAKEN, INVALID)},
              summary="Create a secret", description="409: the name is taken, or the uuid "
              "(another secret's). 422: a bad name or key, no key, a value too long.",
              openapi_extensions=EDITOR)
    def create_secret(body: SecretInput) -> Response:
        secrets.create(access(), body.name, body.values, uuid=body.uuid)
        return _answer(secrets.visible(access(), body.name), 201)

    @api.get("/secrets/<name>", tags=[_TAG], responses={200: Secret, **errors(MISSING, INVALID)},
             summary="Get a secret (values masked unless the key's user may read secrets)",
             openapi_extensions=VIEWER)
    def get_secret(path: SecretPath) -> Response:
        return _answer(secrets.visible(access(), path.name))

    @api.patch("/secrets/<name>", tags=[_TAG],
               responses={200: Secret, **errors(MISSING, TAKEN, IN_USE, STALE, INVALID)},
               summary="Change a secret: set and unset keys, rename (atomically)",
               description="409: the new name is taken, or components refer to the secret "
                           "(rename) or to a key unset. 412: `If-Match` names another "
                           "revision. 422: nothing to change.", openapi_extensions=EDITOR)
    def update_secret(path: SecretPath, header: IfMatch, body: SecretPatch) -> Response:
        written = secrets.update(access(), path.name, set=body.set, unset=body.unset,
                                 new_name=body.name, expected_revision=expected_revision(header))
        return _answer(secrets.visible(access(), written.name))

    @api.delete("/secrets/<name>", tags=[_TAG],
                responses={204: None, **errors(MISSING, IN_USE, STALE, INVALID)},
                summary="Delete a secret", description="409: components refer to it. 412: "
                "`If-Match` names another revision.", openapi_extensions=EDITOR)
    def delete_secret(path: SecretPath, header: IfMatch) -> Response:
        secrets.delete(access(), path.name, expected_revision(header))
        return Response(status=204)

    return api
