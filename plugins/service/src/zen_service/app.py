"""The Flask app: a profile's stacks and components as JSON routes under ``/api/v1/``.

::

    from zen_service.app import create_app

    app = create_app("default")      # serve the profile 'default'
    app.test_client().get("/api/v1/stacks", headers={"Authorization": "Bearer zen_..."})

Every route but ``/health``, ``/ready``, ``/openapi.json`` and ``/docs`` needs an API key
of a user of the served store as a bearer token (:mod:`zen_service.auth`).
Each request acts as that user: the routes (:mod:`zen_service.routes`, one
module per resource) call ``zen_core.services`` with the user as the actor,
exactly as the CLI does with its local user, so the domain layer checks the
role (403 naming the role needed) and masks secret fields for a viewer, and
the service refuses what the CLI refuses with the same message. Errors are
JSON ``{"error": "<zen_core exception class>", "message": ...}`` with the
status the service gives its class (:mod:`zen_service.errors`). Reads of one record and
writes answer with ``ETag: "<revision>"``; ``PATCH`` and ``DELETE`` take
``If-Match``.

The app keeps no copy of the data: each call goes to the store, which re-reads
what other processes wrote. Each server thread opens its own store instance, so
a store class need not be thread-safe.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flask import Request, Response, after_this_request, g, request
from flask.json.provider import DefaultJSONProvider
from flask_openapi3 import Info, OpenAPI, Tag
from werkzeug.datastructures import ImmutableMultiDict

from zen_core.config import GlobalConfig
from zen_core.exceptions import AuthenticationError, InvalidDataError
from zen_core.services import serving
from zen_core.services.rules import Rules
from zen_core.services.serving import ServedStore
from zen_core.store import BaseStore
from zen_service import __version__
from zen_service.auth import Authenticator
from zen_service.docs import register_docs
from zen_service.errors import (
    MAX_BODY_BYTES,
    json_response,
    register_error_handlers,
    validation_error_response,
)
from zen_service.models import Error, Health, HealthQuery, Ready
from zen_service.openapi import finish_document, served_document
from zen_service.probes import unready_reason
from zen_service.routes import blueprints
from zen_service.routes.common import SECURITY_SCHEME, operation_id
from zen_service.state import SERVICE_NAME, instance_id, instance_proof

if TYPE_CHECKING:
    from zen_core.services.secret_keys import ProfileKeys

#: Deeper JSON is refused (422): stores and serializers recurse on it.
MAX_BODY_DEPTH = 64
#: Endpoints anyone may call: the probes, the spec and the docs page with its assets.
PUBLIC_ENDPOINTS = {"health", "ready", "openapi_json", "docs", "docs_asset"}
#: Methods whose JSON body is read (and checked) before the route runs.
_BODY_METHODS = ("POST", "PUT", "PATCH")

_service_tag = Tag(name="service", description="The service itself.")


class _NoFlavorRules(Rules):
    """The rules of ``enforce_rules=False``: the flavors' schemas and stack rules are not
    checked; a store still keeps an admin, and the installed plugins are still known (to
    mask secret fields)."""

    def check_component(self, component: Any) -> Any:
        return component

    def check_stack(self, stack: Any, members: Any) -> None:
        pass


def create_app(source: str | BaseStore | None = None, *, enforce_rules: bool = True,
               instance: str | None = None, authenticator: Authenticator | None = None,
               keys: ProfileKeys | None = None) -> OpenAPI:
    """The service's WSGI app for the profile named ``source`` (default: the active one)
    or for a store instance. Requests are authenticated with the API keys of that store.

    ``instance`` is the secret of this run, which ``/health`` proves it knows (the
    daemon gets it from ``zenml service up``; default: a new one).
    ``enforce_rules=False`` serves the store's own semantics without the flavors' rules
    (schemas and stack rules): for the store contract suite only, whose records use
    made-up configurations. Everything else (authentication, roles, names, revisions)
    still applies. ``keys`` seal and unseal the secrets of a store instance (a profile
    served by name uses its own).
    """
    if instance is not None and (not isinstance(instance, str) or len(instance) < 16):
        raise InvalidDataError("The instance secret of a zen service has 16 characters "
                               "or more.")
    instance = instance or secrets.token_urlsafe(32)
    rules: Any = Rules() if enforce_rules else _NoFlavorRules()
    rules.plugins.flavors()  # collected once now, not by the first requests at once
    if isinstance(source, BaseStore):
        served = ServedStore(source, rules, keys=keys)
    else:
        served = serving.serve(GlobalConfig(), source, rules)

    app = OpenAPI(
        __name__,
        info=Info(
            title="zen service",
            version=__version__,
            description=(
                "Stacks and stack components of one zen profile, shared over HTTP. "
                "Every route under /api/v1 needs an API key (`zenml user key create "
                "USER`) as a bearer token and acts as the key's user: each route names the "
                "role it needs (`x-zen-role`: viewer reads, with secret fields masked; "
                "editor writes stacks and components and reads secrets; admin manages "
                "users, teams, roles and keys); 403 names the role missing. Errors are "
                '`{"error": <zen_core exception class>, "message": ...}`. Reads of one '
                'record answer `ETag: "<revision>"`; a PATCH or DELETE with '
                '`If-Match: "<revision>"` fails with 412 if another write came first.'
            ),
        ),
        security_schemes={SECURITY_SCHEME: {"type": "http", "scheme": "bearer"}},
        doc_ui=False,
        validation_error_status=422,
        validation_error_model=Error,
        validation_error_callback=validation_error_response,
        operation_id_callback=operation_id,
    )
    app.request_class = _Request
    app.json = _StrictJSONProvider(app)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.config["ZEN_PROFILE"] = served.profile
    app.config["ZEN_RULES_ENFORCED"] = enforce_rules
    authenticator = authenticator or Authenticator()
    app.extensions["zen_service"] = {"served": served, "auth": authenticator}

    register_error_handlers(app)
    _register_admission(app, served, authenticator)
    _register_health(app, instance)
    for blueprint in blueprints():
        app.register_api(blueprint)
    register_docs(app)

    def openapi_json() -> Response:
        return json_response(served_document(finish_document(app), request.host_url))

    app.add_url_rule("/openapi.json", "openapi_json", openapi_json, methods=["GET"])

    return app


def _register_admission(app: OpenAPI, served: ServedStore,
                        authenticator: Authenticator) -> None:
    """Before a route runs: its API key (401 without a valid one), then its JSON body (422
    if unreadable). One hook, not one per check: Flask's cost per hook is paid by every
    request (issue 23, row f)."""

    @app.before_request
    def admit() -> None:
        req = request._get_current_object()  # one context lookup, not one per attribute
        endpoint = req.endpoint
        if endpoint is None or endpoint in PUBLIC_ENDPOINTS:
            return  # unknown routes answer 404; public ones need nothing
        try:
            key, actor = authenticator.authenticate(served, req.headers.get("Authorization", ""))
        except AuthenticationError as err:
            authenticator.log_refusal(req.method, req.path, req.remote_addr, err.message)
            raise
        g.zen_key, g.zen_actor = key, actor
        g.zen_access = served.access(actor)
        if key.expires:
            after_this_request(_expiry_teller(key.expires))
        if req.method in _BODY_METHODS:
            _check_json_body(req)


def _expiry_teller(expires: str) -> Callable[[Response], Response]:
    """The hook that announces a key about to expire on its answer (zen_rest_store:
    EXPIRY_NOTICE); only requests whose key expires carry it."""

    def tell_expiry(response: Response) -> Response:
        response.headers[KEY_EXPIRES_HEADER] = expires
        return response

    return tell_expiry


#: The expiry (ISO 8601, UTC) of the key a request was authenticated with, on its answer.
KEY_EXPIRES_HEADER = "X-Zen-Key-Expires"


class _StrictJSONProvider(DefaultJSONProvider):
    """JSON as the spec has it: no NaN/Infinity, and too deep nesting is bad input, not a crash."""

    sort_keys = False

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return json.loads(s, parse_constant=_refuse_constant, **kwargs)
        except RecursionError:
            raise ValueError("the JSON is nested too deeply") from None


class _QueryArgs(ImmutableMultiDict):
    """A request's query parameters. ``get`` of an absent one returns the default at once:
    werkzeug's raises and catches a ``BadRequestKeyError`` (an HTTP exception, ~3 us), and
    flask-openapi3 asks for every parameter a route declares, on every request."""

    def get(self, key: Any, default: Any = None, type: Any = None) -> Any:
        if key not in self:
            return default
        return super().get(key, default, type)


class _Request(Request):
    parameter_storage_class = _QueryArgs

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


def _check_json_body(req: Request) -> None:
    """Parse the body here, after the key check, so that an unreadable body is a 422 with
    the reason; the view then gets the same (cached) parse."""
    data = req.get_json()
    # NOTE: flask-openapi3 would parse a JSON *string* body a second time as JSON.
    problem = _body_problem(data) if isinstance(data, dict) else \
        "the body must be a JSON object"
    if problem:
        raise InvalidDataError(f"Invalid request: {problem}.")


def _register_health(app: OpenAPI, instance: str) -> None:
    public_id = instance_id(instance)

    @app.get("/health", tags=[_service_tag], responses={200: Health, 422: Error},
             summary="Whether the service runs, and which run it is (no key needed)",
             endpoint="health")
    def health(query: HealthQuery) -> Response:
        answer = {"status": "ok", "service": SERVICE_NAME, "version": __version__,
                  "pid": os.getpid(), "instance": public_id}
        if query.challenge is not None:
            answer["proof"] = instance_proof(instance, query.challenge)
        return json_response(answer)

    @app.get("/ready", tags=[_service_tag], responses={200: Ready, 503: Ready},
             summary="Whether the service can serve requests now: its store answers, and "
                     "it is not stopping (no key needed)",
             endpoint="ready")
    def ready() -> Response:
        reason = unready_reason(app)
        if reason is None:
            return json_response({"status": "ready", "reason": None})
        return json_response({"status": "unavailable", "reason": reason}, 503)
