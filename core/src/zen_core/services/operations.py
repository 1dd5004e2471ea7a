"""The write kinds an edge may ask for, each with its permission and its pre-checks, once.

Every write goes through :func:`check` on its way to the store
(:meth:`zen_core.services.access.StoreAccess.write`): the single operations
(:mod:`.stacks`, :mod:`.components`, :mod:`.secrets`, :mod:`.accounts`, :mod:`.keys`), a
batch (:mod:`.batch`, the service's ``POST /api/v1/batch``), imports and copies. So a
rename onto itself is refused alike through ``PATCH`` and in a batch, and a write
kind that is not in :data:`OPERATIONS` (``TouchApiKey``: the service's own
bookkeeping of a key's use) is refused to every edge.

The checks here need no lock: what depends on the state at the moment of the
write (a name taken, a component in use, a stack rule, an admin left) is checked
by the store inside its transaction, with the rules of :mod:`.rules`. References
to secrets are checked here, against the secrets as they are before the write.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from zen_core import masking
from zen_core.accounts import Permission
from zen_core.exceptions import InUseError, InvalidDataError, NotFoundError
from zen_core.models import REQUIRED_TYPES, RESERVED_CONFIG_KEYS, Component
from zen_core.services import references
from zen_core.writes import (
    AddTeamMember,
    AssignRole,
    CreateApiKey,
    CreateSecret,
    CreateTeam,
    CreateUser,
    DeleteComponent,
    DeleteSecret,
    DeleteStack,
    DeleteTeam,
    DeleteUser,
    RegisterComponent,
    RegisterStack,
    RemoveTeamMember,
    RevokeApiKey,
    RevokeRole,
    UpdateComponent,
    UpdateSecret,
    UpdateStack,
    Write,
    op_name,
)

if TYPE_CHECKING:
    from zen_core.services.access import StoreAccess

Check = Callable[["Batch", Any], None]


class Batch:
    """What the checks of one batch see: the door, and the secrets the writes before the
    one checked create, change or delete (a reference may name a secret the same batch
    creates)."""

    def __init__(self, access: StoreAccess) -> None:
        self.access = access
        #: Each secret written so far in the batch: its keys after those writes, or None.
        self.secrets: dict[str, list[str] | None] = {}

    def keys_of(self, name: str) -> list[str]:
        if name in self.secrets and self.secrets[name] is not None:
            return list(self.secrets[name] or [])
        return self.access.bookkeeping().get_secret(name).keys

    def wrote(self, write: Write) -> None:
        if isinstance(write, CreateSecret):
            self.secrets[write.secret.name] = write.secret.keys
        elif isinstance(write, UpdateSecret):
            change = write.change
            try:
                keys = set(self.keys_of(write.name))
            except NotFoundError:
                return  # the store refuses it
            keys = (keys - set(change.unset)) | set(change.set)
            if change.name and change.name != write.name:
                self.secrets[write.name] = None
            self.secrets[change.name or write.name] = sorted(keys)
        elif isinstance(write, DeleteSecret):
            self.secrets[write.name] = None


@dataclass(frozen=True)
class Operation:
    permission: Permission
    #: Refuses the write before it reaches the store (InvalidDataError, not found...).
    check: Check | None = None


def _holds_the_mask(values: Mapping[str, Any]) -> bool:
    return any(isinstance(v, str) and v == masking.MASK for v in values.values())


def _no_mask_written(batch: Batch, component: Component, values: Mapping[str, Any]) -> None:
    """A masked value is never data: ``********`` in a secret field is what a reader who
    may not see the value was shown, and writing it back would replace the secret."""
    if not _holds_the_mask(values):
        return
    masked = sorted(k for k in batch.access.secret_keys(component) & set(values)
                    if values[k] == masking.MASK)
    if masked:
        raise InvalidDataError(
            f"The value of '{masked[0]}' of {component.type.display} '{component.name}' is the "
            f"mask {masking.MASK} shown to those who may not read secrets, not the secret: "
            "give the real value, or leave the key out to keep the stored one."
        )


def _references_checked(batch: Batch, component: Component,
                        values: Mapping[str, Any]) -> None:
    """Every reference names an existing secret and key, which the actor may read."""
    access = batch.access
    if any(r.source not in references.backends() for r in references.in_config(values)):
        store = access.checked(Permission.READ_SECRETS)
    else:
        store = access.bookkeeping()
    references.check(store, values, f"{component.type.display} '{component.name}'",
                     batch.secrets)


def _register_component(batch: Batch, write: RegisterComponent) -> None:
    _no_mask_written(batch, write.component, write.component.config)
    _references_checked(batch, write.component, write.component.config)


def _update_component(batch: Batch, write: UpdateComponent) -> None:
    change, ctype, name = write.change, write.type, write.name
    reserved = sorted(set(RESERVED_CONFIG_KEYS) & (set(change.set) | set(change.unset)))
    if reserved:
        raise InvalidDataError(
            f"Cannot update mandatory property '{reserved[0]}' of {ctype.display} '{name}'."
            + (" Use `rename` instead." if reserved[0] == "name" else "")
        )
    if change.is_empty:
        raise InvalidDataError(f"Nothing to change in {ctype.display} '{name}'.")
    store = batch.access.bookkeeping()
    if change.name == name and not (change.set or change.unset or change.flavor or change.labels):
        store.get_component(ctype, name)  # not found first, as for any other name
        raise store.component_exists(ctype, name)
    if _holds_the_mask(change.set):
        flavor = change.flavor or store.get_component(ctype, name).flavor
        _no_mask_written(batch, Component(ctype, flavor, name, {}), change.set)
    _references_checked(batch, Component(ctype, change.flavor or "-", name, {}), change.set)


def _update_stack(batch: Batch, write: UpdateStack) -> None:
    change, name = write.change, write.name
    required = [t for t in change.remove if t in REQUIRED_TYPES]
    if required:
        raise InvalidDataError(
            f"The {required[0].display} of a stack cannot be removed, only replaced "
            "(`zenml stack update`)."
        )
    if change.is_empty:
        raise InvalidDataError(f"Nothing to change in stack '{name}'.")
    if change.name == name and not (change.set or change.remove or change.labels):
        store = batch.access.bookkeeping()
        store.get_stack(name)
        raise store.stack_exists(name)


def _not_a_backend(name: str) -> None:
    if name in references.backends():
        raise InvalidDataError(f"A secret cannot be named '{name}': {{{{{name}.KEY}}}} refers "
                               f"to the '{name}' secret back-end. Choose another name.")


def _create_secret(batch: Batch, write: CreateSecret) -> None:
    _not_a_backend(write.secret.name)


def _update_secret(batch: Batch, write: UpdateSecret) -> None:
    change, name = write.change, write.name
    if change.is_empty:
        raise InvalidDataError(f"Nothing to change in secret '{name}'.")
    store = batch.access.bookkeeping()
    if change.name == name and not (change.set or change.unset):
        store.get_secret(name)
        raise store.secret_exists(name)
    if change.name:
        _not_a_backend(change.name)
        _not_referred_to(store, name, f"rename secret '{name}'")
    if change.unset:
        gone = set(change.unset)
        users = [c for c in store.list_components()
                 if any(r.source == name and r.key in gone for r in references.in_config(c.config))]
        if users:
            raise InUseError(
                f"Cannot remove keys of secret '{name}': "
                f"{_listing(references.referrers(users, name))} refer to them. Change them "
                "first (`zenml <type> update NAME --KEY=...`).")


def _delete_secret(batch: Batch, write: DeleteSecret) -> None:
    _not_referred_to(batch.access.bookkeeping(), write.name, f"delete secret '{write.name}'")


def _not_referred_to(store: Any, name: str, what: str) -> None:
    users = references.referrers(store.list_components(), name)
    if users:
        raise InUseError(f"Cannot {what}: {_listing(users)} "
                         f"{'refers' if len(users) == 1 else 'refer'} to it. Change "
                         f"{'it' if len(users) == 1 else 'them'} first.")


def _listing(words: list[str]) -> str:
    return " and ".join(filter(None, [", ".join(words[:-1]), words[-1]]))


WRITE, ADMIN = Permission.WRITE, Permission.ADMIN

#: Every write kind an edge may ask for. Stacks, components and secrets: editors;
#: accounts: admins.
OPERATIONS: dict[type, Operation] = {
    RegisterComponent: Operation(WRITE, _register_component),
    UpdateComponent: Operation(WRITE, _update_component),
    DeleteComponent: Operation(WRITE),
    RegisterStack: Operation(WRITE),
    UpdateStack: Operation(WRITE, _update_stack),
    DeleteStack: Operation(WRITE),
    CreateSecret: Operation(WRITE, _create_secret),
    UpdateSecret: Operation(WRITE, _update_secret),
    DeleteSecret: Operation(WRITE, _delete_secret),
    CreateUser: Operation(ADMIN),
    DeleteUser: Operation(ADMIN),
    CreateTeam: Operation(ADMIN),
    DeleteTeam: Operation(ADMIN),
    AddTeamMember: Operation(ADMIN),
    RemoveTeamMember: Operation(ADMIN),
    AssignRole: Operation(ADMIN),
    RevokeRole: Operation(ADMIN),
    CreateApiKey: Operation(ADMIN),
    RevokeApiKey: Operation(ADMIN),
}


def permission_for(writes: Sequence[Write]) -> Permission:
    """The permission ``writes`` need together: admin if any needs it, else write."""
    return ADMIN if any(_operation(w).permission is ADMIN for w in writes) else WRITE


def check(access: StoreAccess, writes: Sequence[Write]) -> None:
    """Each write's pre-checks, in order; the first that fails refuses them all."""
    batch = Batch(access)
    for write in writes:
        operation = _operation(write)
        if operation.check is not None:
            operation.check(batch, write)
        batch.wrote(write)


def _operation(write: Write) -> Operation:
    operation = OPERATIONS.get(type(write))
    if operation is None:
        raise InvalidDataError(f"Invalid write: '{op_name(write)}' is not an operation of "
                               "the API.")
    return operation
