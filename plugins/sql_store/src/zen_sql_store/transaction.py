"""Applying writes inside one database transaction, with the rows they depend on locked.

A :class:`SqlTransaction` lives on one connection, inside a transaction that
:meth:`zen_sql_store.store.SqlStore.apply` commits when every write succeeded
and rolls back otherwise (a batch is all or nothing). Each write goes to the
database at once, so the next one (and the rules) read what it wrote.

Locks, so that the rules always judge committed state and nothing is lost:

* a record a write changes or deletes is read ``FOR UPDATE`` and merged then
  (SQLite has no row locks: every writing transaction takes the database's
  write lock at ``BEGIN IMMEDIATE``);
* a stack write takes a share lock (``FOR SHARE`` / ``LOCK IN SHARE MODE``) on
  the components it will refer to: a concurrent update of one of them waits for
  it, and then checks the stack as written; or the stack write waits, and then
  sees the updated component;
* a component update that renames (stacks follow) or runs rules first locks the
  stacks using it, then the component (``FOR UPDATE``) and, with rules, those
  stacks' other members (share), the components in id order. Every write locks
  stacks before components, and components in one order, so two such writes
  wait for each other instead of deadlocking.

What a write read before taking its locks is read again under them; if it
changed (a stack began or stopped using the component meanwhile), the
transaction runs again (:class:`RetryTransaction`), as after a deadlock.

Registrations go set-wise: a run of consecutive component (or stack)
registrations in a batch is checked against the database with a few ``IN``
queries (chunks of :data:`CHUNK` names, components a type at a time, compiled
once and run on the driver's cursor), the rules run once per record, and
the rows are inserted with one ``executemany`` of the driver, the INSERT compiled
once (:mod:`zen_sql_store.bulk`). A single registration is a run of one: the same
queries, the same errors, in write order. A stack run share-locks its members
chunk by chunk, each chunk in id order (beyond one chunk two writers can
deadlock; that is retried like any deadlock).

The account writes (users, teams, roles, API keys) are in
:mod:`zen_sql_store.accounts`; they lean on the database's keys instead of
locks; the secret writes are in :mod:`zen_sql_store.secrets`. The events of
all the writes are inserted after the last one (:mod:`zen_sql_store.history`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, bindparam, delete, func, insert, literal, or_, select, update
from sqlalchemy.engine import Connection

from zen_core.exceptions import ZenError
from zen_core.models import Component, ComponentType, Stack, utc_now
from zen_core.writes import (
    AccountWrite,
    CreateSecret,
    DeleteComponent,
    DeleteSecret,
    DeleteStack,
    RegisterComponent,
    RegisterStack,
    UpdateComponent,
    UpdateSecret,
    UpdateStack,
    Write,
)
from zen_sql_store.accounts import AccountWrites
from zen_sql_store.bulk import bulk_insert
from zen_sql_store.compiled_reads import named_rows
from zen_sql_store.queries import (
    COMPONENT_COLUMNS,
    COMPONENTS,
    MEMBERS,
    STACKS,
    component_names,
    component_record,
    dump_config,
    dump_labels,
    stack_names,
    stacks_query,
)
from zen_sql_store.rows import load_labels, stack_records
from zen_sql_store.secrets import SecretWrites

if TYPE_CHECKING:
    from zen_core.store import StoreRules, Written
    from zen_sql_store.store import SqlStore

C, S, M = COMPONENTS.c, STACKS.c, MEMBERS.c

#: Names per ``IN (...)`` list: far below every database's limit on bound parameters.
CHUNK = 900
#: The columns of the rows the registrations insert (bulk.py), in their tuples' order.
_COMPONENT_ROW = ("type", "name", "flavor", "uuid", "config", "revision", "created",
                  "updated", "labels")
_STACK_ROW = ("name", "revision", "created", "updated", "labels")
_MEMBER_ROW = ("stack_id", "component_type", "component_id")


# The reads of a run of registrations, by name (``names_in``: an IN list; see _named).
# Components are read a type at a time: the unique index is on (type, name), so a list of
# names alone made the database scan the table for each chunk (quadratic in a batch).
def _components_named(names_in: Any) -> Any:
    return select(C.type, C.name).where(C.type == bindparam("t"), C.name.in_(names_in))


def _components_with_uuids(uuids_in: Any) -> Any:
    return select(C.uuid, C.type, C.name).where(C.uuid.in_(uuids_in))


def _stacks_named(names_in: Any) -> Any:
    return select(S.name).where(S.name.in_(names_in))


def _stack_ids_named(names_in: Any) -> Any:
    return select(S.name, S.id).where(S.name.in_(names_in))


def _members_named(names_in: Any) -> Any:
    return (select(C.id, *COMPONENT_COLUMNS).where(C.type == bindparam("t"),
                                                   C.name.in_(names_in))
            .order_by(C.id).with_for_update(read=True))


def _member_ids_named(names_in: Any) -> Any:
    """Without rules to run, a member's id alone: its configuration and times would be
    read for nothing (a profile copy's 10,000)."""
    return (select(C.id, C.type, C.name).where(C.type == bindparam("t"), C.name.in_(names_in))
            .order_by(C.id).with_for_update(read=True))


class RetryTransaction(Exception):
    """What a write read before locking changed under it: run the transaction again."""


class SqlTransaction(AccountWrites, SecretWrites):
    def __init__(self, store: SqlStore, connection: Connection,
                 rules: StoreRules | None) -> None:
        self.store = store
        self.connection = connection
        self.rules = rules
        self.where = store.location.describe()
        #: The contract's error for a unique constraint that the current write breaks
        #: (the database refused what another transaction committed meanwhile).
        self.conflict: Callable[[], ZenError] | None = None

    def apply_all(self, writes: Sequence[Write]) -> list[Written]:
        """Apply ``writes`` in order; runs of registrations of one kind set-wise."""
        written: list[Written] = []
        start = 0
        while start < len(writes):
            kind = type(writes[start])
            end = start + 1
            if kind in (RegisterComponent, RegisterStack):
                while end < len(writes) and type(writes[end]) is kind:
                    end += 1
            run = writes[start:end]
            self.conflict = None
            if kind is RegisterComponent:
                written.extend(self._register_components([w.component for w in run]))
            elif kind is RegisterStack:
                written.extend(self._register_stacks([w.stack for w in run]))
            else:
                written.append(self.apply(run[0]))
            start = end
        self.conflict = None
        return written

    def apply(self, write: Write) -> Written:
        self.conflict = None
        if isinstance(write, AccountWrite):
            return self.apply_account(write)  # zen_sql_store.accounts
        if isinstance(write, RegisterComponent):
            return self._register_components([write.component])[0]
        if isinstance(write, UpdateComponent):
            return self._update_component(write)
        if isinstance(write, DeleteComponent):
            return self._delete_component(write)
        if isinstance(write, RegisterStack):
            return self._register_stacks([write.stack])[0]
        if isinstance(write, UpdateStack):
            return self._update_stack(write)
        if isinstance(write, DeleteStack):
            return self._delete_stack(write)
        if isinstance(write, CreateSecret):  # zen_sql_store.secrets
            return self._create_secret(write)
        if isinstance(write, UpdateSecret):
            return self._update_secret(write)
        if isinstance(write, DeleteSecret):
            return self._delete_secret(write)
        raise TypeError(f"Not a write: {write!r}")

    # --- reading -------------------------------------------------------------------------
    def _named(self, key: str, statement: Callable[[Any], Any],
               names: Sequence[str]) -> Iterator[tuple[Any, ...]]:
        """The rows of ``statement`` for ``names``, :data:`CHUNK` names a query, run on the
        driver's cursor as compiled once (compiled_reads.named_rows): the driver's values,
        times as it gives them."""
        return named_rows(self.connection, key, statement, names, CHUNK)

    def _components_named(self, key: str, statement: Callable[[Any], Any],
                          keys: set[tuple[str, str]]) -> Iterator[tuple[Any, ...]]:
        """:meth:`_named` for the components ``keys`` (type value, name), a type at a time,
        in type order."""
        by_type: dict[str, list[str]] = {}
        for ctype, name in keys:
            by_type.setdefault(ctype, []).append(name)
        for ctype in sorted(by_type):
            yield from named_rows(self.connection, key, statement, sorted(by_type[ctype]),
                                  CHUNK, t=ctype)

    def _component_id(self, ctype: ComponentType, name: str) -> int | None:
        return self._execute(select(C.id).where(C.type == ctype.value, C.name == name)).scalar()

    def _stack_id(self, name: str) -> int | None:
        return self._execute(select(S.id).where(S.name == name)).scalar()

    def _component_not_found(self, ctype: ComponentType, name: str) -> ZenError:
        return self.store.component_not_found(ctype, name,
                                              component_names(self.connection, ctype))

    def _stack_not_found(self, name: str) -> ZenError:
        return self.store.stack_not_found(name, stack_names(self.connection))

    def _stacks_using(self, component_id: int) -> list[int]:
        return sorted(self._execute(
            select(M.stack_id).where(M.component_id == component_id)).scalars())

    def _lock_components(self, ids: list[int], *, share: bool) -> None:
        if ids:
            self._execute(select(C.id).where(C.id.in_(ids)).order_by(C.id)
                          .with_for_update(read=share)).all()

    def _members(self, components: Mapping[ComponentType, str]
                 ) -> dict[ComponentType, tuple[int, Component]]:
        """The components a stack will refer to, share-locked; not found if one is missing."""
        if not components:
            return {}
        wanted = or_(*(and_(C.type == t.value, C.name == n) for t, n in components.items()))
        rows = self._execute(select(C.id, *COMPONENT_COLUMNS).where(wanted).order_by(C.id)
                             .with_for_update(read=True)).all()
        found = {(row[1], row[2]): row for row in rows}
        members = {}
        for ctype, name in components.items():
            row = found.get((ctype.value, name))
            if row is None:
                raise self._component_not_found(ctype, name)
            members[ctype] = (row[0], component_record(row[1:], self.where))
        return members

    def _check_stacks(self, stack_ids: list[int]) -> None:
        """Run the stack rules on the stacks ``stack_ids`` as they are now (all locked)."""
        if self.rules is None or not stack_ids:
            return
        stacks = stack_records(self._execute(stacks_query().where(S.id.in_(stack_ids))))
        members: dict[str, dict[ComponentType, Component]] = {s.name: {} for s in stacks}
        rows = self._execute(
            select(S.name, *COMPONENT_COLUMNS)
            .select_from(STACKS)
            .join(MEMBERS, M.stack_id == S.id)
            .join(COMPONENTS, C.id == M.component_id)
            .where(S.id.in_(stack_ids))
        )
        for row in rows:
            member = component_record(row[1:], self.where)
            members[row[0]][member.type] = member
        for stack in stacks:
            self.rules.check_stack(stack, members[stack.name])

    # --- components ----------------------------------------------------------------------
    def _existing_components(self, keys: Iterable[tuple[ComponentType, str]]
                             ) -> set[tuple[str, str]]:
        """Which of ``keys`` are registered, as (type value, name)."""
        wanted = {(t.value, n) for t, n in keys}
        return set(self._components_named("components", _components_named, wanted))

    def _uuid_holders(self, uuids: Iterable[str]) -> dict[str, tuple[ComponentType, str]]:
        """Which of ``uuids`` registered components hold: uuid -> (type, name)."""
        rows = self._named("component uuids", _components_with_uuids, sorted(set(uuids)))
        return {uuid: (ComponentType.parse(ctype), name) for uuid, ctype, name in rows}

    def _register_components(self, components: Sequence[Component]) -> list[Component]:
        """Register ``components`` in order (set-wise: see the module doc)."""
        keys = [(c.type, c.name) for c in components]
        taken = self._existing_components(keys)
        holders = self._uuid_holders(c.uuid for c in components)
        written_all: list[Component] = []
        rows = []
        for component in components:
            key = (component.type.value, component.name)
            if key in taken:
                raise self.store.component_exists(component.type, component.name)
            holder = holders.get(component.uuid)
            if holder is not None:
                raise self.store.component_uuid_taken(component.uuid, *holder)
            taken.add(key)
            holders[component.uuid] = (component.type, component.name)
            if self.rules is not None:
                component = self.rules.check_component(component)
            written = component.stamped()
            written_all.append(written)
            rows.append((key[0], written.name, written.flavor, written.uuid,
                         dump_config(written), written.revision, written.created,
                         written.updated, dump_labels(written)))

        def conflict(again: SqlTransaction) -> ZenError:
            taken = again._existing_components(keys)
            named = next((k for k in keys if (k[0].value, k[1]) in taken), None)
            if named is not None:
                return self.store.component_exists(*named)
            holders = again._uuid_holders(c.uuid for c in written_all)
            uuid = next((c.uuid for c in written_all if c.uuid in holders), None)
            if uuid is not None:
                return self.store.component_uuid_taken(uuid, *holders[uuid])
            return self.store.component_exists(*keys[0])

        self.conflict = lambda: self._afterwards(conflict)
        bulk_insert(self.connection, COMPONENTS, _COMPONENT_ROW, rows)
        return written_all

    def _afterwards(self, find: Callable[[SqlTransaction], ZenError]) -> ZenError:
        """``find`` run in a new read transaction: the contract's error for a key still
        taken after the last attempt (another writer's commit)."""
        store = self.store
        return store._run(lambda connection: find(SqlTransaction(store, connection, None)))

    def _update_component(self, write: UpdateComponent) -> Component:
        ctype, name, change = write.type, write.name, write.change
        renaming = change.name is not None and change.name != name
        stack_ids: list[int] = []
        later: list[int] = []  # members to share-lock after the component (higher ids)
        if renaming or self.rules is not None:
            # The stacks it is in, locked first (see the module doc); then, with rules,
            # their members before and after it in id order.
            component_id = self._component_id(ctype, name)
            if component_id is None:
                raise self._component_not_found(ctype, name)
            stack_ids = self._stacks_using(component_id)
            if stack_ids:
                self._execute(select(S.id).where(S.id.in_(stack_ids)).order_by(S.id)
                              .with_for_update(read=not renaming)).all()
                if self.rules is not None:
                    others = sorted(set(self._execute(
                        select(M.component_id).where(M.stack_id.in_(stack_ids))).scalars())
                        - {component_id})
                    self._lock_components([i for i in others if i < component_id], share=True)
                    later = [i for i in others if i > component_id]
        row = self._execute(
            select(C.id, *COMPONENT_COLUMNS)
            .where(C.type == ctype.value, C.name == name).with_for_update()
        ).first()
        if row is None:  # renamed or deleted since we read its id: this write comes after
            raise self._component_not_found(ctype, name)
        component_id = row[0]
        if renaming or self.rules is not None:
            self._lock_components(later, share=True)
            if self._stacks_using(component_id) != stack_ids:
                raise RetryTransaction(
                    f"a stack began or stopped using {ctype.display} '{name}' meanwhile")
        current = component_record(row[1:], self.where)
        self.store.check_revision(f"{ctype.display} '{name}'", current,
                                  change.expected_revision)
        new = change.apply(current)
        if renaming:
            if self._component_id(ctype, new.name) is not None:
                raise self.store.component_exists(ctype, new.name)
            self.conflict = lambda: self.store.component_exists(ctype, new.name)
        if self.rules is not None:
            new = self.rules.check_component(new)
        written = new.stamped(current)
        self._execute(update(COMPONENTS).where(C.id == component_id).values(
            name=written.name, flavor=written.flavor, uuid=written.uuid,
            config=dump_config(written), revision=written.revision,
            created=written.created, updated=written.updated, labels=dump_labels(written),
        ))
        if renaming and stack_ids:
            # The stacks follow by themselves (they refer to the id), and get a new revision.
            now = utc_now()
            self._execute(update(STACKS).where(S.id.in_(stack_ids)).values(
                revision=S.revision + 1, updated=now,
                created=func.coalesce(S.created, literal(now, S.created.type)),
            ))
        self._check_stacks(stack_ids)
        return written

    def _delete_component(self, write: DeleteComponent) -> None:
        ctype, name = write.type, write.name
        row = self._execute(
            select(C.id, *COMPONENT_COLUMNS)
            .where(C.type == ctype.value, C.name == name).with_for_update()
        ).first()
        if row is None:
            raise self._component_not_found(ctype, name)
        current = component_record(row[1:], self.where)
        self.store.check_revision(f"{ctype.display} '{name}'", current,
                                  write.expected_revision)
        users = self._execute(
            select(S.name).join(MEMBERS, M.stack_id == S.id).where(M.component_id == row[0])
        ).scalars().all()
        if users:
            raise self.store.component_in_use(ctype, name, users)
        self._execute(delete(COMPONENTS).where(C.id == row[0]))

    # --- stacks ---------------------------------------------------------------------------
    def _existing_stacks(self, names: Iterable[str]) -> set[str]:
        return {name for name, in self._named("stacks", _stacks_named, sorted(set(names)))}

    def _member_rows(self, keys: Iterable[tuple[ComponentType, str]]
                     ) -> dict[tuple[str, str], Any]:
        """The rows (id, *COMPONENT_COLUMNS) of the components ``keys``, share-locked;
        without rules to run, (id, type, name) only: the rest would be read for nothing
        (a profile copy's 10,000 configurations and times)."""
        wanted = {(t.value, n) for t, n in keys}
        if self.rules is not None:
            rows = self._components_named("members", _members_named, wanted)
        else:
            rows = self._components_named("member ids", _member_ids_named, wanted)
        return {(row[1], row[2]): row for row in rows}

    def _register_stacks(self, stacks: Sequence[Stack]) -> list[Stack]:
        """Register ``stacks`` in order (set-wise: see the module doc)."""
        names = [s.name for s in stacks]
        taken = self._existing_stacks(names)
        rows = self._member_rows({(t, n) for s in stacks for t, n in s.components.items()})
        records: dict[tuple[str, str], Component] = {}  # members as records, for the rules
        written_all: list[Stack] = []
        members: list[tuple[str, str, int]] = []  # (stack name, type, component id)
        for stack in stacks:
            if stack.name in taken:
                raise self.store.stack_exists(stack.name)
            taken.add(stack.name)
            found: dict[ComponentType, Any] = {}
            for ctype, cname in stack.components.items():
                row = rows.get((ctype.value, cname))
                if row is None:
                    raise self._component_not_found(ctype, cname)
                found[ctype] = row
            written = stack.stamped()
            if self.rules is not None:
                for row in found.values():
                    if (row[1], row[2]) not in records:
                        records[(row[1], row[2])] = component_record(row[1:], self.where,
                                                                     times=True)
                self.rules.check_stack(written, {t: records[(row[1], row[2])]
                                                 for t, row in found.items()})
            written_all.append(written)
            members.extend((stack.name, t.value, row[0]) for t, row in found.items())

        def conflict(again: SqlTransaction) -> ZenError:
            taken = again._existing_stacks(names)
            return self.store.stack_exists(next((n for n in names if n in taken), names[0]))

        self.conflict = lambda: self._afterwards(conflict)
        bulk_insert(self.connection, STACKS, _STACK_ROW, [
            (w.name, w.revision, w.created, w.updated, dump_labels(w)) for w in written_all])
        if members:
            ids = dict(self._named("stack ids", _stack_ids_named, names))
            bulk_insert(self.connection, MEMBERS, _MEMBER_ROW, [
                (ids[name], ctype, component_id) for name, ctype, component_id in members])
        return written_all

    def _locked_stack(self, name: str) -> tuple[int, Stack, dict[str, int]]:
        """The stack ``name`` locked for update: its id, record, and member ids by type."""
        row = self._execute(select(S.id, S.revision, S.created, S.updated, S.labels)
                            .where(S.name == name).with_for_update()).first()
        if row is None:
            raise self._stack_not_found(name)
        members = self._execute(
            select(M.component_type, C.name, M.component_id)
            .join(COMPONENTS, C.id == M.component_id).where(M.stack_id == row[0])
        ).all()
        stack = Stack(name, {t: n for t, n, _ in members}, revision=row[1], created=row[2],
                      updated=row[3], labels=load_labels(row[4]))
        return row[0], stack, {t: i for t, _, i in members}

    def _update_stack(self, write: UpdateStack) -> Stack:
        name, change = write.name, write.change
        stack_id, current, old_ids = self._locked_stack(name)
        self.store.check_revision(f"stack '{name}'", current, change.expected_revision)
        new = change.apply(current)
        if new.name != name:
            if self._stack_id(new.name) is not None:
                raise self.store.stack_exists(new.name)
            self.conflict = lambda: self.store.stack_exists(new.name)
        members = self._members(new.components)
        written = new.stamped(current)
        if self.rules is not None:
            self.rules.check_stack(written, {t: c for t, (_, c) in members.items()})
        self._execute(update(STACKS).where(S.id == stack_id).values(
            name=written.name, revision=written.revision, created=written.created,
            updated=written.updated, labels=dump_labels(written),
        ))
        new_ids = {t.value: i for t, (i, _) in members.items()}
        removed = [t for t in old_ids if t not in new_ids]
        if removed:
            self._execute(delete(MEMBERS).where(M.stack_id == stack_id,
                                                M.component_type.in_(removed)))
        for ctype, component_id in new_ids.items():
            if ctype in old_ids and old_ids[ctype] != component_id:
                self._execute(update(MEMBERS)
                              .where(M.stack_id == stack_id, M.component_type == ctype)
                              .values(component_id=component_id))
        added = [{"stack_id": stack_id, "component_type": t, "component_id": i}
                 for t, i in new_ids.items() if t not in old_ids]
        if added:
            self._execute(insert(MEMBERS), added)
        return written

    def _delete_stack(self, write: DeleteStack) -> None:
        _, current, _ = self._locked_stack(write.name)
        self.store.check_revision(f"stack '{write.name}'", current, write.expected_revision)
        # Its rows in zen_stack_components go with it (ON DELETE CASCADE).
        self._execute(delete(STACKS).where(S.name == write.name))
