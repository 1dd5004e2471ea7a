"""The API's pydantic models: request and response bodies, path parameters.

They are the source of the OpenAPI document and validate what clients send.
Responses are built from ``zen_core`` models with ``to_dict()`` (same shape,
no pydantic round trip on the hot path); the schemathesis run in the tests
checks that every response matches these schemas.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, RootModel, field_validator

from zen_core.models import ComponentType
from zen_core.names import MAX_NAME_LENGTH

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"

Name = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_NAME_LENGTH,
        pattern=NAME_PATTERN,
        description="Letters, digits, '_', '-' and '.', starting with a letter or digit.",
        examples=["default"],
    ),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Stack(_Strict):
    """A named set of components, at most one per type, referenced by name."""

    name: Name
    components: dict[ComponentType, Name] = Field(
        default_factory=dict,
        description="Component name per component type.",
        examples=[{"orchestrator": "default", "metadata_store": "default",
                   "artifact_store": "default"}],
    )


class StackList(RootModel[list[Stack]]):
    """Stacks sorted by name."""


#: Keys a component's configuration cannot have: they are the component's own fields.
RESERVED_CONFIG_KEYS = ("name", "uuid")

Config = Annotated[
    dict[str, Any],
    Field(
        description="The flavor's configuration ('name' and 'uuid' are not configuration).",
        json_schema_extra={"propertyNames": {"not": {"enum": list(RESERVED_CONFIG_KEYS)}}},
    ),
]


class ComponentUpdate(_Strict):
    """The new state of a component (its type is in the URL; its name may change)."""

    flavor: str = Field(min_length=1, max_length=200, examples=["local"])
    name: Name
    uuid: str | None = Field(
        default=None, max_length=200, description="Kept if given, generated if omitted.",
    )
    config: Config = Field(default_factory=dict)

    @field_validator("config")
    @classmethod
    def _no_reserved_keys(cls, config: dict[str, Any]) -> dict[str, Any]:
        reserved = sorted(set(RESERVED_CONFIG_KEYS) & set(config))
        if reserved:
            raise ValueError(f"'{reserved[0]}' is the component's own field, not configuration")
        return config


class ComponentInput(ComponentUpdate):
    """A component to register."""

    type: ComponentType


class Component(_Strict):
    """A configured stack component."""

    type: ComponentType
    flavor: str
    name: str
    uuid: str
    config: dict[str, Any]


class ComponentList(RootModel[list[Component]]):
    """Components sorted by type (in the order of the ComponentType enum), then name."""


class Error(_Strict):
    """Every error: the zen_core exception class and a message a person can act on."""

    error: str = Field(examples=["StackNotFoundError"])
    message: str = Field(examples=["Unable to find stack with name 'x'. Available stacks: none."])


class Health(_Strict):
    status: str = Field(examples=["ok"])
    service: str = Field(examples=["zen_service"])
    version: str
    pid: int = Field(description="The serving process, so a client can tell which one answers.")


class StackPath(BaseModel):
    name: str = Field(description="The stack's name.")


class ComponentTypePath(BaseModel):
    type: ComponentType


class ComponentPath(BaseModel):
    type: ComponentType
    name: str = Field(description="The component's name.")
