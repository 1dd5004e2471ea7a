"""Typed records that plugins yield from the registry hooks.

Records are validated when created, so a broken plugin fails loudly and by
name instead of deep inside a command. Classes and pydantic models may be
given as lazy ``"module:attribute"`` paths so that collecting the records
imports nothing heavy.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zen_core.exceptions import InvalidDataError, PluginError
from zen_core.models import Component, ComponentType, Stack

if TYPE_CHECKING:
    from pydantic import BaseModel

    from zen_core.store import BaseStore, StoreContext

_RECORD_NAME = re.compile(r"[a-z][a-z0-9_]*")


def _check_record_name(kind: str, name: str) -> None:
    if not isinstance(name, str) or not _RECORD_NAME.fullmatch(name):
        raise PluginError(f"Invalid {kind} name {name!r}: use lower-case letters, digits and '_'.")


def load_object(path_or_object: Any) -> Any:
    """Resolve a lazy ``"module:attribute"`` path; return anything else unchanged."""
    if not isinstance(path_or_object, str):
        return path_or_object
    module_name, _, attribute = path_or_object.partition(":")
    obj: Any = importlib.import_module(module_name.strip())
    attribute = attribute.split("[")[0].strip()  # entry points may name extras
    for part in filter(None, attribute.split(".")):
        obj = getattr(obj, part)
    return obj


def _load(path_or_object: Any, what: str, provider: str | None) -> Any:
    """:func:`load_object` for a record's lazy path; a path that does not import is a
    :class:`PluginError` naming the record, the plugin that gave it, and the path."""
    try:
        return load_object(path_or_object)
    except Exception as err:  # an import runs the plugin's code: anything may come out
        by = f" of plugin {provider}" if provider else ""
        raise PluginError(
            f"The {what}{by} names {path_or_object!r}, which cannot be loaded: "
            f"{err} ({type(err).__name__}). Upgrade or disable that plugin "
            "(ZENML_DISABLE_PLUGINS)."
        ) from err


#: Set by the plugin manager on each record it collects: "name (distribution version)".
def _provider_field() -> Any:
    return field(default=None, init=False, compare=False, repr=False)


def set_provider(record: Any, provider: str) -> None:
    """Remember which plugin gave ``record`` (records are frozen: set it past that)."""
    object.__setattr__(record, "provider", provider)


def mask_url_password(url: str) -> str:
    """``mysql://zenml:secret@host/db?token=t`` -> ``mysql://zenml:***@host/db?token=***``
    (:func:`zen_core.masking.mask_url`)."""
    from zen_core.masking import mask_url

    return mask_url(url)


@dataclass(frozen=True)
class StoreType:
    """A store back-end that profiles can use (``zenml profile create -t NAME``).

    ``default_url`` builds the URL for a profile created without ``--url`` from
    that profile's folder; ``check_url`` raises :class:`InvalidDataError` for a
    URL this store cannot use. Neither may import the store class.
    """

    name: str
    description: str
    store_class: str | type[BaseStore]
    default_url: Callable[[Path], str] | None = None
    check_url: Callable[[str], None] | None = None
    #: Whether the store takes an access token (``profile create --token``).
    accepts_token: bool = False
    #: Whether the store connects over TLS and so takes a CA certificate and the choice
    #: not to check certificates (``profile create --ca-cert FILE`` / ``--insecure``).
    uses_tls: bool = False
    #: The store is a client of a zen service (the ``rest`` store): the service checks
    #: roles on its side (its keys' users), already has its ``default`` stack, and may
    #: not itself be served (one service in front of another). See the properties below.
    remote: bool = False
    #: Whether registering that stack is reported line by line ("Registered stack ...").
    #: The user guide shows a new ``sql`` profile without those lines.
    reports_default_stack: bool = True
    #: The plugin that gave this record, "name (distribution version)" (set by zen).
    provider: str | None = _provider_field()

    def __post_init__(self) -> None:
        _check_record_name("store type", self.name)
        if not self.store_class:
            raise PluginError(f"Store type '{self.name}' names no store class.")

    # --- what ``remote`` means, each where zen asks it ------------------------------
    @property
    def authorizes(self) -> bool:
        """The store checks roles on its own side: the domain layer does not again."""
        return self.remote

    @property
    def registers_default_stack(self) -> bool:
        """A new, empty store gets the ``default`` stack (a shared service has one)."""
        return not self.remote

    @property
    def servable(self) -> bool:
        """A zen service may serve a profile of this type."""
        return not self.remote

    def load_class(self) -> type[BaseStore]:
        return _load(self.store_class, f"store type '{self.name}'", self.provider)

    def url_for_profile(self, profile_dir: Path) -> str:
        if self.default_url is None:
            raise InvalidDataError(
                f"Store type '{self.name}' has no default location: pass --url."
            )
        return self.default_url(profile_dir)

    def validate_url(self, url: str) -> None:
        """Run the plugin's check; its message never shows a password the URL holds."""
        if self.check_url is None:
            return
        try:
            self.check_url(url)
        except InvalidDataError as err:
            from zen_core.masking import mask_text

            raise InvalidDataError(mask_text(err.message)) from None

    def open(self, url: str, context: StoreContext | None = None) -> BaseStore:
        """An instance of the store at ``url`` (storage is not created yet)."""
        if context is not None and context.token and not self.accepts_token:
            raise InvalidDataError(f"Store type '{self.name}' takes no token.")
        if context is not None and (context.ca_cert or context.insecure) and \
                not self.uses_tls:
            raise InvalidDataError(f"Store type '{self.name}' does not use TLS: it takes no "
                                   "--ca-cert or --insecure.")
        return self.load_class()(url, context)


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
class Contribution:
    """One thing a plugin contributed, as listed by ``zenml plugins``."""

    kind: str  # "store type", "flavor", "command", "status"
    name: str


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
