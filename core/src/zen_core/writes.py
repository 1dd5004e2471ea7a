"""The writes a store applies: one at a time, or several as one batch (all or nothing).

Each write is a small frozen record. :meth:`zen_core.store.BaseStore.apply`
takes a sequence of them and applies them in order under one lock or one
transaction; the REST store sends them as JSON (:func:`to_dict` and
:func:`from_dict`), and the service applies them to the store it serves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zen_core.exceptions import InvalidDataError
from zen_core.models import Component, ComponentChange, ComponentType, Stack, StackChange
from zen_core.names import check_name


@dataclass(frozen=True)
class RegisterComponent:
    component: Component


@dataclass(frozen=True)
class UpdateComponent:
    type: ComponentType
    name: str
    change: ComponentChange


@dataclass(frozen=True)
class DeleteComponent:
    type: ComponentType
    name: str
    expected_revision: int | None = None


@dataclass(frozen=True)
class RegisterStack:
    stack: Stack


@dataclass(frozen=True)
class UpdateStack:
    name: str
    change: StackChange


@dataclass(frozen=True)
class DeleteStack:
    name: str
    expected_revision: int | None = None


Write = (RegisterComponent | UpdateComponent | DeleteComponent
         | RegisterStack | UpdateStack | DeleteStack)


def to_dict(write: Write) -> dict[str, Any]:
    """A write as JSON-able data: ``{"op": "update_component", ...}``."""
    if isinstance(write, RegisterComponent):
        return {"op": "register_component", "component": write.component.to_dict()}
    if isinstance(write, UpdateComponent):
        return {"op": "update_component", "type": write.type.value, "name": write.name,
                "change": write.change.to_dict(),
                "expected_revision": write.change.expected_revision}
    if isinstance(write, DeleteComponent):
        return {"op": "delete_component", "type": write.type.value, "name": write.name,
                "expected_revision": write.expected_revision}
    if isinstance(write, RegisterStack):
        return {"op": "register_stack", "stack": write.stack.to_dict()}
    if isinstance(write, UpdateStack):
        return {"op": "update_stack", "name": write.name, "change": write.change.to_dict(),
                "expected_revision": write.change.expected_revision}
    return {"op": "delete_stack", "name": write.name,
            "expected_revision": write.expected_revision}


def component_change_from_dict(data: dict[str, Any],
                               expected_revision: int | None = None) -> ComponentChange:
    return ComponentChange(
        set=dict(data.get("set") or {}), unset=list(data.get("unset") or ()),
        flavor=data.get("flavor"), name=data.get("name"), expected_revision=expected_revision,
    )


def stack_change_from_dict(data: dict[str, Any],
                           expected_revision: int | None = None) -> StackChange:
    return StackChange(
        set=dict(data.get("set") or {}), remove=list(data.get("remove") or ()),
        name=data.get("name"), expected_revision=expected_revision,
    )


def from_dict(data: Any) -> Write:
    """The write ``data`` describes (the inverse of :func:`to_dict`); InvalidDataError if bad."""
    try:
        op = data["op"]
        expected = data.get("expected_revision")
        if op == "register_component":
            return RegisterComponent(Component.from_dict(data["component"]))
        if op == "update_component":
            return UpdateComponent(ComponentType.parse(data["type"]),
                                   check_name(data["name"], "component name"),
                                   component_change_from_dict(data["change"], expected))
        if op == "delete_component":
            return DeleteComponent(ComponentType.parse(data["type"]),
                                   check_name(data["name"], "component name"), expected)
        if op == "register_stack":
            return RegisterStack(Stack.from_dict(data["stack"]))
        if op == "update_stack":
            return UpdateStack(check_name(data["name"], "stack name"),
                               stack_change_from_dict(data["change"], expected))
        if op == "delete_stack":
            return DeleteStack(check_name(data["name"], "stack name"), expected)
    except (KeyError, TypeError, AttributeError) as err:
        raise InvalidDataError(f"Invalid write: missing or bad {err}.") from None
    raise InvalidDataError(f"Invalid write: unknown operation {op!r}.")
