"""Many writes at once, all or nothing (the service's ``POST /api/v1/batch``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from zen_core.accounts import Permission
from zen_core.exceptions import InvalidDataError
from zen_core.models import REQUIRED_TYPES
from zen_core.writes import AccountWrite, UpdateStack, Write

if TYPE_CHECKING:
    from zen_core.services.access import StoreAccess
    from zen_core.store import Written

#: More writes than this in one batch are refused: one request must stay bounded.
MAX_WRITES = 100_000


def apply(access: StoreAccess, writes: Sequence[Write]) -> list[Written]:
    """Apply ``writes`` in order under the store's lock or in one transaction, with the
    rules; the same checks as the single operations (:mod:`.stacks`, :mod:`.components`)."""
    if not writes:
        raise InvalidDataError("The batch has no writes.")
    if len(writes) > MAX_WRITES:
        raise InvalidDataError(f"A batch takes at most {MAX_WRITES} writes.")
    for write in writes:
        if isinstance(write, UpdateStack):
            required = [t for t in write.change.remove if t in REQUIRED_TYPES]
            if required:
                raise InvalidDataError(
                    f"The {required[0].display} of a stack cannot be removed, only replaced "
                    "(`zenml stack update`)."
                )
    if any(isinstance(w, AccountWrite) for w in writes):
        access.require(Permission.ADMIN)
    return access.write(writes)
