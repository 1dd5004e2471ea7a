"""The store contract: what every store type does, with the same semantics and errors.

A store keeps one profile's stacks and components. Concrete stores implement
the abstract operations; the messages for the shared errors live here so every
store (and the REST store, which re-raises them) says the same thing. The
contract suite in ``zen_core.testing`` checks each store against this.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from pathlib import Path

from zen_core.exceptions import (
    ComponentExistsError,
    ComponentNotFoundError,
    InUseError,
    StackExistsError,
    StackNotFoundError,
)
from zen_core.models import Component, ComponentType, Stack

#: Receives progress messages ("Registered stack with name 'x'.").
Reporter = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def _names(names: Iterable[str], limit: int = 10) -> str:
    names = sorted(names)
    shown = ", ".join(f"'{n}'" for n in names[:limit])
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return (shown + more) if names else "none"


class BaseStore(ABC):
    """One profile's stacks and components.

    Every mutating operation is atomic and safe with several processes at
    once; reads reflect every committed write (no stale cache).
    """

    #: The store type name (``local``, ``sql``, ``rest``...), set by subclasses.
    type_name: str = ""

    #: The zen config folder of whoever opened this store (set by ``Client.open_store``),
    #: for stores that look for files there (the rest store: the local service's token).
    config_directory: Path | None = None

    def __init__(self, url: str) -> None:
        self._url = url

    @property
    def url(self) -> str:
        return self._url

    # --- storage life cycle ---------------------------------------------------
    def initialize(self) -> None:  # noqa: B027 - optional hook, default no-op
        """Create the backing storage if needed. Idempotent."""

    def close(self) -> None:  # noqa: B027 - optional hook, default no-op
        """Release connections or handles."""

    def __enter__(self) -> BaseStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- stacks ---------------------------------------------------------------
    @abstractmethod
    def list_stacks(self) -> list[Stack]:
        """All stacks, sorted by name."""

    @abstractmethod
    def get_stack(self, name: str) -> Stack:
        """The stack ``name``; :class:`StackNotFoundError` if missing."""

    @abstractmethod
    def register_stack(self, stack: Stack) -> None:
        """Add a stack whose components all exist.

        Raises :class:`StackExistsError` for a taken name and
        :class:`ComponentNotFoundError` for a component that is not registered.
        """

    @abstractmethod
    def update_stack(self, name: str, stack: Stack) -> None:
        """Replace stack ``name`` by ``stack``: new components and/or a new name."""

    @abstractmethod
    def delete_stack(self, name: str) -> None:
        """Remove the stack (not its components); :class:`StackNotFoundError` if missing."""

    # --- components -----------------------------------------------------------
    @abstractmethod
    def list_components(self, type: ComponentType | None = None) -> list[Component]:
        """All components, or those of one type, sorted by type and name."""

    @abstractmethod
    def get_component(self, type: ComponentType, name: str) -> Component:
        """The component; :class:`ComponentNotFoundError` if missing."""

    @abstractmethod
    def register_component(self, component: Component) -> None:
        """Add a component; :class:`ComponentExistsError` if (type, name) is taken."""

    @abstractmethod
    def update_component(self, type: ComponentType, name: str, component: Component) -> None:
        """Replace the component's flavor/config and maybe its name; stacks follow a rename."""

    @abstractmethod
    def delete_component(self, type: ComponentType, name: str) -> None:
        """Remove the component; :class:`InUseError` while a stack uses it."""

    # --- conveniences built on the operations above ---------------------------
    def is_empty(self) -> bool:
        return not self.list_stacks()

    def stack_names(self) -> list[str]:
        return [s.name for s in self.list_stacks()]

    def stacks_using(self, type: ComponentType, name: str) -> list[str]:
        return [s.name for s in self.list_stacks() if s.components.get(type) == name]

    def register_default_stack(
        self, components: list[Component], report: Reporter = _quiet
    ) -> None:
        """Register the ``default`` stack from the given components, reporting each step."""
        report("Initializing store...")
        for component in components:
            self.register_component(component)
            report(
                f"Registered stack component with type '{component.type.value}' "
                f"and name '{component.name}'."
            )
        self.register_stack(Stack("default", {c.type: c.name for c in components}))
        report("Registered stack with name 'default'.")

    # --- the shared error messages --------------------------------------------
    @staticmethod
    def stack_not_found(name: str, available: Iterable[str] = ()) -> StackNotFoundError:
        return StackNotFoundError(
            f"Unable to find stack with name '{name}'. Available stacks: {_names(available)}."
        )

    @staticmethod
    def stack_exists(name: str) -> StackExistsError:
        return StackExistsError(
            f"A stack with name '{name}' already exists. Please choose a different name."
        )

    @staticmethod
    def component_not_found(
        type: ComponentType, name: str, available: Iterable[str] = ()
    ) -> ComponentNotFoundError:
        return ComponentNotFoundError(
            f"Unable to find {type.display} with name '{name}'. "
            f"Available {type.display_plural}: {_names(available)}."
        )

    @staticmethod
    def component_exists(type: ComponentType, name: str) -> ComponentExistsError:
        return ComponentExistsError(
            f"A {type.display} with name '{name}' already exists. Please choose a different name."
        )

    @staticmethod
    def component_in_use(type: ComponentType, name: str, stacks: Iterable[str]) -> InUseError:
        return InUseError(
            f"The {type.display} '{name}' cannot be deleted: it is used by stack "
            f"{_names(stacks)}. Remove it from those stacks first "
            "(`zenml stack update` or `zenml stack remove-component`)."
        )
