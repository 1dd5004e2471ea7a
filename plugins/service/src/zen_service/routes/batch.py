"""``POST /api/v1/batch``: many writes in one request, applied all or nothing.

The body is ``{"writes": [...]}``, each write as :func:`zen_core.writes.to_dict`
makes it, of stacks and components (editor) or of users, teams, roles and API
keys (admin); the answer ``{"written": [...]}`` holds each write's record as
written (null for a delete), API keys without their hash. The writes go to
:func:`zen_core.services.batch.apply`: one lock or one transaction, with the
rules, so a batch that fails anywhere writes nothing.
"""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_openapi3 import APIBlueprint

from zen_core import writes
from zen_core.account_records import ApiKey
from zen_core.secret_records import Secret
from zen_core.services import batch
from zen_core.services.secrets import shown
from zen_service.batch_models import Batch, BatchInput
from zen_service.errors import json_response
from zen_service.routes.common import (
    EDITOR,
    IN_USE,
    INVALID,
    MISSING,
    STALE,
    TAKEN,
    access,
    api_blueprint,
    errors,
    tag,
)

_TAG = tag("batch", "Many writes at once, all or nothing.")


def answer(record: Any) -> Any:
    """A written record as the API answers it (an API key without its hash, a secret's
    values masked: they are sealed in the store)."""
    if record is None:
        return None
    if isinstance(record, ApiKey):
        return record.to_dict(with_hash=False)
    if isinstance(record, Secret):
        return shown(record).to_dict()
    return record.to_dict()


def blueprint() -> APIBlueprint:
    api = api_blueprint("batch", __name__)

    @api.post("/batch", tags=[_TAG],
              responses={200: Batch, **errors(MISSING, TAKEN, IN_USE, STALE, INVALID)},
              summary="Apply writes in order, all or nothing",
              description="Each write sees the ones before it. The first that fails fails "
                          "the whole batch with its own status (404, 409, 412 or 422) and "
                          "nothing is written. Writes of stacks and components need the "
                          "editor role; a batch with a write of users, teams, roles or API "
                          "keys needs the admin role (403 otherwise).",
              openapi_extensions=EDITOR)
    def apply_batch(body: BatchInput) -> Response:
        parsed = [writes.from_dict(w.model_dump(mode="json"))
                  for w in body.writes]
        written = batch.apply(access(), parsed)
        return json_response({"written": [answer(r) for r in written]})

    return api
