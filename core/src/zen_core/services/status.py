"""What is in effect, in one view (``zenml status``): profile, stack, store and repository,
each with where it comes from."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from zen_core.exceptions import STORE_FAILURES
from zen_core.masking import mask_text, mask_url
from zen_core.services import profiles

if TYPE_CHECKING:
    from zen_core.context import Context
    from zen_core.services.access import StoreAccess


def summary(context: Context, access: StoreAccess) -> dict[str, Any]:
    """``{"profile": {name, scope}, "stack": {name, scope}, "store": {type, url},
    "repository": root or None}``; a store that cannot be read gives the stack an
    ``error`` instead (the rest still shows)."""
    choice = context.profile_choice
    profile = choice.profile
    stack: dict[str, Any]
    try:
        stack_choice = context.stack_choice(access.bookkeeping().stack_names())
        stack = {"name": stack_choice.name, "scope": stack_choice.scope}
    except STORE_FAILURES as err:
        stack = {"name": None, "scope": None, "error": mask_text(err.message)}
    repository = context.repository
    return {
        "profile": {"name": profile.name, "scope": choice.scope},
        "stack": stack,
        "store": {"type": profile.store_type,
                  "url": mask_url(profiles.store_url(context.config, profile))},
        "repository": str(repository.root) if repository is not None else None,
    }
