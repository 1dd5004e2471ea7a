"""``GET /api/v1/events``: the history of changes, newest first, a page at a time."""

from __future__ import annotations

from flask import Response
from flask_openapi3 import APIBlueprint

from zen_core.services import history
from zen_service.account_models import EventPage, EventQuery
from zen_service.errors import json_response
from zen_service.routes.common import INVALID, VIEWER, access, api_blueprint, errors, tag

_TAG = tag("history", "Who changed what, and when (never a value).")


def blueprint() -> APIBlueprint:
    api = api_blueprint("history", __name__)

    @api.get("/events", tags=[_TAG], responses={200: EventPage, **errors(INVALID)},
             summary="The history, newest first: a page of events and how many match",
             description="Filters: `user` (who made the change), `target` (the kind of "
                         "record: stack, orchestrator..., user, team, role, api key) and "
                         "`name` (the record's name).",
             openapi_extensions=VIEWER)
    def list_events(query: EventQuery) -> Response:
        events, total = history.list_(access(), limit=query.limit, offset=query.offset,
                                      user=query.user, target=query.target, name=query.name)
        return json_response({"total": total, "events": [e.to_dict() for e in events]})

    return api
