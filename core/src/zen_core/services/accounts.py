"""Users, teams and roles: creating, listing and removing them (admins only), and never
leaving a store without an admin (a rule the stores run inside the write:
:func:`check_an_admin_remains`).

The first role assigned in a store also makes the assigning user an admin (and
creates that user if needed): until then every local user is one
(:mod:`zen_core.services.authz`), and this keeps it so for whoever starts
assigning roles.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from zen_core.account_records import RoleAssignment, Team, User
from zen_core.accounts import ROLES, Permission, check_role
from zen_core.exceptions import InUseError, InvalidDataError
from zen_core.names import check_name
from zen_core.writes import (
    ADMIN_REMOVALS,
    AddTeamMember,
    AssignRole,
    CreateTeam,
    CreateUser,
    DeleteTeam,
    DeleteUser,
    RemoveTeamMember,
    RevokeRole,
    Write,
)

if TYPE_CHECKING:
    from zen_core.services.access import StoreAccess


# --- users ------------------------------------------------------------------------------------
def create_user(access: StoreAccess, name: str) -> User:
    [user] = access.write([CreateUser(User(check_name(name, "user name")))])
    return user


def list_users(access: StoreAccess) -> list[User]:
    return access.checked(Permission.READ).list_users()


def get_user(access: StoreAccess, name: str) -> User:
    return access.checked(Permission.READ).get_user(name)


def roles_of(access: StoreAccess, user: str) -> list[str]:
    """The roles ``user`` has: given to them and to their teams."""
    from zen_core.services.authz import roles_of

    return sorted(roles_of(access.checked(Permission.READ), user))


def delete_user(access: StoreAccess, name: str) -> None:
    """Delete a user with their team memberships, roles and API keys."""
    access.write([DeleteUser(name)])


# --- teams ------------------------------------------------------------------------------------
def create_team(access: StoreAccess, name: str) -> Team:
    [team] = access.write([CreateTeam(Team(check_name(name, "team name")))])
    return team


def list_teams(access: StoreAccess) -> list[Team]:
    return access.checked(Permission.READ).list_teams()


def get_team(access: StoreAccess, name: str) -> Team:
    return access.checked(Permission.READ).get_team(name)


def delete_team(access: StoreAccess, name: str) -> None:
    access.write([DeleteTeam(name)])


def add_member(access: StoreAccess, team: str, user: str) -> Team:
    [written] = access.write([AddTeamMember(team, user)])
    return written


def remove_member(access: StoreAccess, team: str, user: str) -> Team:
    [written] = access.write([RemoveTeamMember(team, user)])
    return written


# --- roles ------------------------------------------------------------------------------------
def list_roles() -> list[dict[str, object]]:
    """The built-in roles, what each may do and what it is for."""
    return [{"name": name, "permissions": [p.value for p in sorted(allowed, key=list(
        Permission).index)], "description": description}
            for name, (allowed, description) in ROLES.items()]


def assignment(role: str, user: str | None, team: str | None) -> RoleAssignment:
    check_role(role)
    if (user is None) == (team is None):
        raise InvalidDataError("Name one holder of the role: --user USER or --team TEAM.")
    return RoleAssignment(role, user, team)


def assign(access: StoreAccess, role: str, user: str | None = None,
           team: str | None = None) -> list[RoleAssignment]:
    """Give ``role`` to a user or a team. The first assignment in a store also makes the
    acting user an admin. Returns what was assigned."""
    wanted = assignment(role, user, team)
    writes: list[Write] = []
    store = access.checked(Permission.ADMIN)
    me = access.actor.name
    if not store.list_role_assignments() and me is not None:
        if me not in {u.name for u in store.list_users()}:
            writes.append(CreateUser(User(me)))
        if wanted != RoleAssignment("admin", me):
            writes.append(AssignRole(RoleAssignment("admin", me)))
    writes.append(AssignRole(wanted))
    return [w for w in access.write(writes) if isinstance(w, RoleAssignment)]


def revoke(access: StoreAccess, role: str, user: str | None = None,
           team: str | None = None) -> None:
    access.write([RevokeRole(assignment(role, user, team))])


def list_assignments(access: StoreAccess) -> list[RoleAssignment]:
    return access.checked(Permission.READ).list_role_assignments()


def check_an_admin_remains(writes: Sequence[Write], assignments: Sequence[RoleAssignment],
                           teams: Sequence[Team], *, roles_in_use: bool = False) -> None:
    """Refuse a batch after which roles are assigned but no one is an admin, or, in a
    store that had roles (``roles_in_use``), after which no role is left at all.

    The stores run this inside the write (``StoreRules.check_accounts``), on the roles
    and teams as they would be committed, after any other removal has committed: two
    admins taking the role from each other at once cannot both succeed."""
    if not assignments and not roles_in_use:
        return  # a store without roles: every local user is an admin
    admin_teams = {a.team for a in assignments if a.role == "admin" and a.team}
    admins = {a.user for a in assignments if a.role == "admin" and a.user}
    admins |= {m for t in teams if t.name in admin_teams for m in t.members}
    if not admins:
        what = next((_removal(w) for w in writes if isinstance(w, ADMIN_REMOVALS)),
                    "make this change")
        raise InUseError(
            f"Cannot {what}: no one would be an admin of this store any more. "
            "Give another user the admin role first (`zenml role assign admin --user USER`)."
        )


def _removal(write: Write) -> str:
    if isinstance(write, DeleteUser):
        return f"delete user '{write.name}'"
    if isinstance(write, DeleteTeam):
        return f"delete team '{write.name}'"
    if isinstance(write, RemoveTeamMember):
        return f"remove user '{write.user}' from team '{write.team}'"
    if isinstance(write, RevokeRole):
        return f"take the role '{write.assignment.role}' from the {write.assignment.holder}"
    return "make this change"
