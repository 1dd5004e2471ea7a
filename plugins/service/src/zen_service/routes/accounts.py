"""``/api/v1/users``, ``/teams``, ``/role-assignments``, a user's ``/api-keys``, and ``/me``.

Reads only: users, teams and roles are changed through ``POST /api/v1/batch``
(admin), as the rest store does. An API key is never answered with its hash.
"""

from __future__ import annotations

from flask import Response, g
from flask_openapi3 import APIBlueprint

from zen_core.services import accounts, keys
from zen_service.account_models import (
    ApiKeyList,
    Me,
    RoleAssignmentList,
    TeamList,
    UserList,
    UserPath,
)
from zen_service.errors import json_response
from zen_service.routes.common import (
    ADMIN,
    ANY,
    MISSING,
    VIEWER,
    access,
    api_blueprint,
    errors,
    tag,
)

_TAG = tag("accounts", "Users, teams, roles and API keys (changed with POST /batch).")


def blueprint() -> APIBlueprint:
    api = api_blueprint("accounts", __name__)

    @api.get("/users", tags=[_TAG], responses={200: UserList},
             summary="List users, sorted by name", openapi_extensions=VIEWER)
    def list_users() -> Response:
        return json_response([u.to_dict() for u in accounts.list_users(access())])

    @api.get("/teams", tags=[_TAG], responses={200: TeamList},
             summary="List teams with their members", openapi_extensions=VIEWER)
    def list_teams() -> Response:
        return json_response([t.to_dict() for t in accounts.list_teams(access())])

    @api.get("/role-assignments", tags=[_TAG], responses={200: RoleAssignmentList},
             summary="List the roles given to users and teams", openapi_extensions=VIEWER)
    def list_role_assignments() -> Response:
        return json_response([a.to_dict() for a in accounts.list_assignments(access())])

    @api.get("/users/<name>/api-keys", tags=[_TAG],
             responses={200: ApiKeyList, **errors(MISSING)},
             summary="List a user's API keys (never the keys, never their hashes)",
             openapi_extensions=ADMIN)
    def list_api_keys(path: UserPath) -> Response:
        return json_response([k.to_dict(with_hash=False)
                              for k in keys.list_(access(), path.name)])

    @api.get("/me", tags=[_TAG], responses={200: Me},
             summary="The user the request's API key belongs to, their roles and the key",
             openapi_extensions=ANY)
    def whoami() -> Response:
        return json_response({"user": g.zen_actor.name, "roles": sorted(g.zen_actor.roles),
                              "key": g.zen_key.to_dict(with_hash=False)})

    return api
