"""Who is asking, and whether they may: one check per operation, in the domain layer.

An :class:`Actor` is a user with the roles given to them and to their teams.
The CLI and the Python API act as the profile's active user (``default``
unless set); the service acts as the user of the API key it was given. A store
where no role has been given to anyone yet (a new profile, a ZenML 0.7 store)
has no one to tell apart: every local actor is an admin there until the first
role is assigned, and that first assignment also makes the assigning user an
admin (:mod:`zen_core.services.roles`), so no one locks themselves out.

A store that authorizes on its own side (a ``rest`` store: the service checks
the key's roles) is used with :data:`DELEGATED`, which checks nothing locally.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from zen_core.accounts import ROLES, Permission, weakest_role_with
from zen_core.exceptions import NotPermittedError

if TYPE_CHECKING:
    from zen_core.config import Profile
    from zen_core.services.access import StoreAccess
    from zen_core.store import BaseStore


class Actor(NamedTuple):
    #: The user's name as the history records it; None for the delegated actor.
    name: str | None
    roles: frozenset[str]
    #: Why the actor has its roles, for messages: "", "no users yet", "checked remotely".
    reason: str = ""

    def can(self, permission: Permission) -> bool:
        return any(permission in ROLES[role][0] for role in self.roles if role in ROLES)

    def require(self, permission: Permission) -> None:
        """Raise :class:`NotPermittedError` naming the role needed, unless allowed."""
        if self.can(permission):
            return
        needed = weakest_role_with(permission)
        held = ", ".join(sorted(self.roles)) or "no role"
        raise NotPermittedError(
            f"User '{self.name}' ({held}) may not {permission.value}: that needs the "
            f"'{needed}' role. An admin can give it with "
            f"`zenml role assign {needed} --user {self.name}`."
        )

    @property
    def label(self) -> str:
        roles = ", ".join(sorted(self.roles)) or "no role"
        return f"{self.name} ({roles}{'; ' + self.reason if self.reason else ''})"


#: For a store that checks roles itself (the service behind a rest store).
DELEGATED = Actor(None, frozenset(ROLES), "checked by the service")


def roles_of(store: BaseStore, user: str) -> frozenset[str]:
    """The roles of ``user``: given to them, and to every team they are in."""
    return store.standing(user).roles


def actor_for(store: BaseStore, user: str, bootstrap: bool = True) -> Actor:
    """``user`` as an actor on ``store``; with ``bootstrap``, an admin while no role is
    assigned to anyone (the local user of a new store; never the user of an API key)."""
    standing = store.standing(user)
    if bootstrap and not standing.roles_in_use:
        return Actor(user, frozenset({"admin"}), "no roles assigned in this store yet")
    if not standing.is_user:
        return Actor(user, frozenset(), "not a user of this store")
    return Actor(user, standing.roles)


def identity_of_profile(access: StoreAccess, profile: Profile) -> Actor:
    """Whom a profile acts as, for people (``zenml whoami``): what a store that authorizes
    on its side says of this client, else the profile's active user and their roles."""
    store = access.bookkeeping()
    told = store.whoami()
    if told is not None:
        key = told.get("key") or {}
        return Actor(told["user"], frozenset(told.get("roles") or []),
                     f"as its store knows API key '{key.get('name')}'" if key else "")
    actor = actor_of_profile(store, profile)
    return actor if actor.name else actor._replace(name=profile.active_user)


def actor_of_profile(store: BaseStore, profile: Profile) -> Actor:
    """Who a profile acts as on its store: its active user, or :data:`DELEGATED` when the
    store checks roles itself."""
    from zen_core.plugins import get_plugin_manager

    if get_plugin_manager().store_type(profile.store_type).authorizes:
        return DELEGATED
    return actor_for(store, profile.active_user)
