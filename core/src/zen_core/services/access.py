"""A store as the domain layer works on it: the store, the rules its writes obey, the reporter."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from zen_core.services.rules import Rules
from zen_core.store import BaseStore

#: Receives progress messages ("Registered stack with name 'x'.").
Reporter = Callable[[str], None]


def quiet(_: str) -> None:
    pass


@dataclass
class StoreAccess:
    """What every stack and component operation works on.

    The CLI and the Python API build one for the effective profile's store; the
    service builds one for the store it serves. ``rules`` default to the
    installed flavors'.
    """

    store: BaseStore
    rules: Rules = field(default_factory=Rules)
    report: Reporter = quiet
