"""Errors as the service answers them: ``{"error": <zen_core exception class>, "message": ...}``.

The status is the service's choice for the class (:data:`STATUS`: 404, 409,
412, 422, 401, 403, 503), and the body names the class, so the ``rest`` store
re-raises exactly what the domain layer raised, with the same message the CLI
prints. Bad input is a 422 (a body over the size limit a 413), never a 5xx; a
bug is a 500 whose body says where the details are (the log), not what they are.
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Any

from flask import Response, current_app, request
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from zen_core.exceptions import (
    AlreadyExistsError,
    AuthenticationError,
    ConflictError,
    InUseError,
    InvalidDataError,
    NotFoundError,
    NotPermittedError,
    StoreUnavailableError,
    ZenError,
)
from zen_service.models import Error

logger = logging.getLogger("zen_service.app")

#: Bigger request bodies are refused (413) before they are read, unless the app's
#: ``MAX_CONTENT_LENGTH`` says otherwise (``zenml service up --max-body-mib``).
MAX_BODY_BYTES = 16 * 1024 * 1024

_HTTP_ERROR_NAMES = {404: "NotFoundError", 405: "MethodNotAllowedError"}


#: The status of each kind of error (its nearest class here); any other ZenError is a 400.
STATUS: dict[type[ZenError], int] = {
    NotFoundError: 404,
    AlreadyExistsError: 409,
    InUseError: 409,
    InvalidDataError: 422,
    ConflictError: 412,
    NotPermittedError: 403,
    StoreUnavailableError: 503,
    AuthenticationError: 401,
}


def status_of(error: ZenError | type[ZenError]) -> int:
    """The status of an error, or of a kind of error."""
    kind = error if isinstance(error, type) else type(error)
    return next((STATUS[cls] for cls in kind.__mro__ if cls in STATUS), 400)


def error_responses(*kinds: type[ZenError]) -> dict[int, Any]:
    """The ``responses`` a route documents for the errors it may raise: the status of each
    kind (:func:`status_of`) with the :class:`~zen_service.models.Error` body, so that the
    spec and the answers come from one table."""
    return {status_of(kind): Error for kind in kinds}


def json_response(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, mimetype="application/json")


def error_response(error: ZenError) -> Response:
    response = json_response({"error": type(error).__name__, "message": error.message},
                             status_of(error))
    if isinstance(error, AuthenticationError):
        response.headers["WWW-Authenticate"] = 'Bearer realm="zen"'
    return response


def describe_validation_error(err: ValidationError) -> str:
    """One clause per field: ``body.name: Input should be a valid string``."""
    parts = []
    for item in err.errors(include_url=False):
        where = ".".join(str(x) for x in item.get("loc", ())) or "body"
        parts.append(f"{where}: {item.get('msg', 'invalid')}")
    return "Invalid request: " + "; ".join(parts) + "."


def validation_error_response(err: ValidationError) -> Response:
    return error_response(InvalidDataError(describe_validation_error(err)))


def register_error_handlers(app: Any) -> None:
    @app.errorhandler(ZenError)
    def zen_error(err: ZenError) -> Response:
        return error_response(err)

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException) -> Response:
        if err.response is not None:  # flask-openapi3's validation errors come ready-made
            return err.response
        code = err.code or 500
        if code == 413:
            limit = current_app.config["MAX_CONTENT_LENGTH"] // 2**20
            response = error_response(InvalidDataError(
                f"Invalid request: the body is larger than {limit} MiB."))
            response.status_code = 413
            return response
        if code in (400, 415):  # unreadable input is invalid data, like pydantic's
            return error_response(InvalidDataError(f"Invalid request: {err.description}"))
        response = err.get_response()
        if code == 404:
            message = f"No route {request.method} {request.path}. The API is described at /docs."
        else:
            message = err.description or HTTPStatus(code).phrase
        response.set_data(json.dumps({
            "error": _HTTP_ERROR_NAMES.get(code, "ZenError"), "message": message,
        }))
        response.mimetype = "application/json"
        return response

    @app.errorhandler(Exception)
    def unexpected(err: Exception) -> Response:
        logger.exception("Unexpected error in %s %s", request.method, request.path)
        return json_response({
            "error": "InternalError",
            "message": f"The zen service failed: unexpected {type(err).__name__}. "
                       "Its log (service.log in the zen config folder) has the details.",
        }, 500)
