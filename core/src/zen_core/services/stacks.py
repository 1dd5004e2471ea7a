"""Stacks: register, update, remove components, rename, delete.

A stack must have an orchestrator, a metadata store and an artifact store, and
whatever its members' flavors need: the rules run in the store, inside the
write (:mod:`zen_core.services.rules`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from zen_core.accounts import Permission
from zen_core.exceptions import InvalidDataError
from zen_core.models import REQUIRED_TYPES, ComponentType, Stack, StackChange
from zen_core.names import check_name
from zen_core.writes import DeleteStack, RegisterStack, UpdateStack

if TYPE_CHECKING:
    from zen_core.services.access import StoreAccess
    from zen_core.services.listing import ListQuery, Page


def members(components: Mapping[ComponentType | str, str | None]) -> dict[ComponentType, str]:
    """``{type: name}`` from a mapping that may name types as text and hold None for unset."""
    return {ComponentType.parse(t): n for t, n in components.items() if n}


def register(access: StoreAccess, name: str,
             components: Mapping[ComponentType | str, str | None]) -> Stack:
    [written] = access.write([RegisterStack(Stack(name, members(components)))])
    access.report(f"Registered stack with name '{name}'.")
    return written


def update(access: StoreAccess, name: str, *,
           set: Mapping[ComponentType | str, str | None] | None = None,
           remove: Iterable[ComponentType | str] = (), new_name: str | None = None,
           expected_revision: int | None = None) -> Stack:
    """Replace or add the components named in ``set``, remove the optional types in
    ``remove``, rename to ``new_name``, atomically in the store."""
    remove = [ComponentType.parse(t) for t in remove]
    required = [t for t in remove if t in REQUIRED_TYPES]
    if required:
        raise InvalidDataError(
            f"The {required[0].display} of a stack cannot be removed, only replaced "
            "(`zenml stack update`)."
        )
    if new_name is not None:
        check_name(new_name, "stack name")
    change = StackChange(set=members(set or {}), remove=remove, name=new_name,
                         expected_revision=expected_revision)
    if change.is_empty:
        raise InvalidDataError(f"Nothing to change in stack '{name}'.")
    if new_name == name and not (change.set or change.remove):
        access.require(Permission.WRITE)
        access.store.get_stack(name)
        raise access.store.stack_exists(name)
    [written] = access.write([UpdateStack(name, change)])
    if change.set:
        access.report(f"Updated stack with name '{name}'.")
    return written


def rename(access: StoreAccess, old: str, new: str,
           expected_revision: int | None = None) -> Stack:
    return update(access, old, new_name=new, expected_revision=expected_revision)


def delete(access: StoreAccess, name: str, expected_revision: int | None = None) -> None:
    """Delete a stack; its components stay registered."""
    access.write([DeleteStack(name, expected_revision)])


def get(access: StoreAccess, name: str) -> Stack:
    access.require(Permission.READ)
    return access.store.get_stack(name)


def list_(access: StoreAccess) -> list[Stack]:
    access.require(Permission.READ)
    return access.store.list_stacks()


def page(access: StoreAccess, query: ListQuery) -> Page[Stack]:
    """The stacks ``query`` asks for (filtered, sorted, one page) and how many match."""
    from zen_core.services.listing import list_stacks

    access.require(Permission.READ)
    return list_stacks(access.store, query)
