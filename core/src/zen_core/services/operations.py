"""The write kinds an edge may ask for, each with its permission and its pre-checks, once.

Every write goes through :func:`check` on its way to the store
(:meth:`zen_core.services.access.StoreAccess.write`): the single operations
(:mod:`.stacks`, :mod:`.components`, :mod:`.accounts`, :mod:`.keys`), a batch
(:mod:`.batch`, the service's ``POST /api/v1/batch``), imports and copies. So a
rename onto itself is refused alike through ``PATCH`` and in a batch, and a write
kind that is not in :data:`OPERATIONS` (``TouchApiKey``: the service's own
bookkeeping of a key's use) is refused to every edge.

The checks here need no lock: what depends on the state at the moment of the
write (a name taken, a component in use, a stack rule, an admin left) is checked
by the store inside its transaction, with the rules of :mod:`.rules`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from zen_core import masking
from zen_core.accounts import Permission
from zen_core.exceptions import InvalidDataError
from zen_core.models import REQUIRED_TYPES, RESERVED_CONFIG_KEYS, Component, ComponentType
from zen_core.writes import (
    AddTeamMember,
    AssignRole,
    CreateApiKey,
    CreateTeam,
    CreateUser,
    DeleteComponent,
    DeleteStack,
    DeleteTeam,
    DeleteUser,
    RegisterComponent,
    RegisterStack,
    RemoveTeamMember,
    RevokeApiKey,
    RevokeRole,
    UpdateComponent,
    UpdateStack,
    Write,
    op_name,
)

if TYPE_CHECKING:
    from zen_core.store import BaseStore

Check = Callable[["BaseStore", Any, "SecretKeys"], None]
#: The secret fields of a component (of its flavor, and keys named like secrets).
SecretKeys = Callable[[Component], set]


@dataclass(frozen=True)
class Operation:
    permission: Permission
    #: Refuses the write before it reaches the store (InvalidDataError, not found...).
    check: Check | None = None


def _holds_the_mask(values: dict[str, Any]) -> bool:
    return any(isinstance(v, str) and v == masking.MASK for v in values.values())


def _no_mask_written(component: Component, values: dict[str, Any],
                     secret_keys: SecretKeys) -> None:
    """A masked value is never data: ``********`` in a secret field is what a reader who
    may not see the value was shown, and writing it back would replace the secret."""
    if not _holds_the_mask(values):
        return
    masked = sorted(k for k in secret_keys(component) & set(values)
                    if values[k] == masking.MASK)
    if masked:
        raise InvalidDataError(
            f"The value of '{masked[0]}' of {component.type.display} '{component.name}' is the "
            f"mask {masking.MASK} shown to those who may not read secrets, not the secret: "
            "give the real value, or leave the key out to keep the stored one."
        )


def _register_component(store: BaseStore, write: RegisterComponent,
                        secret_keys: SecretKeys) -> None:
    _no_mask_written(write.component, write.component.config, secret_keys)


def _update_component(store: BaseStore, write: UpdateComponent,
                      secret_keys: SecretKeys) -> None:
    change, ctype, name = write.change, write.type, write.name
    reserved = sorted(set(RESERVED_CONFIG_KEYS) & (set(change.set) | set(change.unset)))
    if reserved:
        raise InvalidDataError(
            f"Cannot update mandatory property '{reserved[0]}' of {ctype.display} '{name}'."
            + (" Use `rename` instead." if reserved[0] == "name" else "")
        )
    if change.is_empty:
        raise InvalidDataError(f"Nothing to change in {ctype.display} '{name}'.")
    if change.name == name and not (change.set or change.unset or change.flavor):
        store.get_component(ctype, name)  # not found first, as for any other name
        raise store.component_exists(ctype, name)
    if _holds_the_mask(change.set):
        probe = Component(ctype, change.flavor or _flavor_of(store, ctype, name), name, {})
        _no_mask_written(probe, dict(change.set), secret_keys)


def _flavor_of(store: BaseStore, ctype: ComponentType, name: str) -> str:
    return store.get_component(ctype, name).flavor


def _update_stack(store: BaseStore, write: UpdateStack, secret_keys: SecretKeys) -> None:
    change, name = write.change, write.name
    required = [t for t in change.remove if t in REQUIRED_TYPES]
    if required:
        raise InvalidDataError(
            f"The {required[0].display} of a stack cannot be removed, only replaced "
            "(`zenml stack update`)."
        )
    if change.is_empty:
        raise InvalidDataError(f"Nothing to change in stack '{name}'.")
    if change.name == name and not (change.set or change.remove):
        store.get_stack(name)
        raise store.stack_exists(name)


WRITE, ADMIN = Permission.WRITE, Permission.ADMIN

#: Every write kind an edge may ask for. Stacks and components: editors; accounts: admins.
OPERATIONS: dict[type, Operation] = {
    RegisterComponent: Operation(WRITE, _register_component),
    UpdateComponent: Operation(WRITE, _update_component),
    DeleteComponent: Operation(WRITE),
    RegisterStack: Operation(WRITE),
    UpdateStack: Operation(WRITE, _update_stack),
    DeleteStack: Operation(WRITE),
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


def check(store: BaseStore, writes: Sequence[Write], secret_keys: SecretKeys) -> None:
    """Each write's pre-checks, in order; the first that fails refuses them all."""
    for write in writes:
        operation = _operation(write)
        if operation.check is not None:
            operation.check(store, write, secret_keys)


def _operation(write: Write) -> Operation:
    operation = OPERATIONS.get(type(write))
    if operation is None:
        raise InvalidDataError(f"Invalid write: '{op_name(write)}' is not an operation of "
                               "the API.")
    return operation
