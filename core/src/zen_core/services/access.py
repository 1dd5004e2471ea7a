"""A store as the domain layer works on it: the store, its rules, who asks, the reporter."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from zen_core.accounts import Permission
from zen_core.services.authz import DELEGATED, Actor
from zen_core.services.rules import Rules
from zen_core.store import BaseStore, Written
from zen_core.writes import Write

#: Receives progress messages ("Registered stack with name 'x'.").
Reporter = Callable[[str], None]


def quiet(_: str) -> None:
    pass


@dataclass
class StoreAccess:
    """What every operation works on.

    The CLI and the Python API build one for the effective profile's store,
    acting as the profile's user; the service builds one per request for the
    store it serves, acting as the key's user. ``rules`` default to the
    installed flavors'. Without an ``actor`` nothing is checked here (for a
    store that checks on its own side, and for zen's own set-up steps).
    """

    store: BaseStore
    rules: Rules = field(default_factory=Rules)
    report: Reporter = quiet
    actor: Actor = DELEGATED

    def require(self, permission: Permission) -> None:
        self.actor.require(permission)

    def write(self, writes: Sequence[Write], permission: Permission = Permission.WRITE,
              rules: bool = True) -> list[Written]:
        """Apply ``writes`` as the actor (checked for ``permission``), with the rules, and
        recorded in the history under the actor's name."""
        self.require(permission)
        return self.store.apply(writes, self.rules if rules else None, self.actor.name)
