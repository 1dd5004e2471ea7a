"""Many writes at once, all or nothing (the service's ``POST /api/v1/batch``).

Each write goes through the same checks as when it comes alone
(:mod:`zen_core.services.operations`), then all go to the store in one lock or
one transaction, with the rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from zen_core.exceptions import InvalidDataError

if TYPE_CHECKING:
    from zen_core.services.access import StoreAccess
    from zen_core.store import Written
    from zen_core.writes import Write

#: More writes than this in one batch are refused: one request must stay bounded.
MAX_WRITES = 100_000


def apply(access: StoreAccess, writes: Sequence[Write]) -> list[Written]:
    """Apply ``writes`` in order, all or nothing; each is checked as the single operation
    of its kind is (permission, pre-checks), and the store runs the rules inside."""
    if not writes:
        raise InvalidDataError("The batch has no writes.")
    if len(writes) > MAX_WRITES:
        raise InvalidDataError(f"A batch takes at most {MAX_WRITES} writes.")
    return access.write(writes)
