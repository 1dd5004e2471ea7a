"""The history of changes, as people and the service read it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from zen_core.account_records import Event
from zen_core.accounts import Permission
from zen_core.exceptions import InvalidDataError
from zen_core.services.listing import MAX_OFFSET

if TYPE_CHECKING:
    from zen_core.services.access import StoreAccess

#: The most events one page holds.
MAX_LIMIT = 1000


def list_(access: StoreAccess, *, limit: int = 50, offset: int = 0, user: str | None = None,
          target: str | None = None, name: str | None = None) -> tuple[list[Event], int]:
    """Events newest first (a page of ``limit`` after ``offset``) and how many match."""
    store = access.checked(Permission.READ)
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidDataError(f"The limit must be between 1 and {MAX_LIMIT}, not {limit}.")
    if not 0 <= offset <= MAX_OFFSET:
        raise InvalidDataError(f"The offset must be from 0 to {MAX_OFFSET}, not {offset}.")
    return store.list_events(limit=limit, offset=offset, actor=user, target=target,
                                    name=name)
