"""Users, teams, role assignments and API keys in ``stacks.yaml``.

Users and teams keep ZenML 0.7.3's keys, so a 0.7.3 store's users load and
0.7.3 still reads what zen writes::

    users: [{id, creation_date, name}]
    teams: [{id, creation_date, name}]
    team_assignments: {team: [user, ...]}
    _zen: {role_assignments: [{role, user, team, created}],
           api_keys: [{user, name, key_id, secret_hash, created, expires, last_used}]}

:class:`Accounts` reads them from a parsed index and applies the account
writes to it (inside the store's lock, see :mod:`zen_local_store.transaction`).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from zen_core.account_records import ApiKey, RoleAssignment, Team, User
from zen_core.exceptions import InvalidDataError
from zen_core.models import utc_now
from zen_local_store.standing import entries as _list
from zen_local_store.standing import meta, user_entries

if TYPE_CHECKING:
    from zen_core.store import BaseStore
    from zen_core.writes import (
        AddTeamMember,
        AssignRole,
        CreateApiKey,
        CreateTeam,
        CreateUser,
        DeleteTeam,
        DeleteUser,
        RemoveTeamMember,
        RevokeApiKey,
        RevokeRole,
        TouchApiKey,
    )


class Accounts:
    """The account data of one parsed index (``data``), read and changed in place."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    @property
    def _meta(self) -> dict[str, Any]:
        return meta(self.data)

    # --- reads ------------------------------------------------------------------------
    def users(self) -> list[User]:
        found = []
        for entry in user_entries(self.data):
            found.append(User(str(entry["name"]), _text(entry.get("creation_date")),
                              str(entry.get("id") or uuid.uuid5(uuid.NAMESPACE_OID,
                                                                str(entry["name"])))))
        return sorted(found, key=lambda u: u.name)

    def teams(self) -> list[Team]:
        members = self.data.get("team_assignments") or {}
        if not isinstance(members, dict):
            raise InvalidDataError("'team_assignments' is not a mapping.")
        found = []
        for entry in _list(self.data, "teams"):
            if not isinstance(entry, dict) or "name" not in entry:
                raise InvalidDataError(f"A team entry is not a mapping with a name: {entry!r}.")
            name = str(entry["name"])
            found.append(Team(name, list(members.get(name) or []),
                              _text(entry.get("creation_date"))))
        return sorted(found, key=lambda t: t.name)

    def role_assignments(self) -> list[RoleAssignment]:
        found = [RoleAssignment.from_dict(e) for e in _list(self._meta, "role_assignments")
                 if isinstance(e, dict)]
        return sorted(found, key=lambda a: (a.role, a.user or "", a.team or ""))

    def api_keys(self, user: str | None = None) -> list[ApiKey]:
        found = [ApiKey.from_dict(e) for e in _list(self._meta, "api_keys")
                 if isinstance(e, dict) and (user is None or e.get("user") == user)]
        return sorted(found, key=lambda k: (k.user, k.name))

    # --- writes ---------------------------------------------------------------------------
    def apply(self, store: BaseStore, write: Any) -> Any:
        """Apply one account write; return what ``apply`` returns for it."""
        from zen_core.writes import op_name  # a read of the accounts does without it

        return getattr(self, f"_{op_name(write)}")(store, write)

    def _user_names(self) -> list[str]:
        return [u.name for u in self.users()]

    def _require_user(self, store: BaseStore, name: str) -> None:
        if name not in self._user_names():
            raise store.user_not_found(name, self._user_names())

    def _require_team(self, store: BaseStore, name: str) -> None:
        names = [t.name for t in self.teams()]
        if name not in names:
            raise store.team_not_found(name, names)

    def _create_user(self, store: BaseStore, write: CreateUser) -> User:
        user = write.user
        if user.name in self._user_names():
            raise store.user_exists(user.name)
        user = User(user.name, user.created or utc_now(), user.uuid)
        _list(self.data, "users").append(
            {"id": user.uuid, "creation_date": user.created, "name": user.name})
        return user

    def _delete_user(self, store: BaseStore, write: DeleteUser) -> None:
        self._require_user(store, write.name)
        self.data["users"] = [e for e in _list(self.data, "users")
                              if not (isinstance(e, dict) and e.get("name") == write.name)]
        for team, members in (self.data.get("team_assignments") or {}).items():
            self.data["team_assignments"][team] = [m for m in members or [] if m != write.name]
        meta = self._meta
        meta["role_assignments"] = [e for e in _list(meta, "role_assignments")
                                    if e.get("user") != write.name]
        meta["api_keys"] = [e for e in _list(meta, "api_keys") if e.get("user") != write.name]

    def _create_team(self, store: BaseStore, write: CreateTeam) -> Team:
        team = write.team
        if team.name in [t.name for t in self.teams()]:
            raise store.team_exists(team.name)
        for member in team.members:
            self._require_user(store, member)
        team = Team(team.name, team.members, team.created or utc_now())
        _list(self.data, "teams").append(
            {"id": str(uuid.uuid4()), "creation_date": team.created, "name": team.name})
        self.data.setdefault("team_assignments", {})[team.name] = list(team.members)
        return team

    def _delete_team(self, store: BaseStore, write: DeleteTeam) -> None:
        self._require_team(store, write.name)
        self.data["teams"] = [e for e in _list(self.data, "teams")
                              if not (isinstance(e, dict) and e.get("name") == write.name)]
        (self.data.get("team_assignments") or {}).pop(write.name, None)
        meta = self._meta
        meta["role_assignments"] = [e for e in _list(meta, "role_assignments")
                                    if e.get("team") != write.name]

    def _add_team_member(self, store: BaseStore, write: AddTeamMember) -> Team:
        self._require_team(store, write.team)
        self._require_user(store, write.user)
        members = self.data.setdefault("team_assignments", {}).setdefault(write.team, [])
        if write.user not in members:
            members.append(write.user)
            members.sort()
        return next(t for t in self.teams() if t.name == write.team)

    def _remove_team_member(self, store: BaseStore, write: RemoveTeamMember) -> Team:
        self._require_team(store, write.team)
        members = (self.data.get("team_assignments") or {}).get(write.team) or []
        if write.user not in members:
            raise store.not_a_member(write.team, write.user)
        members.remove(write.user)
        return next(t for t in self.teams() if t.name == write.team)

    def _assign_role(self, store: BaseStore, write: AssignRole) -> RoleAssignment:
        wanted = write.assignment
        if wanted.user is not None:
            self._require_user(store, wanted.user)
        else:
            self._require_team(store, wanted.team)
        if wanted in self.role_assignments():
            raise store.role_held(wanted)
        assignment = RoleAssignment(wanted.role, wanted.user, wanted.team,
                                    wanted.created or utc_now())
        _list(self._meta, "role_assignments").append(assignment.to_dict())
        return assignment

    def _revoke_role(self, store: BaseStore, write: RevokeRole) -> None:
        wanted = write.assignment
        if wanted not in self.role_assignments():
            raise store.role_not_held(wanted)
        meta = self._meta
        meta["role_assignments"] = [
            e for e in _list(meta, "role_assignments")
            if (e.get("role"), e.get("user"), e.get("team")) != (wanted.role, wanted.user,
                                                               wanted.team)]

    def _create_api_key(self, store: BaseStore, write: CreateApiKey) -> ApiKey:
        key = write.key
        self._require_user(store, key.user)
        existing = self.api_keys()
        if any(k.user == key.user and k.name == key.name for k in existing):
            raise store.key_exists(key.user, key.name)
        if any(k.key_id == key.key_id for k in existing):
            raise store.key_exists(key.user, key.name)
        key = ApiKey(key.user, key.name, key.key_id, key.secret_hash,
                     key.created or utc_now(), key.expires, None)
        _list(self._meta, "api_keys").append(key.to_dict())
        return key

    def _revoke_api_key(self, store: BaseStore, write: RevokeApiKey) -> None:
        mine = self.api_keys(write.user)
        if not any(k.name == write.name for k in mine):
            raise store.key_not_found(write.user, write.name, [k.name for k in mine])
        meta = self._meta
        meta["api_keys"] = [e for e in _list(meta, "api_keys")
                            if (e.get("user"), e.get("name")) != (write.user, write.name)]

    def _touch_api_key(self, store: BaseStore, write: TouchApiKey) -> None:
        for entry in _list(self._meta, "api_keys"):
            if entry.get("key_id") == write.key_id:
                entry["last_used"] = write.when


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
