"""Writes merged into records held in memory, one table per kind: a store's ``apply``.

A store that keeps each kind of record as a table of ``key -> record`` (Redis hashes,
one JSON document, a key-value database) applies a batch inside its lock or optimistic
transaction with a :class:`TableTransaction`::

    transaction = TableTransaction(store, rules, tables=everything_read)  # or override load()
    written = transaction.apply(writes, actor)   # the contract's semantics, errors, rules
    commit(transaction.changed, transaction.events)  # the store's one commit point

Each table is read once (:meth:`TableTransaction.load`, or all of them given up front),
every write is merged into those records in memory, and nothing is stored until the
store commits what :attr:`~TableTransaction.changed` names and the history
:attr:`~TableTransaction.events`, together: a write that fails (not found, in use, a
rule) leaves the store as it was. :data:`TABLES` names the tables and the record class
of each (``to_dict`` / ``from_dict``); :func:`component_key`, :func:`role_key` and
:func:`api_key_key` are their keys, and ``stacks``, ``secrets``, ``users`` and ``teams``
are keyed by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from zen_core.account_records import ApiKey, Event, RoleAssignment, Team, User
from zen_core.history import event_for
from zen_core.models import Component, Stack, utc_now
from zen_core.secret_records import Secret
from zen_core.writes import may_remove_an_admin, op_name

if TYPE_CHECKING:
    from collections.abc import Callable

    from zen_core import writes as w
    from zen_core.models import ComponentType
    from zen_core.store import BaseStore, StoreRules, Written

#: Each table and the record class it keeps.
TABLES: dict[str, type] = {
    "components": Component, "stacks": Stack, "secrets": Secret, "users": User,
    "teams": Team, "roles": RoleAssignment, "keys": ApiKey,
}


def component_key(type: ComponentType, name: str) -> str:
    return f"{type.value}/{name}"


def role_key(assignment: RoleAssignment) -> str:
    return f"{assignment.role}|{assignment.user or ''}|{assignment.team or ''}"


def api_key_key(user: str, name: str) -> str:
    return f"{user}/{name}"


def dangling_member(store: BaseStore, stack: Stack, component_keys: set[str]) -> str | None:
    """Why ``stack`` cannot be used (it names a component whose key is not in
    ``component_keys``), or None: a stack's ``problem``."""
    for ctype, name in stack.components.items():
        if component_key(ctype, name) not in component_keys:
            return (f"Stack '{stack.name}' names {ctype.display} '{name}', which is not "
                    f"registered in {store.describe()}.")
    return None


#: The store's error for a missing record of each table keyed by name.
_NOT_FOUND = {"stacks": "stack_not_found", "secrets": "secret_not_found",
              "users": "user_not_found", "teams": "team_not_found"}


class TableTransaction:
    """One batch of writes applied to the tables of ``store`` in memory (see the module)."""

    def __init__(self, store: BaseStore, rules: StoreRules | None = None,
                 tables: dict[str, dict[str, Any]] | None = None) -> None:
        self.store = store
        self.rules = rules
        #: table -> key -> record: what was read, with the writes merged in.
        self.tables: dict[str, dict[str, Any]] = tables if tables is not None else {}
        #: (table, key) -> the record to store, or None to delete it.
        self.changed: dict[tuple[str, str], Any] = {}
        #: The history events of the writes applied, in order: commit them with the records.
        self.events: list[Event] = []
        #: table -> uuid -> key, for the tables whose uuids were asked for (holder()).
        self._uuids: dict[str, dict[str, str]] = {}

    def load(self, table: str) -> dict[str, Any]:
        """The records of ``table`` by key, read once per transaction (override it to read
        lazily, e.g. WATCH then read; by default a table not given up front is empty)."""
        return {}

    def apply(self, writes: Sequence[w.Write], actor: str | None = None) -> list[Written]:
        """Merge ``writes`` in order; return each written record (None for a delete)."""
        written = [self.apply_one(write) for write in writes]
        if self.rules is not None and may_remove_an_admin(writes):
            self.rules.check_accounts(writes, list(self.table("roles").values()),
                                      list(self.table("teams").values()))
        self.events += [e for write, record in zip(writes, written, strict=True)
                        if (e := event_for(write, record, actor))]
        return written

    def apply_one(self, write: w.Write) -> Written:
        return getattr(self, f"_{op_name(write)}")(write)

    # --- the records, each table read once ------------------------------------------
    def table(self, name: str) -> dict[str, Any]:
        if name not in self.tables:
            self.tables[name] = self.load(name)
        return self.tables[name]

    def put(self, table: str, key: str, record: Any) -> Any:
        self.table(table)[key] = record
        self.changed[(table, key)] = record
        if table in self._uuids:
            self._uuids[table][record.uuid] = key
        return record

    def drop(self, table: str, key: str) -> None:
        dropped = self.table(table).pop(key, None)
        self.changed[(table, key)] = None
        uuids = self._uuids.get(table)
        if dropped is not None and uuids is not None and uuids.get(dropped.uuid) == key:
            del uuids[dropped.uuid]

    def holder(self, table: str, uuid: str) -> Any:
        """The record of ``table`` (components or secrets) with ``uuid``, or None: a uuid
        is one record's identity in a store. Indexed once per transaction, then kept up
        to date by put() and drop(), so a batch of many registrations stays linear."""
        if table not in self._uuids:
            self._uuids[table] = {r.uuid: k for k, r in self.table(table).items()}
        key = self._uuids[table].get(uuid)
        return None if key is None else self.table(table)[key]

    def component(self, ctype: ComponentType, name: str) -> Component:
        found = self.table("components").get(component_key(ctype, name))
        if found is None:
            names = [c.name for c in self.table("components").values() if c.type is ctype]
            raise self.store.component_not_found(ctype, name, names)
        return found

    def named(self, table: str, name: str) -> Any:
        """The record ``name`` of a table keyed by name; its not-found error if missing."""
        records = self.table(table)
        if name not in records:
            raise getattr(self.store, _NOT_FOUND[table])(name, sorted(records))
        return records[name]

    def revised(self, table: str, name: str, expected: int | None) -> Any:
        """The stack or secret ``name``, refused if it is not at the ``expected`` revision."""
        current = self.named(table, name)
        self.store.check_revision(f"{table[:-1]} '{name}'", current, expected)
        return current

    def replace(self, table: str, name: str, new: Any, exists: Callable[[str], Exception],
                ) -> Any:
        """Store ``new`` in place of the record ``name``: under a new name if it was
        renamed (refused with ``exists`` if that name is taken)."""
        if new.name != name:
            if new.name in self.table(table):
                raise exists(new.name)
            self.drop(table, name)
        return self.put(table, new.name, new)

    def _check_stack(self, stack: Stack) -> None:
        members = {t: self.component(t, n) for t, n in stack.components.items()}
        if self.rules is not None:
            self.rules.check_stack(stack, members)

    # --- components and stacks ----------------------------------------------------------
    def _register_component(self, write: w.RegisterComponent) -> Component:
        component = write.component
        if component_key(component.type, component.name) in self.table("components"):
            raise self.store.component_exists(component.type, component.name)
        holder = self.holder("components", component.uuid)
        if holder is not None:
            raise self.store.component_uuid_taken(component.uuid, holder.type, holder.name)
        if self.rules is not None:
            component = self.rules.check_component(component)
        written = component.stamped()
        return self.put("components", component_key(written.type, written.name), written)

    def _update_component(self, write: w.UpdateComponent) -> Component:
        ctype, name = write.type, write.name
        current = self.component(ctype, name)
        self.store.check_revision(f"{ctype.display} '{name}'", current,
                                  write.change.expected_revision)
        new = write.change.apply(current)
        renamed = new.name != name
        if renamed and component_key(ctype, new.name) in self.table("components"):
            raise self.store.component_exists(ctype, new.name)
        if self.rules is not None:
            new = self.rules.check_component(new)
        written = new.stamped(current)
        if renamed:
            self.drop("components", component_key(ctype, name))
        self.put("components", component_key(ctype, written.name), written)
        for stack in list(self.table("stacks").values()):
            if stack.components.get(ctype) != name:
                continue
            if renamed:  # stacks follow a rename
                stack = self.put("stacks", stack.name, Stack(
                    stack.name, {**stack.components, ctype: written.name}).stamped(stack))
            self._check_stack(stack)
        return written

    def _delete_component(self, write: w.DeleteComponent) -> None:
        current = self.component(write.type, write.name)
        self.store.check_revision(f"{write.type.display} '{write.name}'", current,
                                  write.expected_revision)
        users = [s.name for s in self.table("stacks").values()
                 if s.components.get(write.type) == write.name]
        if users:
            raise self.store.component_in_use(write.type, write.name, sorted(users))
        self.drop("components", component_key(write.type, write.name))

    def _register_stack(self, write: w.RegisterStack) -> Stack:
        if write.stack.name in self.table("stacks"):
            raise self.store.stack_exists(write.stack.name)
        stack = write.stack.stamped()
        self._check_stack(stack)
        return self.put("stacks", stack.name, stack)

    def _update_stack(self, write: w.UpdateStack) -> Stack:
        current = self.revised("stacks", write.name, write.change.expected_revision)
        new = write.change.apply(current).stamped(current)
        if new.name != write.name and new.name in self.table("stacks"):
            raise self.store.stack_exists(new.name)  # a taken name first, then its members
        self._check_stack(new)
        return self.replace("stacks", write.name, new, self.store.stack_exists)

    def _delete_stack(self, write: w.DeleteStack) -> None:
        self.revised("stacks", write.name, write.expected_revision)
        self.drop("stacks", write.name)

    # --- secrets (values kept as given: the domain encrypts them first) -------------------
    def _create_secret(self, write: w.CreateSecret) -> Secret:
        if write.secret.name in self.table("secrets"):
            raise self.store.secret_exists(write.secret.name)
        holder = self.holder("secrets", write.secret.uuid)
        if holder is not None:
            raise self.store.secret_uuid_taken(write.secret.uuid, holder.name)
        return self.put("secrets", write.secret.name, write.secret.stamped())

    def _update_secret(self, write: w.UpdateSecret) -> Secret:
        current = self.revised("secrets", write.name, write.change.expected_revision)
        new = write.change.apply(current).stamped(current)
        return self.replace("secrets", write.name, new, self.store.secret_exists)

    def _delete_secret(self, write: w.DeleteSecret) -> None:
        self.revised("secrets", write.name, write.expected_revision)
        self.drop("secrets", write.name)

    # --- users, teams, roles, keys ---------------------------------------------------------
    def _require_user(self, name: str) -> None:
        self.named("users", name)

    def _team(self, name: str) -> Team:
        return self.named("teams", name)

    def _create_user(self, write: w.CreateUser) -> User:
        user = write.user
        if user.name in self.table("users"):
            raise self.store.user_exists(user.name)
        return self.put("users", user.name, User(user.name, user.created or utc_now(),
                                                 user.uuid))

    def _delete_user(self, write: w.DeleteUser) -> None:
        self._require_user(write.name)
        self.drop("users", write.name)
        for team in list(self.table("teams").values()):
            if write.name in team.members:
                self.put("teams", team.name, Team(
                    team.name, [m for m in team.members if m != write.name], team.created))
        for key, assignment in list(self.table("roles").items()):
            if assignment.user == write.name:
                self.drop("roles", key)
        for key, api_key in list(self.table("keys").items()):
            if api_key.user == write.name:
                self.drop("keys", key)

    def _create_team(self, write: w.CreateTeam) -> Team:
        team = write.team
        if team.name in self.table("teams"):
            raise self.store.team_exists(team.name)
        for member in team.members:
            self._require_user(member)
        return self.put("teams", team.name, Team(team.name, team.members,
                                                 team.created or utc_now()))

    def _delete_team(self, write: w.DeleteTeam) -> None:
        self._team(write.name)
        self.drop("teams", write.name)
        for key, assignment in list(self.table("roles").items()):
            if assignment.team == write.name:
                self.drop("roles", key)

    def _add_team_member(self, write: w.AddTeamMember) -> Team:
        team = self._team(write.team)
        self._require_user(write.user)
        if write.user in team.members:
            return team
        return self.put("teams", team.name, Team(team.name, [*team.members, write.user],
                                                 team.created))

    def _remove_team_member(self, write: w.RemoveTeamMember) -> Team:
        team = self._team(write.team)
        if write.user not in team.members:
            raise self.store.not_a_member(write.team, write.user)
        return self.put("teams", team.name, Team(
            team.name, [m for m in team.members if m != write.user], team.created))

    def _assign_role(self, write: w.AssignRole) -> RoleAssignment:
        wanted = write.assignment
        if wanted.user is not None:
            self._require_user(wanted.user)
        else:
            self._team(wanted.team)
        if role_key(wanted) in self.table("roles"):
            raise self.store.role_held(wanted)
        assignment = RoleAssignment(wanted.role, wanted.user, wanted.team,
                                    wanted.created or utc_now())
        return self.put("roles", role_key(assignment), assignment)

    def _revoke_role(self, write: w.RevokeRole) -> None:
        if role_key(write.assignment) not in self.table("roles"):
            raise self.store.role_not_held(write.assignment)
        self.drop("roles", role_key(write.assignment))

    def _create_api_key(self, write: w.CreateApiKey) -> ApiKey:
        key = write.key
        self._require_user(key.user)
        keys = self.table("keys")
        if api_key_key(key.user, key.name) in keys or \
                any(k.key_id == key.key_id for k in keys.values()):
            raise self.store.key_exists(key.user, key.name)
        key = ApiKey(key.user, key.name, key.key_id, key.secret_hash,
                     key.created or utc_now(), key.expires, None)
        return self.put("keys", api_key_key(key.user, key.name), key)

    def _revoke_api_key(self, write: w.RevokeApiKey) -> None:
        keys = self.table("keys")
        if api_key_key(write.user, write.name) not in keys:
            raise self.store.key_not_found(
                write.user, write.name, sorted(k.name for k in keys.values()
                                               if k.user == write.user))
        self.drop("keys", api_key_key(write.user, write.name))

    def _touch_api_key(self, write: w.TouchApiKey) -> None:
        for key, api_key in list(self.table("keys").items()):
            if api_key.key_id == write.key_id:
                self.put("keys", key, ApiKey(api_key.user, api_key.name, api_key.key_id,
                                             api_key.secret_hash, api_key.created,
                                             api_key.expires, write.when))
