"""Changes: what an update names (:class:`ComponentChange`, :class:`StackChange`), applied by
the store atomically. Apart from :mod:`zen_core.models` so that a read makes neither class
(each costs ~0.6 ms to make); that module serves them too."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from zen_core.exceptions import InvalidDataError
from zen_core.labels import check_changes, merged
from zen_core.models import Component, ComponentType, Stack
from zen_core.names import check_name


@dataclass(frozen=True)
class ComponentChange:
    """A partial update of a component: keys to set and unset, a new flavor, a new name.

    ``expected_revision``: apply only if the component is still at that
    revision, else :class:`~zen_core.exceptions.ConflictError`.
    """

    set: Mapping[str, Any] = field(default_factory=dict)
    unset: Collection[str] = ()
    flavor: str | None = None
    name: str | None = None
    expected_revision: int | None = None
    #: Labels to set (``{key: value}``) and remove (``{key: None}``).
    labels: Mapping[str, str | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "set", dict(self.set))
        object.__setattr__(self, "labels", check_changes(self.labels))
        object.__setattr__(self, "unset", tuple(self.unset))
        both = sorted(set(self.set) & set(self.unset))
        if both:
            raise InvalidDataError(f"The key '{both[0]}' cannot be both set and unset.")
        if self.name is not None:
            check_name(self.name, "component name")

    @property
    def is_empty(self) -> bool:
        return not (self.set or self.unset or self.flavor or self.name or self.labels)

    def apply(self, current: Component) -> Component:
        """The component this change makes of ``current`` (not stamped yet)."""
        config = {k: v for k, v in current.config.items() if k not in self.unset}
        config.update(self.set)
        return Component(current.type, self.flavor or current.flavor, self.name or current.name,
                         config, uuid=current.uuid, revision=current.revision,
                         created=current.created, updated=current.updated,
                         labels=merged(current.labels, self.labels) if self.labels
                         else current.labels)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"set": dict(self.set), "unset": list(self.unset)}
        if self.flavor is not None:
            data["flavor"] = self.flavor
        if self.name is not None:
            data["name"] = self.name
        if self.labels:
            data["labels"] = dict(self.labels)
        return data


@dataclass(frozen=True)
class StackChange:
    """A partial update of a stack: component types to set or remove, a new name."""

    set: Mapping[ComponentType, str] = field(default_factory=dict)
    remove: Collection[ComponentType] = ()
    name: str | None = None
    expected_revision: int | None = None
    #: Labels to set (``{key: value}``) and remove (``{key: None}``).
    labels: Mapping[str, str | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "labels", check_changes(self.labels))
        parsed = {ComponentType.parse(t): check_name(n, f"{ComponentType.parse(t).display} name")
                  for t, n in self.set.items()}
        object.__setattr__(self, "set", parsed)
        object.__setattr__(self, "remove", tuple(ComponentType.parse(t) for t in self.remove))
        both = sorted(t.value for t in set(parsed) & set(self.remove))
        if both:
            raise InvalidDataError(f"The {both[0].replace('_', ' ')} cannot be both set and "
                                   "removed.")
        if self.name is not None:
            check_name(self.name, "stack name")

    @property
    def is_empty(self) -> bool:
        return not (self.set or self.remove or self.name or self.labels)

    def apply(self, current: Stack) -> Stack:
        """The stack this change makes of ``current`` (not stamped yet)."""
        members = {t: n for t, n in current.components.items() if t not in self.remove}
        members.update(self.set)
        return Stack(self.name or current.name, members, revision=current.revision,
                     created=current.created, updated=current.updated,
                     labels=merged(current.labels, self.labels) if self.labels
                     else current.labels)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"set": {t.value: n for t, n in self.set.items()},
                                "remove": [t.value for t in self.remove]}
        if self.name is not None:
            data["name"] = self.name
        if self.labels:
            data["labels"] = dict(self.labels)
        return data
