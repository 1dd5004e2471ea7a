"""Users, teams, role assignments and API keys: the queries that read them, and the account
writes as :class:`SqlTransaction` applies them (:class:`AccountWrites`).

Rows refer to users and teams by id. Deleting a user or a team is one DELETE:
the database removes what hangs on it (ON DELETE CASCADE, see schema.py). As
with stacks, the database refuses what the contract forbids (a taken name, a
role held twice, a member or key of a user that has gone), so a race with
another process ends in an ``IntegrityError`` and the transaction runs again,
its checks now seeing the other's commit and raising the contract's error.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timezone
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Row,
    String,
    cast,
    delete,
    insert,
    literal,
    null,
    select,
    type_coerce,
    union_all,
    update,
)

from zen_core.account_records import ApiKey, RoleAssignment, Team, User
from zen_core.exceptions import InvalidDataError, ZenError
from zen_core.models import utc_now
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
    may_remove_an_admin,
)
from zen_sql_store.queries import (
    API_KEYS,
    TEAM_MEMBERS,
    TEAM_ROLES,
    TEAMS,
    USER_ROLES,
    USERS,
)
from zen_sql_store.rows import parse_time, time_text
from zen_sql_store.schema import NAME_LENGTH, RawTimestamp

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.engine import Connection

    from zen_core.store import StoreRules
    from zen_core.writes import Write
    from zen_sql_store.store import SqlStore

U, TE, TM, UR, TR, K = (USERS.c, TEAMS.c, TEAM_MEMBERS.c, USER_ROLES.c, TEAM_ROLES.c,
                        API_KEYS.c)


# --- reads ---------------------------------------------------------------------------------
def users_query(name: str | None = None) -> Any:
    query = select(U.name, U.created, U.uuid)
    return query if name is None else query.where(U.name == name)


def user_records(rows: Iterable[Row[Any]]) -> list[User]:
    return sorted((User(name, created, uuid) for name, created, uuid in rows),
                  key=lambda u: u.name)


def teams_query(name: str | None = None) -> Any:
    """Every team with its members (one row per member; none: a NULL), or the team ``name``."""
    query = (
        # the team's time repeats on each member row: converted once, in team_records
        select(TE.name, type_coerce(TE.created, RawTimestamp()), U.name)
        .select_from(TEAMS)
        .outerjoin(TEAM_MEMBERS, TM.team_id == TE.id)
        .outerjoin(USERS, U.id == TM.user_id)
    )
    return query if name is None else query.where(TE.name == name)


def team_records(rows: Iterable[Row[Any]]) -> list[Team]:
    found: dict[str, tuple[str | None, list[str]]] = {}
    for name, created, member in rows:
        entry = found.get(name)
        if entry is None:
            entry = found[name] = (time_text(created), [])
        if member is not None:
            entry[1].append(member)
    return [Team(name, members, created) for name, (created, members) in sorted(found.items())]


def role_assignments_query() -> Any:
    """Roles of users and roles of teams, in one query: (role, user, team, created)."""
    nothing = cast(null(), String(NAME_LENGTH))
    return union_all(
        select(UR.role, U.name, nothing, UR.created).join_from(USER_ROLES, USERS,
                                                               U.id == UR.user_id),
        select(TR.role, nothing, TE.name, TR.created).join_from(TEAM_ROLES, TEAMS,
                                                                TE.id == TR.team_id),
    )


def role_assignment_records(rows: Iterable[Row[Any]]) -> list[RoleAssignment]:
    found = [RoleAssignment(role, user, team, created) for role, user, team, created in rows]
    return sorted(found, key=lambda a: (a.role, a.user or "", a.team or ""))


#: The columns an ApiKey is built from, in its argument order.
KEY_COLUMNS = (U.name, K.name, K.key_id, K.secret_hash, K.created, K.expires, K.last_used)


def api_keys_query() -> Any:
    return select(*KEY_COLUMNS).join_from(API_KEYS, USERS, U.id == K.user_id)


def api_key_records(rows: Iterable[Row[Any]]) -> list[ApiKey]:
    return sorted((ApiKey(*row) for row in rows), key=lambda k: (k.user, k.name))


def user_names(connection: Connection) -> list[str]:
    return sorted(connection.execute(select(U.name)).scalars())


def team_names(connection: Connection) -> list[str]:
    return sorted(connection.execute(select(TE.name)).scalars())


def normal_time(value: str | None, what: str) -> str | None:
    """A time given with a record, as the database will return it (``utc_now()``'s form)."""
    if value is None:
        return None
    try:
        moment = parse_time(value)
    except (TypeError, ValueError, AttributeError):
        raise InvalidDataError(
            f"Invalid {what}: {value!r} is not an ISO 8601 time.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return time_text(moment)


# --- writes --------------------------------------------------------------------------------
class AccountWrites:
    """The account writes of :class:`zen_sql_store.transaction.SqlTransaction`."""

    store: SqlStore
    connection: Connection
    conflict: Callable[[], ZenError] | None

    def _execute(self, statement: Any, *args: Any) -> Any:
        return self.connection.execute(statement, *args)

    def apply_account(self, write: Any) -> Any:
        return _HANDLERS[type(write)](self, write)

    # --- lookups -------------------------------------------------------------------------
    def _user_id(self, name: str) -> int | None:
        return self._execute(select(U.id).where(U.name == name)).scalar()

    def _team_id(self, name: str) -> int | None:
        return self._execute(select(TE.id).where(TE.name == name)).scalar()

    def _require_user(self, name: str) -> int:
        found = self._user_id(name)
        if found is None:
            raise self.store.user_not_found(name, user_names(self.connection))
        return found

    def _require_team(self, name: str) -> int:
        found = self._team_id(name)
        if found is None:
            raise self.store.team_not_found(name, team_names(self.connection))
        return found

    def _user_ids(self, names: Sequence[str]) -> list[int]:
        """The ids of users ``names`` (user not found for the first missing one)."""
        if not names:
            return []
        found = dict(self._execute(
            select(U.name, U.id).where(U.name.in_(list(names)))).all())
        for name in names:
            if name not in found:
                raise self.store.user_not_found(name, user_names(self.connection))
        return [found[name] for name in names]

    def _team(self, name: str) -> Team:
        return team_records(self._execute(teams_query(name)))[0]

    # --- users and teams -----------------------------------------------------------------
    def _create_user(self, write: CreateUser) -> User:
        user = write.user
        if self._user_id(user.name) is not None:
            raise self.store.user_exists(user.name)
        self.conflict = lambda: self.store.user_exists(user.name)
        created = normal_time(user.created, f"creation time of user '{user.name}'") or utc_now()
        self._execute(insert(USERS).values(name=user.name, uuid=user.uuid, created=created))
        return User(user.name, created, user.uuid)

    def _delete_user(self, write: DeleteUser) -> None:
        # memberships, roles and keys go with the row (ON DELETE CASCADE)
        if not self._execute(delete(USERS).where(U.name == write.name)).rowcount:
            raise self.store.user_not_found(write.name, user_names(self.connection))

    def _create_team(self, write: CreateTeam) -> Team:
        team = write.team
        if self._team_id(team.name) is not None:
            raise self.store.team_exists(team.name)
        self.conflict = lambda: self.store.team_exists(team.name)
        member_ids = self._user_ids(team.members)
        created = normal_time(team.created, f"creation time of team '{team.name}'") or utc_now()
        team_id = self._execute(insert(TEAMS).values(
            name=team.name, created=created)).inserted_primary_key[0]
        if member_ids:
            self._execute(insert(TEAM_MEMBERS),
                          [{"team_id": team_id, "user_id": i} for i in member_ids])
        return Team(team.name, team.members, created)

    def _delete_team(self, write: DeleteTeam) -> None:
        # memberships and the team's roles go with the row (ON DELETE CASCADE)
        if not self._execute(delete(TEAMS).where(TE.name == write.name)).rowcount:
            raise self.store.team_not_found(write.name, team_names(self.connection))

    def _add_team_member(self, write: AddTeamMember) -> Team:
        team_id = self._require_team(write.team)
        user_id = self._require_user(write.user)
        member = self._execute(select(literal(1)).where(
            TM.team_id == team_id, TM.user_id == user_id)).first()
        if member is None:  # a member already: no change
            self._execute(insert(TEAM_MEMBERS).values(team_id=team_id, user_id=user_id))
        return self._team(write.team)

    def _remove_team_member(self, write: RemoveTeamMember) -> Team:
        team_id = self._require_team(write.team)
        user_id = self._user_id(write.user)
        removed = user_id is not None and self._execute(delete(TEAM_MEMBERS).where(
            TM.team_id == team_id, TM.user_id == user_id)).rowcount
        if not removed:
            raise self.store.not_a_member(write.team, write.user)
        return self._team(write.team)

    # --- roles -----------------------------------------------------------------------------
    def _holder(self, assignment: RoleAssignment, *,
                required: bool) -> tuple[Any, Any, int | None]:
        """(roles table, its holder column, the holder's id or None if missing)."""
        if assignment.user is not None:
            found = (self._require_user(assignment.user) if required
                     else self._user_id(assignment.user))
            return USER_ROLES, UR.user_id, found
        assert assignment.team is not None
        found = (self._require_team(assignment.team) if required
                 else self._team_id(assignment.team))
        return TEAM_ROLES, TR.team_id, found

    def _assign_role(self, write: AssignRole) -> RoleAssignment:
        wanted = write.assignment
        table, holder, holder_id = self._holder(wanted, required=True)
        held = self._execute(select(literal(1)).select_from(table).where(
            holder == holder_id, table.c.role == wanted.role)).first()
        if held is not None:
            raise self.store.role_held(wanted)
        self.conflict = lambda: self.store.role_held(wanted)
        created = normal_time(wanted.created, "creation time of the role assignment") \
            or utc_now()
        self._execute(insert(table).values(
            {holder.key: holder_id, "role": wanted.role, "created": created}))
        return RoleAssignment(wanted.role, wanted.user, wanted.team, created)

    def _revoke_role(self, write: RevokeRole) -> None:
        wanted = write.assignment
        table, holder, holder_id = self._holder(wanted, required=False)
        removed = holder_id is not None and self._execute(delete(table).where(
            holder == holder_id, table.c.role == wanted.role)).rowcount
        if not removed:
            raise self.store.role_not_held(wanted)

    # --- API keys ---------------------------------------------------------------------------
    def _create_api_key(self, write: CreateApiKey) -> ApiKey:
        key = write.key
        user_id = self._require_user(key.user)
        taken = self._execute(select(literal(1)).where(
            ((K.user_id == user_id) & (K.name == key.name)) | (K.key_id == key.key_id))).first()
        if taken is not None:
            raise self.store.key_exists(key.user, key.name)
        self.conflict = lambda: self.store.key_exists(key.user, key.name)
        what = f"API key '{key.name}' of user '{key.user}'"
        written = ApiKey(key.user, key.name, key.key_id, key.secret_hash,
                         normal_time(key.created, f"creation time of the {what}") or utc_now(),
                         normal_time(key.expires, f"expiry of the {what}"), None)
        self._execute(insert(API_KEYS).values(
            key_id=written.key_id, user_id=user_id, name=written.name,
            secret_hash=written.secret_hash, created=written.created, expires=written.expires,
        ))
        return written

    def _revoke_api_key(self, write: RevokeApiKey) -> None:
        user_id = self._user_id(write.user)
        removed = user_id is not None and self._execute(delete(API_KEYS).where(
            K.user_id == user_id, K.name == write.name)).rowcount
        if not removed:
            names = [] if user_id is None else sorted(self._execute(
                select(K.name).where(K.user_id == user_id)).scalars())
            raise self.store.key_not_found(write.user, write.name, names)

    def _touch_api_key(self, write: TouchApiKey) -> None:
        when = normal_time(write.when, "time the API key was used")
        self._execute(update(API_KEYS).where(K.key_id == write.key_id).values(last_used=when))


_HANDLERS: dict[type, Callable[[AccountWrites, Any], Any]] = {
    CreateUser: AccountWrites._create_user,
    DeleteUser: AccountWrites._delete_user,
    CreateTeam: AccountWrites._create_team,
    DeleteTeam: AccountWrites._delete_team,
    AddTeamMember: AccountWrites._add_team_member,
    RemoveTeamMember: AccountWrites._remove_team_member,
    AssignRole: AccountWrites._assign_role,
    RevokeRole: AccountWrites._revoke_role,
    CreateApiKey: AccountWrites._create_api_key,
    RevokeApiKey: AccountWrites._revoke_api_key,
    TouchApiKey: AccountWrites._touch_api_key,
}


def check_accounts(connection: Connection, rules: StoreRules | None,
                   writes: Sequence[Write]) -> None:
    """The rules' check of the accounts after a removal (``writes.ADMIN_REMOVALS``), on
    them as this transaction will commit them. Read under the history's lock: a
    concurrent removal has committed by then, and its effect is seen (READ COMMITTED
    reads the latest commits; SQLite's writers hold the database's lock), or it waits
    for this one and then sees this one's."""
    if rules is None or not may_remove_an_admin(writes):
        return
    from zen_sql_store import history

    history.lock(connection)
    rules.check_accounts(writes, role_assignment_records(connection.execute(
        role_assignments_query())), team_records(connection.execute(teams_query())))
