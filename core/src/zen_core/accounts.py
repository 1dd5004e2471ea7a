"""Who may do what: the permissions, the roles, and a user's standing in a store.

The records stores keep beside the stacks (users, teams, role assignments, API keys, the
history's events) are in :mod:`zen_core.account_records`, made on first use (a read
needs none of them); this module serves them too.

Roles are built in: ``viewer`` reads (secret fields masked), ``editor`` also
writes stacks and components and reads secrets, ``admin`` also manages users,
teams, roles and keys. A role is assigned to a user or a team; a user has the
roles given to them and to their teams.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, NamedTuple

from zen_core.exceptions import InvalidDataError
from zen_core.lazy import served_from

if TYPE_CHECKING:
    from zen_core.account_records import ApiKey as ApiKey  # served by __getattr__ at run time
    from zen_core.account_records import Event as Event
    from zen_core.account_records import RoleAssignment as RoleAssignment
    from zen_core.account_records import Team as Team
    from zen_core.account_records import User as User

#: Records defined in :mod:`zen_core.account_records`, served from here (PEP 562).
_ACCOUNT_RECORDS = ("User", "Team", "RoleAssignment", "ApiKey", "Event")

#: The user a profile acts as when it names none (ZenML 0.7.3's default user).
DEFAULT_USER = "default"


class Permission(str, Enum):
    READ = "read"
    READ_SECRETS = "read secrets"
    WRITE = "write stacks and components"
    ADMIN = "manage users, teams, roles and keys"


#: Each built-in role, what it allows, and what it is for (``zenml role list``).
ROLES: dict[str, tuple[frozenset[Permission], str]] = {
    "viewer": (frozenset({Permission.READ}),
               "Reads stacks and components; secret fields are masked."),
    "editor": (frozenset({Permission.READ, Permission.READ_SECRETS, Permission.WRITE}),
               "Also registers, updates and deletes stacks and components, and reads secrets."),
    "admin": (frozenset(Permission),
              "Everything, plus users, teams, roles and API keys."),
}


def check_role(name: str) -> str:
    if name not in ROLES:
        raise InvalidDataError(f"Unknown role '{name}'. Choose one of: {', '.join(ROLES)}.")
    return name


def weakest_role_with(permission: Permission) -> str:
    """The role to name in a refusal: the weakest that allows ``permission``."""
    return next(name for name, (allowed, _) in ROLES.items() if permission in allowed)


class Standing(NamedTuple):
    """What a store says of one user, to decide what they may do
    (:meth:`zen_core.store.BaseStore.standing`)."""

    #: Whether any role is assigned in the store (until then every local user is an admin).
    roles_in_use: bool
    #: Whether the user is one of the store's users.
    is_user: bool
    #: The roles given to the user and to their teams.
    roles: frozenset[str]


__getattr__ = served_from("zen_core.account_records", _ACCOUNT_RECORDS, __name__)
