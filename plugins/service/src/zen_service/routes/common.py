"""What the API routes share: the served store as the domain layer sees it (acting as the
request's key's user), records with their ``ETag``, the ``If-Match`` a write may carry,
and the role each route needs, as the spec documents it (``x-zen-role``)."""

from __future__ import annotations

import re
from typing import Any

from flask import Response, g
from flask_openapi3 import APIBlueprint, Tag

from zen_core.exceptions import (
    AlreadyExistsError,
    AuthenticationError,
    ConflictError,
    DanglingReferenceError,
    InUseError,
    InvalidDataError,
    NotFoundError,
    NotPermittedError,
    StoreUnavailableError,
)
from zen_core.models import Component, Stack
from zen_core.services.access import StoreAccess
from zen_core.services.listing import parse_query
from zen_service.errors import error_responses
from zen_service.models import IF_MATCH_PATTERN, Error, IfMatch
from zen_service.record_json import page_body, record_json

API_PREFIX = "/api/v1"
SECURITY_SCHEME = "bearerAuth"
#: Every protected route can answer these (those with parameters or a body also 422):
#: 401 without a valid key, 403 for a user without the role the route needs, 503 when the
#: store does not answer, 500 for a bug.
COMMON = {**error_responses(AuthenticationError, NotPermittedError, StoreUnavailableError),
          500: Error}

# What a route may raise besides COMMON, as the kinds of zen_core errors; their statuses
# come from zen_service.errors.STATUS (a route's ``responses={200: X, **errors(...)}``).
errors = error_responses
#: A record named by the path or the body is not there.
MISSING = NotFoundError
#: A name that is taken (``AlreadyExistsError``) or a record still in use (``InUseError``).
TAKEN, IN_USE = AlreadyExistsError, InUseError
#: ``If-Match`` names another revision than the stored one.
STALE = ConflictError
#: Bad input: a parameter, a header or a body the domain refuses.
INVALID = InvalidDataError
#: A stored record that names what is not there (a hand-edited file).
BROKEN = DanglingReferenceError
#: The spec's extension naming the weakest role an operation needs ("any": a valid key).
ROLE_EXTENSION = "x-zen-role"


def role(name: str) -> dict[str, Any]:
    """``openapi_extensions`` of a route that needs the role ``name``."""
    return {ROLE_EXTENSION: name}


VIEWER, EDITOR, ADMIN, ANY = role("viewer"), role("editor"), role("admin"), role("any")

_IF_MATCH = re.compile(IF_MATCH_PATTERN)


def operation_id(name: str, path: str, method: str) -> str:
    return name  # the view function's name: list_stacks, update_component...


def api_blueprint(name: str, import_name: str) -> APIBlueprint:
    """A blueprint under ``/api/v1`` whose routes need the token and document ``COMMON``."""
    return APIBlueprint(
        name, import_name, url_prefix=API_PREFIX,
        abp_security=[{SECURITY_SCHEME: []}],
        abp_responses=COMMON,
        operation_id_callback=operation_id,
    )


def tag(name: str, description: str) -> Tag:
    return Tag(name=name, description=description)


def access() -> StoreAccess:
    """The served store for this request's thread, behind the door, acting as the user of
    the request's API key."""
    return g.zen_access  # made when the key was checked (zen_service.app)


def record_response(record: Stack | Component, status: int = 200) -> Response:
    """The record as JSON, with ``ETag: "<revision>"``."""
    # the store gives the same record object while it is unchanged: encoded once
    response = Response(record_json(record), status, content_type="application/json")
    response.set_etag(str(record.revision))
    return response


def page_response(page: Any) -> Response:
    """A page of records: ``{"items": [...], "total": N, "offset": K, "limit": L}``."""
    return Response(page_body(page), content_type="application/json")


def list_query(query: Any) -> Any:
    """The domain's checked query from the route's query string (InvalidDataError: 422)."""
    return parse_query(name=query.name, flavor=query.flavor, sort=query.sort,
                       limit=query.limit, offset=query.offset, label=query.label)


def expected_revision(header: IfMatch) -> int | None:
    """The revision ``If-Match`` names: None without one or for ``*`` (any revision)."""
    value = header.if_match
    if value is None:
        return None
    match = _IF_MATCH.fullmatch(value)
    if match is None:
        shown = value if len(value) <= 40 else value[:40] + "..."
        raise InvalidDataError(
            f"Invalid request: the If-Match header {shown!r} is not a revision. Send the "
            'ETag of a read, the revision in double quotes ("3"), or * for any revision.'
        )
    tag_ = match.group(1)
    return None if tag_ == "*" else int(tag_.strip('"'))
