"""The API under ``/api/v1/``: one module per resource, each route a call into the domain.

Routes never write to the store themselves: they build the domain layer's
:class:`~zen_core.services.access.StoreAccess` for the served store
(:func:`~zen_service.routes.common.access`) and call the same functions the CLI
and the Python API call, so the service refuses what the CLI refuses, with the
same message (flavor schemas, stack rules, names, conflicts...), acting as the user of
the request's API key: the domain layer checks that user's role.
"""

from __future__ import annotations

from flask_openapi3 import APIBlueprint

from zen_service.routes import accounts, batch, components, history, secrets, stacks


def blueprints() -> list[APIBlueprint]:
    return [stacks.blueprint(), components.blueprint(), secrets.blueprint(),
            batch.blueprint(), accounts.blueprint(), history.blueprint()]
