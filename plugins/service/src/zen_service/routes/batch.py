"""``POST /api/v1/batch``: many writes in one request, applied all or nothing.

The body is ``{"writes": [...]}``, each write as :func:`zen_core.writes.to_dict`
makes it; the answer ``{"written": [...]}`` holds each write's record as
written (null for a delete). The writes go to
:func:`zen_core.services.batch.apply`: one lock or one transaction, with the
rules, so a batch that fails anywhere writes nothing.
"""

from __future__ import annotations

from flask import Response
from flask_openapi3 import APIBlueprint

from zen_core import writes
from zen_core.services import batch
from zen_service.errors import json_response
from zen_service.models import Batch, BatchInput, Error
from zen_service.routes.common import access, api_blueprint, tag

_TAG = tag("batch", "Many writes at once, all or nothing.")


def blueprint() -> APIBlueprint:
    api = api_blueprint("batch", __name__)

    @api.post("/batch", tags=[_TAG],
              responses={200: Batch, 404: Error, 409: Error, 412: Error, 422: Error},
              summary="Apply writes in order, all or nothing",
              description="Each write sees the ones before it. The first that fails fails "
                          "the whole batch with its own status (404, 409, 412 or 422) and "
                          "nothing is written.")
    def apply_batch(body: BatchInput) -> Response:
        parsed = [writes.from_dict(w.model_dump(mode="json")) for w in body.writes]
        written = batch.apply(access(), parsed)
        return json_response({"written": [None if r is None else r.to_dict() for r in written]})

    return api
