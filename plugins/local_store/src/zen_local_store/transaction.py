"""Applying writes to a fresh copy of the index, then committing them to disk.

A :class:`Transaction` lives inside the store's lock. Each write changes the
in-memory index and the components (or secrets) it loaded; nothing touches the disk until
:meth:`Transaction.commit`, so a write that fails (not found, in use, a rule)
leaves the store as it was. The commit goes through the journal, one commit
point for the files and the history events, so a batch is all or nothing even
if the process is killed. A config-only update leaves the index alone, so its
cost does not grow with the store.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from zen_core.account_records import Event
from zen_core.models import Component, ComponentType, Stack
from zen_core.secret_records import Secret
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
    may_remove_an_admin,
    op_name,
)
from zen_local_store.journal import Commit
from zen_local_store.meta import META_KEY, meta_of

if TYPE_CHECKING:
    from zen_core.store import StoreRules, Written
    from zen_local_store.store import LocalStore


class Transaction:
    def __init__(self, store: LocalStore, data: dict[str, Any], rules: StoreRules | None,
                 uuids: dict[str, tuple[ComponentType, str]] | None = None) -> None:
        self.store = store
        self.data = data
        self.rules = rules
        self.stacks: dict[str, dict[str, str]] = data["stacks"]
        self.index: dict[str, dict[str, str]] = data["stack_components"]
        meta = data.get(META_KEY)
        self.meta: dict[str, Any] = (meta if isinstance(meta, dict) else {})
        data[META_KEY] = self.meta
        if not isinstance(self.meta.get("stacks"), dict):
            self.meta["stacks"] = {}
        #: Components loaded or written here; None: deleted (its file goes at commit).
        self.components: dict[tuple[ComponentType, str], Component | None] = {}
        self.changed: set[tuple[ComponentType, str]] = set()
        self.index_changed = False
        #: The secrets, read on the first secret write (other writes never open the file).
        self._secrets: dict[str, Secret] | None = None
        self.secrets_changed = False
        #: Every component's uuid -> (type, name): as the store's last write left them, or
        #: read on the first registration; then kept up to date by the writes.
        self.uuids = uuids

    # --- reading through the transaction ---------------------------------------------
    def component(self, ctype: ComponentType, name: str) -> Component:
        entries = self.index.get(ctype.value) or {}
        if name not in entries:
            raise self.store.component_not_found(ctype, name, entries)
        key = (ctype, name)
        found = self.components.get(key)
        if found is None:
            found = self.components[key] = self.store.load_component(ctype, name, entries[name])
        return found

    def stack(self, name: str) -> Stack:
        if name not in self.stacks:
            raise self.store.stack_not_found(name, self.stacks)
        return self.store.stack_record(self.data, name)

    def members(self, stack: Stack) -> dict[ComponentType, Component]:
        return {t: self.component(t, n) for t, n in stack.components.items()}

    def _check_stack(self, stack: Stack, members: dict[ComponentType, Component]) -> None:
        if self.rules is not None:
            self.rules.check_stack(stack, members)

    # --- writes --------------------------------------------------------------------------
    def apply(self, write: Write) -> Written:
        if isinstance(write, AccountWrite):
            from zen_local_store.accounts import Accounts

            self.index_changed = True
            return Accounts(self.data).apply(self.store, write)
        return getattr(self, f"_{op_name(write)}")(write)

    def check_accounts(self, writes: Sequence[Write]) -> None:
        """The rules' check of the accounts after a removal, on them as they will be
        written (the index's lock is held: no other write can change them meanwhile)."""
        if self.rules is None or not may_remove_an_admin(writes):
            return
        from zen_local_store.accounts import Accounts

        accounts = Accounts(self.data)
        self.rules.check_accounts(writes, accounts.role_assignments(), accounts.teams())

    def _put_component(self, component: Component) -> None:
        key = (component.type, component.name)
        self.components[key] = component
        self.changed.add(key)

    def component_uuids(self) -> dict[str, tuple[ComponentType, str]]:
        """Every component's uuid -> (type, name), as this transaction left them (read on
        first use unless the store's last write left them: LocalStore.component_uuids)."""
        if self.uuids is None:
            self.uuids = self.store.component_uuids(self.index, self.components)
        return self.uuids

    def _register_component(self, write: RegisterComponent) -> Component:
        component = write.component
        entries = self.index.setdefault(component.type.value, {})
        if component.name in entries:
            raise self.store.component_exists(component.type, component.name)
        holder = self.component_uuids().get(component.uuid)
        if holder is not None:
            raise self.store.component_uuid_taken(component.uuid, *holder)
        if self.rules is not None:
            component = self.rules.check_component(component)
        written = component.stamped()
        entries[written.name] = written.flavor
        self._put_component(written)
        self.component_uuids()[written.uuid] = (written.type, written.name)
        self.index_changed = True
        return written

    def _update_component(self, write: UpdateComponent) -> Component:
        ctype, name, change = write.type, write.name, write.change
        current = self.component(ctype, name)
        self.store.check_revision(f"{ctype.display} '{name}'", current,
                                  change.expected_revision)
        entries = self.index[ctype.value]
        new = change.apply(current)
        renamed = new.name != name
        if renamed and new.name in entries:
            raise self.store.component_exists(ctype, new.name)
        if self.rules is not None:
            new = self.rules.check_component(new)
        written = new.stamped(current)
        if renamed or written.flavor != current.flavor:
            del entries[name]
            entries[written.name] = written.flavor
            self.index_changed = True
        if renamed:
            self.components[(ctype, name)] = None
            self.changed.add((ctype, name))
            if self.uuids is not None:
                self.uuids[written.uuid] = (ctype, written.name)
        self._put_component(written)
        for stack_name, members in self.stacks.items():
            if members.get(ctype.value) != name:
                continue
            if renamed:
                members[ctype.value] = written.name
                self._restamp_stack(stack_name)
            stack = self.stack(stack_name)
            self._check_stack(stack, self.members(stack))
        return written

    def _delete_component(self, write: DeleteComponent) -> None:
        current = self.component(write.type, write.name)
        self.store.check_revision(f"{write.type.display} '{write.name}'", current,
                                  write.expected_revision)
        users = [s for s, members in self.stacks.items()
                 if members.get(write.type.value) == write.name]
        if users:
            raise self.store.component_in_use(write.type, write.name, users)
        del self.index[write.type.value][write.name]
        self.components[(write.type, write.name)] = None
        if self.uuids is not None:
            self.uuids.pop(current.uuid, None)
        self.changed.add((write.type, write.name))
        self.index_changed = True

    def _store_stack(self, stack: Stack) -> Stack:
        self._check_stack(stack, self.members(stack))
        self.stacks[stack.name] = {t.value: n for t, n in stack.components.items()}
        self.meta["stacks"][stack.name] = meta_of(stack)
        self.index_changed = True
        return stack

    def _restamp_stack(self, name: str) -> None:
        stack = self.stack(name)
        self.meta["stacks"][name] = meta_of(stack.stamped(stack))

    def _register_stack(self, write: RegisterStack) -> Stack:
        stack = write.stack
        if stack.name in self.stacks:
            raise self.store.stack_exists(stack.name)
        return self._store_stack(stack.stamped())

    def _update_stack(self, write: UpdateStack) -> Stack:
        current = self.stack(write.name)
        self.store.check_revision(f"stack '{write.name}'", current,
                                  write.change.expected_revision)
        new = write.change.apply(current)
        if new.name != write.name:
            if new.name in self.stacks:
                raise self.store.stack_exists(new.name)
            self.members(new)  # a missing member is reported before the old name goes
            del self.stacks[write.name]
            self.meta["stacks"].pop(write.name, None)
        return self._store_stack(new.stamped(current))

    def _delete_stack(self, write: DeleteStack) -> None:
        current = self.stack(write.name)
        self.store.check_revision(f"stack '{write.name}'", current, write.expected_revision)
        del self.stacks[write.name]
        self.meta["stacks"].pop(write.name, None)
        self.index_changed = True

    # --- secrets ---------------------------------------------------------------------------
    @property
    def secrets(self) -> dict[str, Secret]:
        if self._secrets is None:
            self._secrets = self.store.read_secrets()
        return self._secrets

    def secret(self, name: str) -> Secret:
        if name not in self.secrets:
            raise self.store.secret_not_found(name, sorted(self.secrets))
        return self.secrets[name]

    def _put_secret(self, secret: Secret) -> Secret:
        self.secrets[secret.name] = secret
        self.secrets_changed = True
        return secret

    def _create_secret(self, write: CreateSecret) -> Secret:
        if write.secret.name in self.secrets:
            raise self.store.secret_exists(write.secret.name)
        holder = next((s for s in self.secrets.values() if s.uuid == write.secret.uuid), None)
        if holder is not None:
            raise self.store.secret_uuid_taken(write.secret.uuid, holder.name)
        return self._put_secret(write.secret.stamped())

    def _update_secret(self, write: UpdateSecret) -> Secret:
        current = self.secret(write.name)
        self.store.check_revision(f"secret '{write.name}'", current,
                                  write.change.expected_revision)
        new = write.change.apply(current)
        if new.name != write.name:
            if new.name in self.secrets:
                raise self.store.secret_exists(new.name)
            del self.secrets[write.name]
        return self._put_secret(new.stamped(current))

    def _delete_secret(self, write: DeleteSecret) -> None:
        current = self.secret(write.name)
        self.store.check_revision(f"secret '{write.name}'", current, write.expected_revision)
        del self.secrets[write.name]
        self.secrets_changed = True

    # --- to disk --------------------------------------------------------------------------
    def commit(self, events: list[Event]) -> str | None:
        """Stage the component files, the secrets and the index, then commit them with
        ``events`` through the journal (:mod:`zen_local_store.journal`): all or nothing.
        Returns the index text written, None if the index did not change."""
        store = self.store
        commit = Commit(store.root)
        text = None
        try:
            for key in sorted(self.changed, key=lambda k: (k[0].value, k[1])):
                component = self.components[key]
                if component is None:
                    commit.remove(store.component_path(*key))
                else:
                    commit.write(store.component_path(*key), store.component_text(component))
            if self.secrets_changed:
                commit.write(store.secrets_file.path, store.secrets_file.text(self.secrets))
            if self.index_changed:
                from zen_core.fileio import dump_yaml_as_json

                # Drop empty per-type maps so the file stays like ZenML 0.7's.
                self.data["stack_components"] = {t: c for t, c in self.index.items() if c}
                # NOTE: JSON syntax (still YAML, as 0.7 reads it): parsing and writing the
                # index is most operations' main cost, and json is ~30x faster than PyYAML.
                text = dump_yaml_as_json(self.data)
                commit.write(store.index_path, text)  # the last rename: names them all
            store.history.number(events)
            commit.events = events
        except BaseException:
            commit.discard()
            raise
        store.journal.commit(commit)
        return text
