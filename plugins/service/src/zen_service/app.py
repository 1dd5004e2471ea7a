"""The Flask app: the store contract as JSON routes under ``/api/v1/``.

::

    from zen_service.app import create_app

    app = create_app("default", token="s3cret")      # serve the profile 'default'
    app.test_client().get("/api/v1/stacks", headers={"Authorization": "Bearer s3cret"})

Every route but ``/health``, ``/openapi.json`` and ``/docs`` needs the bearer
token. Errors are JSON ``{"error": "<zen_core exception class>", "message": ...}``
with the class's ``http_status``, so the ``rest`` store re-raises exactly what
the served store raised; bad input is a 422, never a 5xx.

The app keeps no copy of the data: each call goes to the store, which re-reads
what other processes wrote. Each server thread opens its own store instance, so
a store class need not be thread-safe.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import threading
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from flask import Request, Response, request
from flask.json.provider import DefaultJSONProvider
from flask_openapi3 import APIBlueprint, Info, OpenAPI, Tag
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from zen_core.exceptions import AuthenticationError, InvalidDataError, ZenError
from zen_core.models import Component as ComponentRecord
from zen_core.models import ComponentType
from zen_core.models import Stack as StackRecord
from zen_core.store import BaseStore
from zen_service import __version__
from zen_service.docs import register_docs
from zen_service.models import (
    Component,
    ComponentInput,
    ComponentList,
    ComponentPath,
    ComponentTypePath,
    ComponentUpdate,
    Error,
    Health,
    Stack,
    StackList,
    StackPath,
)
from zen_service.openapi import finish_document
from zen_service.state import SERVICE_NAME

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
#: Bigger request bodies are refused (422) before they are read.
MAX_BODY_BYTES = 16 * 1024 * 1024
#: Deeper JSON is refused (422): stores and serializers recurse on it.
MAX_BODY_DEPTH = 64
SECURITY_SCHEME = "bearerAuth"
#: Endpoints anyone may call: health, the spec and the docs page with its assets.
PUBLIC_ENDPOINTS = {"health", "openapi_json", "docs", "docs_asset"}

HOW_TO_GET_A_TOKEN = (
    "Send the service's token as 'Authorization: Bearer TOKEN'. On the machine that runs "
    "the service, `zenml service status --show-token` prints it (it is kept in service.json "
    "in the zen config folder). A `rest` profile on that machine finds it by itself; "
    "elsewhere give it with `zenml profile create NAME --type rest --url URL --token TOKEN` "
    "or the ZENML_STORE_TOKEN environment variable."
)

_stacks_tag = Tag(name="stacks", description="Named sets of components.")
_components_tag = Tag(name="components", description="Configured stack components.")
_service_tag = Tag(name="service", description="The service itself.")


class StoreProvider:
    """One store instance per server thread (or the single instance given)."""

    def __init__(self, opener: Callable[[], BaseStore] | None = None,
                 store: BaseStore | None = None) -> None:
        self._opener = opener
        self._store = store
        self._local = threading.local()

    def get(self) -> BaseStore:
        if self._store is not None:
            return self._store
        store = getattr(self._local, "store", None)
        if store is None:
            assert self._opener is not None
            store = self._local.store = self._opener()
        return store


def profile_store_opener(profile_name: str | None) -> tuple[str, Callable[[], BaseStore]]:
    """The profile to serve (``None``: the active one) and how to open its store."""
    from functools import partial

    from zen_core.client import Client
    from zen_service.manager import servable_profile

    client = Client()
    profile = servable_profile(client, profile_name)
    kind = client.plugins.store_type(profile.store_type)
    return profile.name, partial(kind.open, client.store_url(profile), profile.store_token)


def create_app(source: str | BaseStore | None = None, *, token: str) -> OpenAPI:
    """The service's WSGI app for the profile named ``source`` (default: the active one)
    or for a store instance, protected by ``token``."""
    if not token or not isinstance(token, str):
        raise InvalidDataError("The zen service needs a non-empty access token.")
    if isinstance(source, BaseStore):
        profile_name = None
        provider = StoreProvider(store=source)
    else:
        profile_name, opener = profile_store_opener(source)
        provider = StoreProvider(opener)
        opener().close()  # fail now, not at the first request, if it cannot be opened

    app = OpenAPI(
        __name__,
        info=Info(
            title="zen service",
            version=__version__,
            description=(
                "Stacks and stack components of one zen profile, shared over HTTP. "
                "Every route under /api/v1 needs the bearer token printed by "
                "`zenml service status --show-token`. Errors are "
                '`{"error": <zen_core exception class>, "message": ...}`.'
            ),
        ),
        security_schemes={SECURITY_SCHEME: {"type": "http", "scheme": "bearer"}},
        doc_ui=False,
        validation_error_status=422,
        validation_error_model=Error,
        validation_error_callback=_validation_error_response,
        operation_id_callback=_operation_id,
    )
    app.request_class = _Request
    app.json = _StrictJSONProvider(app)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.config["ZEN_PROFILE"] = profile_name
    app.extensions["zen_service"] = {"store": provider, "token": token}

    _register_error_handlers(app)
    _register_auth(app, token)
    _register_body_check(app)
    _register_health(app)
    app.register_api(_api_blueprint(provider))
    register_docs(app)

    def openapi_json() -> Response:
        return _json(finish_document(app))

    app.add_url_rule("/openapi.json", "openapi_json", openapi_json, methods=["GET"])

    return app


def _operation_id(name: str, path: str, method: str) -> str:
    return name  # the view function's name: list_stacks, get_component...


# --- responses and errors ----------------------------------------------------------------
def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, mimetype="application/json")


def error_response(error: ZenError) -> Response:
    response = _json({"error": type(error).__name__, "message": error.message},
                     error.http_status)
    if isinstance(error, AuthenticationError):
        response.headers["WWW-Authenticate"] = 'Bearer realm="zen"'
    return response


def _describe_validation_error(err: ValidationError) -> str:
    """One clause per field: ``body.name: String should match pattern ...``."""
    parts = []
    for item in err.errors(include_url=False):
        where = ".".join(str(x) for x in item.get("loc", ())) or "body"
        parts.append(f"{where}: {item.get('msg', 'invalid')}")
    return "Invalid request: " + "; ".join(parts) + "."


def _validation_error_response(err: ValidationError) -> Response:
    return error_response(InvalidDataError(_describe_validation_error(err)))


_HTTP_ERROR_NAMES = {404: "NotFoundError", 405: "MethodNotAllowedError"}


def _register_error_handlers(app: OpenAPI) -> None:
    @app.errorhandler(ZenError)
    def zen_error(err: ZenError) -> Response:
        return error_response(err)

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException) -> Response:
        if err.response is not None:  # flask-openapi3's validation errors come ready-made
            return err.response
        code = err.code or 500
        if code == 413:
            return error_response(InvalidDataError(
                f"Invalid request: the body is larger than {MAX_BODY_BYTES // 2**20} MiB."))
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
        return _json({
            "error": "InternalError",
            "message": f"The zen service failed: unexpected {type(err).__name__}. "
                       "Its log (service.log in the zen config folder) has the details.",
        }, 500)


def _register_auth(app: OpenAPI, token: str) -> None:
    expected = token.encode()

    @app.before_request
    def require_token() -> Response | None:
        if request.endpoint is None or request.endpoint in PUBLIC_ENDPOINTS:
            return None  # unknown routes answer 404; public ones need nothing
        header = request.headers.get("Authorization", "")
        scheme, _, given = header.partition(" ")
        if not header:
            raise AuthenticationError("No access token given. " + HOW_TO_GET_A_TOKEN)
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            given.strip().encode("utf-8", "surrogateescape"), expected
        ):
            raise AuthenticationError("The access token is not valid. " + HOW_TO_GET_A_TOKEN)
        return None


class _StrictJSONProvider(DefaultJSONProvider):
    """JSON as the spec has it: no NaN/Infinity, and too deep nesting is bad input, not a crash."""

    sort_keys = False

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return json.loads(s, parse_constant=_refuse_constant, **kwargs)
        except RecursionError:
            raise ValueError("the JSON is nested too deeply") from None


class _Request(Request):
    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        if e is None:  # not declared as JSON: werkzeug's 415, answered as a 422
            return super().on_json_loading_failed(e)
        raise InvalidDataError(f"Invalid request: the body is not JSON ({e}).")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _body_problem(data: Any) -> str | None:
    """Why a parsed JSON body cannot be stored, or None."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_BODY_DEPTH:
            return f"the body is nested more than {MAX_BODY_DEPTH} levels deep"
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
            stack.extend((k, depth + 1) for k in value)
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
        elif isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return "the body holds text that is not valid Unicode (a lone surrogate)"
    return None


def _register_body_check(app: OpenAPI) -> None:
    @app.before_request
    def read_json_body() -> None:
        # Parsed here, after the token check, so that unreadable bodies are 422s with
        # the reason; the views then get the same (cached) parse.
        if request.method not in ("POST", "PUT") or request.endpoint is None or \
                request.endpoint in PUBLIC_ENDPOINTS:
            return
        data = request.get_json()
        # NOTE: flask-openapi3 would parse a JSON *string* body a second time as JSON.
        problem = _body_problem(data) if isinstance(data, dict) else \
            "the body must be a JSON object"
        if problem:
            raise InvalidDataError(f"Invalid request: {problem}.")


def _register_health(app: OpenAPI) -> None:
    @app.get("/health", tags=[_service_tag], responses={200: Health},
             summary="Whether the service runs (no token needed)", endpoint="health")
    def health() -> Response:
        return _json({"status": "ok", "service": SERVICE_NAME, "version": __version__,
                      "pid": os.getpid()})


# --- the API -------------------------------------------------------------------------------
#: Every protected route can answer these (those with parameters or a body also 422).
_COMMON = {401: Error, 500: Error, 503: Error}


def _api_blueprint(provider: StoreProvider) -> APIBlueprint:
    api = APIBlueprint(
        "api", __name__, url_prefix=API_PREFIX,
        abp_security=[{SECURITY_SCHEME: []}],
        abp_responses=_COMMON,
        operation_id_callback=_operation_id,
    )

    def store() -> BaseStore:
        return provider.get()

    # --- stacks ------------------------------------------------------------------------
    @api.get("/stacks", tags=[_stacks_tag], responses={200: StackList},
             summary="List stacks, sorted by name")
    def list_stacks() -> Response:
        return _json([s.to_dict() for s in store().list_stacks()])

    @api.post("/stacks", tags=[_stacks_tag],
              responses={201: Stack, 404: Error, 409: Error, 422: Error},
              summary="Register a stack whose components exist",
              description="404: a component is not registered. 409: the name is taken.")
    def register_stack(body: Stack) -> Response:
        stack = StackRecord.from_dict(body.model_dump(mode="json"))
        store().register_stack(stack)
        return _json(stack.to_dict(), 201)

    @api.get("/stacks/<name>", tags=[_stacks_tag], responses={200: Stack, 404: Error},
             summary="Get a stack")
    def get_stack(path: StackPath) -> Response:
        return _json(store().get_stack(path.name).to_dict())

    @api.put("/stacks/<name>", tags=[_stacks_tag],
             responses={200: Stack, 404: Error, 409: Error, 422: Error},
             summary="Replace a stack: other components and/or a new name",
             description="404: the stack or a component is missing. 409: the new name is taken.")
    def update_stack(path: StackPath, body: Stack) -> Response:
        stack = StackRecord.from_dict(body.model_dump(mode="json"))
        store().update_stack(path.name, stack)
        return _json(stack.to_dict())

    @api.delete("/stacks/<name>", tags=[_stacks_tag], responses={204: None, 404: Error},
                summary="Delete a stack (not its components)")
    def delete_stack(path: StackPath) -> Response:
        store().delete_stack(path.name)
        return Response(status=204)

    # --- components ----------------------------------------------------------------------
    @api.get("/components", tags=[_components_tag], responses={200: ComponentList},
             summary="List every component")
    def list_components() -> Response:
        return _json([c.to_dict() for c in store().list_components()])

    @api.get("/components/<type>", tags=[_components_tag],
             responses={200: ComponentList, 422: Error},
             summary="List the components of one type")
    def list_components_of_type(path: ComponentTypePath) -> Response:
        return _json([c.to_dict() for c in store().list_components(path.type)])

    @api.post("/components", tags=[_components_tag],
              responses={201: Component, 409: Error, 422: Error},
              summary="Register a component", description="409: the (type, name) is taken.")
    def register_component(body: ComponentInput) -> Response:
        component = _component(body)
        store().register_component(component)
        return _json(component.to_dict(), 201)

    @api.get("/components/<type>/<name>", tags=[_components_tag],
             responses={200: Component, 404: Error, 422: Error}, summary="Get a component")
    def get_component(path: ComponentPath) -> Response:
        return _json(store().get_component(path.type, path.name).to_dict())

    @api.put("/components/<type>/<name>", tags=[_components_tag],
             responses={200: Component, 404: Error, 409: Error, 422: Error},
             summary="Replace a component's flavor and config, maybe its name",
             description="Stacks follow a rename. 404: missing. 409: the new name is taken.")
    def update_component(path: ComponentPath, body: ComponentUpdate) -> Response:
        component = _component(body, path.type)
        store().update_component(path.type, path.name, component)
        return _json(component.to_dict())

    @api.delete("/components/<type>/<name>", tags=[_components_tag],
                responses={204: None, 404: Error, 409: Error, 422: Error},
                summary="Delete a component",
                description="409: a stack uses it.")
    def delete_component(path: ComponentPath) -> Response:
        store().delete_component(path.type, path.name)
        return Response(status=204)

    return api


def _component(body: ComponentUpdate, type: ComponentType | None = None) -> ComponentRecord:
    data = body.model_dump(mode="json")
    if type is not None:
        data["type"] = type.value
    if data.get("uuid") is None:
        data.pop("uuid", None)
    return ComponentRecord.from_dict(data)

