"""The data every store keeps: component types, components and stacks.

Plain dataclasses, not pydantic: listing stacks must not pay for pydantic's
import. Flavor configurations are validated by pydantic models elsewhere
(``zen_core.flavors``) when a component is registered or updated. What an update
names (``ComponentChange``, ``StackChange``) is in :mod:`zen_core.changes`, served from here.
"""

from __future__ import annotations

import time
import uuid as _uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from enum import Enum
from typing import TYPE_CHECKING, Any

from zen_core.exceptions import InvalidDataError
from zen_core.labels import check_labels
from zen_core.lazy import served_from
from zen_core.names import check_name, is_valid_name

if TYPE_CHECKING:
    from zen_core.changes import ComponentChange as ComponentChange  # served by __getattr__
    from zen_core.changes import StackChange as StackChange

#: Records defined in :mod:`zen_core.changes`, served from here (PEP 562).
_CHANGES = ("ComponentChange", "StackChange")


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


def utc_now() -> str:
    """The current time as stores record it: ISO 8601 in UTC, to the microsecond."""
    # NOTE: every record and event a batch writes reads it (24,000 calls in a profile copy
    # of 10,000 components): the text up to the second is made once a second, the
    # microseconds appended (~0.5 us; datetime.now().isoformat() ~1.6 us). The same clock
    # and the same truncation as datetime.now().
    global _second
    seconds, nanoseconds = divmod(time.time_ns(), 1_000_000_000)
    second = _second
    if second[0] != seconds:
        second = _second = (seconds, datetime.fromtimestamp(seconds, timezone.utc)
                            .isoformat()[:19])
    return f"{second[1]}.{nanoseconds // 1000:06d}Z"


#: The last second :func:`utc_now` wrote, and its text (one tuple: threads see either).
_second: tuple[int, str] = (-1, "")


#: Config keys that are not configuration: the component's own fields, and the key under
#: which the local store keeps a component's revision (``_zen``: no pydantic field can
#: start with an underscore, so no flavor can declare it).
RESERVED_CONFIG_KEYS = ("name", "uuid", "_zen")


@dataclass
class Component:
    """A configured stack component: a flavor of a component type, with its config.

    ``revision``, ``created`` and ``updated`` are set by the store (0 and None
    on a record not stored yet); they are not part of equality, which compares
    what the component is, not when it was written. ``masked`` names the config
    keys whose values were withheld from the reader (shown as ``********``): such
    a record is for showing, never to be written anywhere as data.
    """

    type: ComponentType
    flavor: str
    name: str
    config: dict[str, Any] = field(default_factory=dict)
    uuid: str = field(default_factory=lambda: str(_uuid.uuid4()))
    revision: int = field(default=0, compare=False)
    created: str | None = field(default=None, compare=False)
    updated: str | None = field(default=None, compare=False)
    masked: frozenset[str] = field(default=frozenset(), compare=False)
    #: ``{key: value}`` saying what the record is for (:mod:`zen_core.labels`).
    labels: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.type = ComponentType.parse(self.type)
        if self.labels:
            self.labels = check_labels(self.labels)
        check_name(self.name, f"{self.type.display} name")
        if not self.flavor or not isinstance(self.flavor, str):
            raise InvalidDataError(f"The {self.type.display} '{self.name}' needs a flavor.")
        reserved = set(RESERVED_CONFIG_KEYS) & set(self.config)
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
            **_meta_dict(self),
            **({"masked": sorted(self.masked)} if self.masked else {}),
            **({"labels": dict(self.labels)} if self.labels else {}),
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
                **_meta_kwargs(data),
                masked=frozenset(data.get("masked") or ()),
                labels=dict(data.get("labels") or {}),
            )
        except (KeyError, TypeError) as err:
            raise InvalidDataError(f"Invalid component data: missing or bad {err}.") from None

    def stamped(self, previous: Component | Stack | None = None, **changes: Any) -> Component:
        """A copy as the store writes it: the next revision, ``updated`` now."""
        return _stamped(self, previous, changes)


@dataclass
class Stack:
    """A named set of components, at most one per type, referenced by name.

    ``revision``, ``created`` and ``updated`` are as for :class:`Component`.
    ``problem``: why the stack cannot be used as stored (a member that is not
    registered, in a hand-edited file), set by the store that read it; listings
    show such a stack, marked, and reading it alone raises that message.
    """

    name: str
    components: dict[ComponentType, str] = field(default_factory=dict)
    revision: int = field(default=0, compare=False)
    created: str | None = field(default=None, compare=False)
    updated: str | None = field(default=None, compare=False)
    problem: str | None = field(default=None, compare=False)
    #: ``{key: value}`` saying what the record is for (:mod:`zen_core.labels`).
    labels: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.labels:
            self.labels = check_labels(self.labels)
        # NOTE: runs for every stack every store reads (50 per list request): a name is
        # checked with one regex match; check_name only builds the message of a bad one.
        if not is_valid_name(self.name):
            check_name(self.name, "stack name")
        parsed: dict[ComponentType, str] = {}
        ordered = True
        last = -1
        for ctype, cname in self.components.items():
            if cname is None:  # ZenML <0.7 wrote explicit nulls for unused types
                continue
            ctype = _TYPE_OF.get(ctype) or ComponentType.parse(ctype)
            if not is_valid_name(cname):
                check_name(cname, f"{ctype.display} name")
            parsed[ctype] = cname
            order = TYPE_ORDER[ctype]
            ordered = ordered and order > last
            last = order
        self.components = parsed if ordered else \
            dict(sorted(parsed.items(), key=lambda kv: TYPE_ORDER[kv[0]]))

    def missing_required(self) -> list[ComponentType]:
        return [t for t in REQUIRED_TYPES if t not in self.components]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            # NOTE: a dict lookup, not Enum's .value (a descriptor): 50 stacks a list request
            "components": {_VALUE_OF[t]: n for t, n in self.components.items()},
            **_meta_dict(self),
            **({"labels": dict(self.labels)} if self.labels else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Stack:
        try:
            return cls(name=data["name"], components=dict(data.get("components") or {}),
                       **_meta_kwargs(data), labels=dict(data.get("labels") or {}))
        except (KeyError, TypeError, AttributeError) as err:
            raise InvalidDataError(f"Invalid stack data: missing or bad {err}.") from None

    def stamped(self, previous: Component | Stack | None = None, **changes: Any) -> Stack:
        """A copy as the store writes it: the next revision, ``updated`` now (and checked:
        no ``problem``)."""
        return _stamped(self, previous, {"problem": None, **changes})


#: Each component type's place in ComponentType: the order of stack members and of lists.
TYPE_ORDER = {t: i for i, t in enumerate(ComponentType)}
#: A type by itself or by its value (a str enum: both hash alike), without Enum's lookup.
_TYPE_OF: dict[Any, ComponentType] = {t: t for t in ComponentType}
_VALUE_OF: dict[ComponentType, str] = {t: t.value for t in ComponentType}


def _meta_dict(record: Component | Stack) -> dict[str, Any]:
    return {"revision": record.revision, "created": record.created, "updated": record.updated}


def _meta_kwargs(data: Mapping[str, Any]) -> dict[str, Any]:
    revision = data.get("revision") or 0
    if not isinstance(revision, int) or isinstance(revision, bool) or revision < 0:
        raise TypeError("revision")
    created, updated = data.get("created"), data.get("updated")
    for value in (created, updated):
        if value is not None and not isinstance(value, str):
            raise TypeError("created/updated")
    return {"revision": revision, "created": created, "updated": updated}


def _stamped(record: Any, previous: Component | Stack | None, changes: dict[str, Any]) -> Any:
    now = utc_now()
    if previous is None:
        revision, created = 1, now
    else:
        revision, created = previous.revision + 1, previous.created or now
    if changes.keys() - _UNCHECKED:  # through __init__: the changed fields are checked
        return replace(record, revision=revision, created=created, updated=now, **changes)
    # NOTE: a copy of a record that was checked when made; replace() would check it all
    # again (a tenth of copying 10,000 components into a database went there). Its
    # fields copied as copy.copy would, without copy's protocol (4x slower).
    stamped = object.__new__(type(record))
    stamped.__dict__.update(record.__dict__)
    stamped.revision, stamped.created, stamped.updated = revision, created, now
    stamped.__dict__.update(changes)
    return stamped


#: Fields a stamp may set without a check: a stack's ``problem`` is cleared as it is stored.
_UNCHECKED = frozenset({"problem"})


__getattr__ = served_from("zen_core.changes", _CHANGES, __name__)
