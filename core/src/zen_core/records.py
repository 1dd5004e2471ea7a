"""Typed records that plugins yield from the registry hooks.

Records are validated when created, so a broken plugin fails loudly and by
name instead of deep inside a command. Classes and pydantic models may be
given as lazy ``"module:attribute"`` paths so that collecting the records
imports nothing heavy.

Only :class:`StoreType` is needed by every command; the records of the hooks that some
commands call (:class:`Flavor`, :class:`StackView`, :class:`SecretBackend`,
:class:`StatusItem`) live in :mod:`zen_core.hook_records` and are imported from here on
first use: each class costs ~0.6 ms to make.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from zen_core.exceptions import InvalidDataError, PluginError
from zen_core.lazy import served_from

if TYPE_CHECKING:
    from zen_core.hook_records import Flavor as Flavor  # served by __getattr__ at run time
    from zen_core.hook_records import SecretBackend as SecretBackend
    from zen_core.hook_records import StackCheck as StackCheck
    from zen_core.hook_records import StackView as StackView
    from zen_core.hook_records import StatusItem as StatusItem
    from zen_core.store import BaseStore, StoreContext

#: Records defined in :mod:`zen_core.hook_records`, served from here (PEP 562).
_HOOK_RECORDS = ("Flavor", "StackView", "StackCheck", "SecretBackend", "StatusItem")

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


class Contribution(NamedTuple):
    """One thing a plugin contributed, as listed by ``zenml plugins``. (A named tuple:
    every command makes it, at an eighth of a frozen dataclass's cost.)"""

    kind: str  # "store type", "flavor", "command", "status"
    name: str


__getattr__ = served_from("zen_core.hook_records", _HOOK_RECORDS, __name__)
