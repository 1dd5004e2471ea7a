"""The data every store keeps: component types, components and stacks.

Plain dataclasses, not pydantic: listing stacks must not pay for pydantic's
import. Flavor configurations are validated by pydantic models elsewhere
(``zen_core.flavors``) when a component is registered or updated.
"""

from __future__ import annotations

import uuid as _uuid
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from zen_core.exceptions import InvalidDataError
from zen_core.names import check_name


class ComponentType(str, Enum):
    ORCHESTRATOR = "orchestrator"
    METADATA_STORE = "metadata_store"
    ARTIFACT_STORE = "artifact_store"
    CONTAINER_REGISTRY = "container_registry"
    STEP_OPERATOR = "step_operator"
    SECRETS_MANAGER = "secrets_manager"
    FEATURE_STORE = "feature_store"
    MODEL_DEPLOYER = "model_deployer"
    EXPERIMENT_TRACKER = "experiment_tracker"

    @property
    def plural(self) -> str:
        """Folder name in the local store, as ZenML 0.7 wrote it."""
        if self is ComponentType.CONTAINER_REGISTRY:
            return "container_registries"
        return f"{self.value}s"

    @property
    def display(self) -> str:
        return self.value.replace("_", " ")

    @property
    def display_plural(self) -> str:
        return self.plural.replace("_", " ")

    @property
    def cli_name(self) -> str:
        return self.value.replace("_", "-")

    @classmethod
    def parse(cls, value: str | ComponentType) -> ComponentType:
        if isinstance(value, ComponentType):
            return value
        try:
            return cls(str(value).replace("-", "_"))
        except ValueError:
            choices = ", ".join(t.value for t in cls)
            raise InvalidDataError(
                f"Unknown component type '{value}'. Choose one of: {choices}."
            ) from None

    def __str__(self) -> str:
        return self.value


#: Every stack has these; the others are optional.
REQUIRED_TYPES = (
    ComponentType.ORCHESTRATOR,
    ComponentType.METADATA_STORE,
    ComponentType.ARTIFACT_STORE,
)


@dataclass
class Component:
    """A configured stack component: a flavor of a component type, with its config."""

    type: ComponentType
    flavor: str
    name: str
    config: dict[str, Any] = field(default_factory=dict)
    uuid: str = field(default_factory=lambda: str(_uuid.uuid4()))

    def __post_init__(self) -> None:
        self.type = ComponentType.parse(self.type)
        check_name(self.name, f"{self.type.display} name")
        if not self.flavor or not isinstance(self.flavor, str):
            raise InvalidDataError(f"The {self.type.display} '{self.name}' needs a flavor.")
        reserved = {"name", "uuid"} & set(self.config)
        if reserved:
            raise InvalidDataError(
                f"'{sorted(reserved)[0]}' is not a configuration field of {self.type.display} "
                f"'{self.name}': it is the component's own."
            )
        self.uuid = str(self.uuid)

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type.value,
            "flavor": self.flavor,
            "name": self.name,
            "uuid": self.uuid,
            "config": dict(self.config),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Component:
        try:
            return cls(
                type=data["type"],
                flavor=data["flavor"],
                name=data["name"],
                config=dict(data.get("config") or {}),
                uuid=data.get("uuid") or str(_uuid.uuid4()),
            )
        except (KeyError, TypeError) as err:
            raise InvalidDataError(f"Invalid component data: missing or bad {err}.") from None


@dataclass
class Stack:
    """A named set of components, at most one per type, referenced by name."""

    name: str
    components: dict[ComponentType, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_name(self.name, "stack name")
        parsed: dict[ComponentType, str] = {}
        for ctype, cname in self.components.items():
            if cname is None:  # ZenML <0.7 wrote explicit nulls for unused types
                continue
            ctype = ComponentType.parse(ctype)
            parsed[ctype] = check_name(cname, f"{ctype.display} name")
        self.components = dict(sorted(parsed.items(), key=lambda kv: _TYPE_ORDER[kv[0]]))

    def missing_required(self) -> list[ComponentType]:
        return [t for t in REQUIRED_TYPES if t not in self.components]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "components": {t.value: n for t, n in self.components.items()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Stack:
        try:
            return cls(name=data["name"], components=dict(data.get("components") or {}))
        except (KeyError, TypeError, AttributeError) as err:
            raise InvalidDataError(f"Invalid stack data: missing or bad {err}.") from None


_TYPE_ORDER = {t: i for i, t in enumerate(ComponentType)}
