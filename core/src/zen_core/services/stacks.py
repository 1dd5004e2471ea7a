"""Stacks: register, update, remove components, rename, delete.

A stack must have an orchestrator, a metadata store and an artifact store, and
whatever its members' flavors need: the rules run in the store, inside the
write (:mod:`zen_core.services.rules`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from zen_core.accounts import Permission
from zen_core.models import ComponentType, Stack

if TYPE_CHECKING:
    from zen_core.services.access import StoreAccess
    from zen_core.services.listing import ListQuery, Page


def members(components: Mapping[ComponentType | str, str | None]) -> dict[ComponentType, str]:
    """``{type: name}`` from a mapping that may name types as text and hold None for unset."""
    return {ComponentType.parse(t): n for t, n in components.items() if n}


def register(access: StoreAccess, name: str,
             components: Mapping[ComponentType | str, str | None],
             labels: Mapping[str, str] | None = None) -> Stack:
    from zen_core.writes import RegisterStack  # loaded by a write only, not by reads

    [written] = access.write([RegisterStack(Stack(name, members(components),
                                                  labels=dict(labels or {})))])
    access.report(f"Registered stack with name '{name}'.")
    return written


def update(access: StoreAccess, name: str, *,
           set: Mapping[ComponentType | str, str | None] | None = None,
           remove: Iterable[ComponentType | str] = (), new_name: str | None = None,
           expected_revision: int | None = None,
           labels: Mapping[str, str | None] | None = None) -> Stack:
    """Replace or add the components named in ``set``, remove the optional types in
    ``remove``, rename to ``new_name``, atomically in the store (the checks of an update
    are :mod:`.operations`')."""
    from zen_core.changes import StackChange  # loaded by a write only, not by reads
    from zen_core.writes import UpdateStack

    change = StackChange(set=members(set or {}), remove=list(remove), name=new_name,
                         expected_revision=expected_revision, labels=dict(labels or {}))
    [written] = access.write([UpdateStack(name, change)])
    if change.set:
        access.report(f"Updated stack with name '{name}'.")
    return written


def rename(access: StoreAccess, old: str, new: str,
           expected_revision: int | None = None) -> Stack:
    return update(access, old, new_name=new, expected_revision=expected_revision)


def delete(access: StoreAccess, name: str, expected_revision: int | None = None) -> None:
    """Delete a stack; its components stay registered."""
    from zen_core.writes import DeleteStack  # loaded by a write only, not by reads

    access.write([DeleteStack(name, expected_revision)])


def get(access: StoreAccess, name: str) -> Stack:
    return access.checked(Permission.READ).get_stack(name)


def stored(access: StoreAccess, name: str) -> Stack:
    """The stack as stored, also when it names a component that is not registered (which
    :func:`get` refuses): what deleting or repairing it reads."""
    return access.checked(Permission.READ).stored_stack(name)


def list_(access: StoreAccess) -> list[Stack]:
    return access.checked(Permission.READ).list_stacks()


def names(access: StoreAccess) -> list[str]:
    return access.checked(Permission.READ).stack_names()


def page(access: StoreAccess, query: ListQuery) -> Page[Stack]:
    """The stacks ``query`` asks for (filtered, sorted, one page) and how many match."""
    from zen_core.services.listing import list_stacks

    return list_stacks(access.checked(Permission.READ), query)
