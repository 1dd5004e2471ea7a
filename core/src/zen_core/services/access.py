"""The door into a store: the one way the edges reach its records.

A :class:`StoreAccess` binds a store to who asks (an explicit
:class:`~zen_core.services.authz.Actor`), the rules its writes obey and where
progress messages go. The CLI and the Python API build one for the effective
profile's store, acting as the profile's user; the service builds one per
request, acting as the key's user.

- **Writes** go through :meth:`StoreAccess.write` only: each write kind's
  permission and pre-checks (:mod:`zen_core.services.operations`), then the store
  applies them all or nothing, with the rules, recorded under the actor's name.
- **Reads** go through the domain's checked readers (``stacks.get``,
  ``components.list_``, ``accounts.list_users``...), which check the actor's role
  and mask secret values it may not see; they reach the store with
  :meth:`StoreAccess.checked`, which only the domain layer calls. No edge holds
  the raw store.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from zen_core.accounts import Permission

if TYPE_CHECKING:
    from zen_core.models import Component
    from zen_core.services.authz import Actor
    from zen_core.services.rules import Rules
    from zen_core.services.secret_keys import ProfileKeys
    from zen_core.store import BaseStore, Written
    from zen_core.writes import Write

#: Receives progress messages ("Registered stack with name 'x'.").
Reporter = Callable[[str], None]


def quiet(_: str) -> None:
    pass


class StoreAccess:
    """A store as ``actor`` may use it. ``rules`` default to the installed flavors'.

    ``actor`` may be given as a function that finds it, called at the first check: a
    command that only reads bookkeeping (which stack is active) then asks the store
    nothing about its user."""

    def __init__(self, store: BaseStore, actor: Actor | Callable[[], Actor],
                 rules: Rules | None = None, report: Reporter = quiet,
                 keys: ProfileKeys | None = None) -> None:
        if rules is None:
            from zen_core.services.rules import Rules

            rules = Rules()
        self._store = store
        self._actor = actor
        self.rules = rules
        self.report = report
        #: The profile's secrets keys (None: a store that seals values itself, or none).
        self.keys = keys

    @property
    def actor(self) -> Actor:
        if callable(self._actor):
            self._actor = self._actor()
        return self._actor

    def require(self, permission: Permission) -> None:
        """NotPermittedError naming the role needed, unless the actor may."""
        self.actor.require(permission)

    def can(self, permission: Permission) -> bool:
        return self.actor.can(permission)

    def checked(self, permission: Permission = Permission.READ) -> BaseStore:
        """The store, for a read the actor may make. For the domain layer's readers only:
        an edge calls them, never this."""
        self.require(permission)
        return self._store

    def bookkeeping(self) -> BaseStore:
        """The store, for the domain's own reads that show nothing of the records: which
        stack a stored choice names, whether a user exists to act as, whom a store that
        authorizes its clients takes this one for. They need no role: a user without one
        must still be able to see and change their own choices."""
        return self._store

    def same_store(self, other: StoreAccess) -> bool:
        """Whether ``other`` opens this very store (a copy within it shares its secrets)."""
        return self._store is other._store

    def describe(self) -> str:
        """How messages name the store: "the store of profile 'x'" or its URL."""
        return self._store.describe()

    def secret_keys(self, component: Component) -> set[str]:
        """The keys of ``component`` whose values are secret (to mask, or to refuse)."""
        from zen_core.services.components import secret_keys

        return secret_keys(component, self.rules.plugins)

    def write(self, writes: Sequence[Write], *, rules: bool = True) -> list[Written]:
        """Apply ``writes`` in order, all or nothing, as the actor: each write kind's
        permission and pre-checks first, then the store applies them with the rules
        (``rules=False``: without the flavors' rules, for a copy that keeps what its
        source holds) and records them under the actor's name."""
        # the write machinery loads on the first write, not on every read's start-up
        from zen_core.services import operations, sealing, secret_fields
        from zen_core.writes import may_remove_an_admin

        writes = list(writes)
        self.require(operations.permission_for(writes))
        writes = secret_fields.extract(self, writes)
        operations.check(self, writes)
        writes = sealing.seal(self._store, self.keys, writes, self.report)
        checks = None
        if rules:
            checks = self.rules
            if may_remove_an_admin(writes) and self._store.list_role_assignments():
                checks = checks.keeping_an_admin()
        return self._store.apply(writes, checks, self.actor.name)
