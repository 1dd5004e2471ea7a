"""One ``apply``: writes merged into what Redis holds, committed by one MULTI/EXEC.

A :class:`Transaction` reads each hash it needs once, after WATCHing it, and
applies the writes to those records in memory; nothing reaches Redis until
:meth:`Transaction.commit` queues every changed field and the history events in one
MULTI/EXEC. If another writer changed a watched hash meanwhile, EXEC fails and
the store runs the whole ``apply`` again on fresh records (optimistic locking):
updates are merged inside the store, never lost, and a batch is all or nothing,
also when its process is killed (a connection that dies before EXEC leaves no
trace; EXEC itself is atomic in Redis).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from zen_core.plugin import (
    AddTeamMember,
    ApiKey,
    AssignRole,
    Component,
    CreateApiKey,
    CreateSecret,
    CreateTeam,
    CreateUser,
    DeleteComponent,
    DeleteSecret,
    DeleteStack,
    DeleteTeam,
    DeleteUser,
    Event,
    RegisterComponent,
    RegisterStack,
    RemoveTeamMember,
    RevokeApiKey,
    RevokeRole,
    RoleAssignment,
    Secret,
    Stack,
    Team,
    TouchApiKey,
    UpdateComponent,
    UpdateSecret,
    UpdateStack,
    User,
    Write,
    may_remove_an_admin,
    op_name,
    utc_now,
)

if TYPE_CHECKING:
    from zen_core.plugin import ComponentType, StoreRules, Written
    from zen_redis_store.store import RedisStore

#: Each hash of the store: how one of its values becomes a record.
PARSERS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "components": Component.from_dict, "stacks": Stack.from_dict, "secrets": Secret.from_dict,
    "users": User.from_dict, "teams": Team.from_dict, "roles": RoleAssignment.from_dict,
    "keys": ApiKey.from_dict,
}


def component_field(type: ComponentType, name: str) -> str:
    return f"{type.value}/{name}"


def role_field(assignment: RoleAssignment) -> str:
    return f"{assignment.role}|{assignment.user or ''}|{assignment.team or ''}"


def key_field(user: str, name: str) -> str:
    return f"{user}/{name}"


class Transaction:
    def __init__(self, store: RedisStore, pipe: Any, rules: StoreRules | None) -> None:
        self.store = store
        self.pipe = pipe  # WATCHing, in immediate mode until commit() calls MULTI
        self.rules = rules
        self.tables: dict[str, dict[str, Any]] = {}
        #: (hash, field) -> the record to write, or None to delete the field.
        self.changed: dict[tuple[str, str], Any] = {}

    # --- reading, each hash once ------------------------------------------------------
    def table(self, name: str) -> dict[str, Any]:
        if name not in self.tables:
            key = self.store.key(name)
            self.pipe.watch(key)
            raw = self.pipe.hgetall(key)
            self.tables[name] = {f: self.store.parse(name, f, v) for f, v in raw.items()}
        return self.tables[name]

    def put(self, table: str, field: str, record: Any) -> Any:
        self.table(table)[field] = record
        self.changed[(table, field)] = record
        return record

    def drop(self, table: str, field: str) -> None:
        self.table(table).pop(field, None)
        self.changed[(table, field)] = None

    def component(self, ctype: ComponentType, name: str) -> Component:
        found = self.table("components").get(component_field(ctype, name))
        if found is None:
            names = [c.name for c in self.table("components").values() if c.type is ctype]
            raise self.store.component_not_found(ctype, name, names)
        return found

    def stack(self, name: str) -> Stack:
        stacks = self.table("stacks")
        if name not in stacks:
            raise self.store.stack_not_found(name, sorted(stacks))
        return stacks[name]

    def members(self, stack: Stack) -> dict[ComponentType, Component]:
        return {t: self.component(t, n) for t, n in stack.components.items()}

    def _check_stack(self, stack: Stack) -> None:
        members = self.members(stack)  # a member that is not there: not found
        if self.rules is not None:
            self.rules.check_stack(stack, members)

    def apply(self, write: Write) -> Written:
        return getattr(self, f"_{op_name(write)}")(write)

    def check_accounts(self, writes: Sequence[Write]) -> None:
        if self.rules is not None and may_remove_an_admin(writes):
            self.rules.check_accounts(writes, list(self.table("roles").values()),
                                      list(self.table("teams").values()))

    # --- components and stacks ----------------------------------------------------------
    def _register_component(self, write: RegisterComponent) -> Component:
        component = write.component
        if component_field(component.type, component.name) in self.table("components"):
            raise self.store.component_exists(component.type, component.name)
        if self.rules is not None:
            component = self.rules.check_component(component)
        written = component.stamped()
        return self.put("components", component_field(written.type, written.name), written)

    def _update_component(self, write: UpdateComponent) -> Component:
        ctype, name = write.type, write.name
        current = self.component(ctype, name)
        self.store.check_revision(f"{ctype.display} '{name}'", current,
                                  write.change.expected_revision)
        new = write.change.apply(current)
        renamed = new.name != name
        if renamed and component_field(ctype, new.name) in self.table("components"):
            raise self.store.component_exists(ctype, new.name)
        if self.rules is not None:
            new = self.rules.check_component(new)
        written = new.stamped(current)
        if renamed:
            self.drop("components", component_field(ctype, name))
        self.put("components", component_field(ctype, written.name), written)
        for stack in list(self.table("stacks").values()):
            if stack.components.get(ctype) != name:
                continue
            if renamed:
                stack = self.put("stacks", stack.name, Stack(
                    stack.name, {**stack.components, ctype: written.name}).stamped(stack))
            self._check_stack(stack)
        return written

    def _delete_component(self, write: DeleteComponent) -> None:
        current = self.component(write.type, write.name)
        self.store.check_revision(f"{write.type.display} '{write.name}'", current,
                                  write.expected_revision)
        users = [s.name for s in self.table("stacks").values()
                 if s.components.get(write.type) == write.name]
        if users:
            raise self.store.component_in_use(write.type, write.name, sorted(users))
        self.drop("components", component_field(write.type, write.name))

    def _register_stack(self, write: RegisterStack) -> Stack:
        if write.stack.name in self.table("stacks"):
            raise self.store.stack_exists(write.stack.name)
        stack = write.stack.stamped()
        self._check_stack(stack)
        return self.put("stacks", stack.name, stack)

    def _update_stack(self, write: UpdateStack) -> Stack:
        current = self.stack(write.name)
        self.store.check_revision(f"stack '{write.name}'", current,
                                  write.change.expected_revision)
        new = write.change.apply(current).stamped(current)
        if new.name != write.name and new.name in self.table("stacks"):
            raise self.store.stack_exists(new.name)
        self._check_stack(new)
        if new.name != write.name:
            self.drop("stacks", write.name)
        return self.put("stacks", new.name, new)

    def _delete_stack(self, write: DeleteStack) -> None:
        current = self.stack(write.name)
        self.store.check_revision(f"stack '{write.name}'", current, write.expected_revision)
        self.drop("stacks", write.name)

    # --- secrets (values kept as given: the domain encrypts them first) -------------------
    def secret(self, name: str) -> Secret:
        secrets = self.table("secrets")
        if name not in secrets:
            raise self.store.secret_not_found(name, sorted(secrets))
        return secrets[name]

    def _create_secret(self, write: CreateSecret) -> Secret:
        if write.secret.name in self.table("secrets"):
            raise self.store.secret_exists(write.secret.name)
        return self.put("secrets", write.secret.name, write.secret.stamped())

    def _update_secret(self, write: UpdateSecret) -> Secret:
        current = self.secret(write.name)
        self.store.check_revision(f"secret '{write.name}'", current,
                                  write.change.expected_revision)
        new = write.change.apply(current).stamped(current)
        if new.name != write.name:
            if new.name in self.table("secrets"):
                raise self.store.secret_exists(new.name)
            self.drop("secrets", write.name)
        return self.put("secrets", new.name, new)

    def _delete_secret(self, write: DeleteSecret) -> None:
        current = self.secret(write.name)
        self.store.check_revision(f"secret '{write.name}'", current, write.expected_revision)
        self.drop("secrets", write.name)

    # --- users, teams, roles, keys ---------------------------------------------------------
    def _require_user(self, name: str) -> None:
        users = self.table("users")
        if name not in users:
            raise self.store.user_not_found(name, sorted(users))

    def _team(self, name: str) -> Team:
        teams = self.table("teams")
        if name not in teams:
            raise self.store.team_not_found(name, sorted(teams))
        return teams[name]

    def _create_user(self, write: CreateUser) -> User:
        user = write.user
        if user.name in self.table("users"):
            raise self.store.user_exists(user.name)
        return self.put("users", user.name, User(user.name, user.created or utc_now(),
                                                 user.uuid))

    def _delete_user(self, write: DeleteUser) -> None:
        self._require_user(write.name)
        self.drop("users", write.name)
        for team in list(self.table("teams").values()):
            if write.name in team.members:
                self.put("teams", team.name, Team(
                    team.name, [m for m in team.members if m != write.name], team.created))
        for field, assignment in list(self.table("roles").items()):
            if assignment.user == write.name:
                self.drop("roles", field)
        for field, key in list(self.table("keys").items()):
            if key.user == write.name:
                self.drop("keys", field)

    def _create_team(self, write: CreateTeam) -> Team:
        team = write.team
        if team.name in self.table("teams"):
            raise self.store.team_exists(team.name)
        for member in team.members:
            self._require_user(member)
        return self.put("teams", team.name, Team(team.name, team.members,
                                                 team.created or utc_now()))

    def _delete_team(self, write: DeleteTeam) -> None:
        self._team(write.name)
        self.drop("teams", write.name)
        for field, assignment in list(self.table("roles").items()):
            if assignment.team == write.name:
                self.drop("roles", field)

    def _add_team_member(self, write: AddTeamMember) -> Team:
        team = self._team(write.team)
        self._require_user(write.user)
        if write.user in team.members:
            return team
        return self.put("teams", team.name, Team(team.name, [*team.members, write.user],
                                                 team.created))

    def _remove_team_member(self, write: RemoveTeamMember) -> Team:
        team = self._team(write.team)
        if write.user not in team.members:
            raise self.store.not_a_member(write.team, write.user)
        return self.put("teams", team.name, Team(
            team.name, [m for m in team.members if m != write.user], team.created))

    def _assign_role(self, write: AssignRole) -> RoleAssignment:
        wanted = write.assignment
        if wanted.user is not None:
            self._require_user(wanted.user)
        else:
            self._team(wanted.team)
        if role_field(wanted) in self.table("roles"):
            raise self.store.role_held(wanted)
        assignment = RoleAssignment(wanted.role, wanted.user, wanted.team,
                                    wanted.created or utc_now())
        return self.put("roles", role_field(assignment), assignment)

    def _revoke_role(self, write: RevokeRole) -> None:
        if role_field(write.assignment) not in self.table("roles"):
            raise self.store.role_not_held(write.assignment)
        self.drop("roles", role_field(write.assignment))

    def _create_api_key(self, write: CreateApiKey) -> ApiKey:
        key = write.key
        self._require_user(key.user)
        keys = self.table("keys")
        if key_field(key.user, key.name) in keys or \
                any(k.key_id == key.key_id for k in keys.values()):
            raise self.store.key_exists(key.user, key.name)
        key = ApiKey(key.user, key.name, key.key_id, key.secret_hash,
                     key.created or utc_now(), key.expires, None)
        return self.put("keys", key_field(key.user, key.name), key)

    def _revoke_api_key(self, write: RevokeApiKey) -> None:
        keys = self.table("keys")
        if key_field(write.user, write.name) not in keys:
            raise self.store.key_not_found(
                write.user, write.name, sorted(k.name for k in keys.values()
                                               if k.user == write.user))
        self.drop("keys", key_field(write.user, write.name))

    def _touch_api_key(self, write: TouchApiKey) -> None:
        for field, key in list(self.table("keys").items()):
            if key.key_id == write.key_id:
                self.put("keys", field, ApiKey(key.user, key.name, key.key_id, key.secret_hash,
                                               key.created, key.expires, write.when))

    # --- to Redis ----------------------------------------------------------------------------
    def commit(self, events: list[Event]) -> None:
        """Every changed field and the events, in one MULTI/EXEC (raises WatchError if a
        watched hash changed since it was read: the caller starts over)."""
        pipe = self.pipe
        pipe.multi()
        for (table, field), record in self.changed.items():
            if record is None:
                pipe.hdel(self.store.key(table), field)
            else:
                pipe.hset(self.store.key(table), field,
                          json.dumps(record.to_dict(), sort_keys=True))
        if events:
            pipe.rpush(self.store.key("events"),
                       *[json.dumps(e.to_dict(), sort_keys=True) for e in events])
        pipe.execute()
