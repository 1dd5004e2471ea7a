"""Records of the hooks only some commands call: a flavor (with the view of a stack its
checks get), a secret back-end, a line of ``zenml status``. Kept apart from
:class:`~zen_core.records.StoreType`, which every command needs, so that the others are
made only when used; :mod:`zen_core.records` serves them too."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from zen_core.exceptions import InvalidDataError, PluginError
from zen_core.models import Component, ComponentType, Stack
from zen_core.records import _check_record_name, _load, _provider_field

if TYPE_CHECKING:
    from pydantic import BaseModel


@dataclass(frozen=True)
class StackView:
    """A stack as a flavor's stack check sees it: the stack and its member components."""

    stack: Stack
    members: dict[ComponentType, Component]

    def flavor(self, type: ComponentType) -> str | None:
        """The flavor of the stack's component of ``type``, None if it has none."""
        member = self.members.get(type)
        return member.flavor if member is not None else None


#: A flavor's stack check: why the stack cannot run with this flavor's component, or None.
StackCheck = Callable[[StackView], "str | None"]


@dataclass(frozen=True)
class Flavor:
    """A flavor of a component type, the pydantic model of its configuration, and what a
    stack using it needs.

    ``requires`` names the component types a stack with this flavor must also
    have; ``stack_check`` (a callable or a lazy ``"module:function"`` path)
    gets a :class:`StackView` and returns a message when the stack cannot run
    with this flavor. Both run on every stack register and update, and on
    every component update that changes a stack's members. ``secrets``, if given,
    names the schema's secret fields, so that listing and masking need not load
    the schema (and pydantic); a test checks the built-in flavors' against theirs.
    """

    type: ComponentType
    name: str
    config_model: str | type[BaseModel]
    description: str = ""
    requires: tuple[ComponentType, ...] = ()
    stack_check: str | StackCheck | None = None
    secrets: tuple[str, ...] | None = None
    #: The plugin that gave this record, "name (distribution version)" (set by zen).
    provider: str | None = _provider_field()

    def __post_init__(self) -> None:
        object.__setattr__(self, "type", ComponentType.parse(self.type))
        _check_record_name("flavor", self.name)
        try:
            object.__setattr__(self, "requires",
                               tuple(ComponentType.parse(t) for t in self.requires))
        except InvalidDataError as err:
            raise PluginError(f"Flavor '{self.name}' requires {err.message}") from None
        if self.secrets is not None:
            object.__setattr__(self, "secrets", tuple(self.secrets))

    def load_model(self) -> type[BaseModel]:
        return _load(self.config_model, f"{self.type.display} flavor '{self.name}'",
                     self.provider)

    def load_stack_check(self) -> StackCheck | None:
        if not self.stack_check:
            return None
        return _load(self.stack_check, f"{self.type.display} flavor '{self.name}'",
                     self.provider)


@dataclass(frozen=True)
class SecretBackend:
    """A place configuration references take values from, besides zen's own encrypted
    secrets: ``{{NAME.KEY}}`` whose NAME is this back-end's ``name`` is resolved by
    ``resolver`` (a callable or a lazy ``"module:function"`` path) given KEY; it returns
    the value, or raises :class:`~zen_core.exceptions.InvalidDataError` saying why there
    is none. No secret may be named like a back-end. ``check`` (optional, same form)
    runs when a reference is written (register, update): raise to refuse it."""

    name: str
    description: str
    resolver: str | Callable[[str], str]
    check: str | Callable[[str], None] | None = None
    #: The plugin that gave this record, "name (distribution version)" (set by zen).
    provider: str | None = _provider_field()

    def __post_init__(self) -> None:
        _check_record_name("secret back-end", self.name)

    def resolve(self, key: str) -> str:
        return _load(self.resolver, f"secret back-end '{self.name}'", self.provider)(key)

    def check_reference(self, key: str) -> None:
        if self.check is not None:
            _load(self.check, f"secret back-end '{self.name}'", self.provider)(key)


@dataclass(frozen=True)
class StatusItem:
    """One line of ``zenml status`` that a plugin reports (hook ``zen_status``), e.g. its
    service: ``name`` is the row's label ("service"), ``state`` a short word ("running",
    "stopped", "unknown"), ``detail`` the rest of the line, ``data`` what ``-o json``
    prints beside them (JSON types only)."""

    name: str
    state: str
    detail: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_record_name("status item", self.name)
        if not isinstance(self.state, str) or not self.state:
            raise PluginError(f"Status item '{self.name}' has no state.")

    def to_dict(self) -> dict[str, Any]:
        return {**self.data, "status": self.state, "detail": self.detail}
