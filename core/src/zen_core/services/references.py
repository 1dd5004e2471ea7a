"""References to secret values in component configuration: ``{{NAME.KEY}}``.

A configuration value may be a reference (``{{db.password}}``) or hold some
(``postgresql://app:{{db.password}}@db/app``). NAME is a secret of the profile's
store, or a secret back-end (``{{env.DB_PASSWORD}}``: see the
``zen_secret_backends`` hook). References are stored and shown as written, so
listings, exports and history carry none of the values; they are checked when
written (:func:`check`: the secret and its key exist) and replaced by their values
only on request (:func:`resolve`), for a user who may read secrets.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from zen_core.exceptions import InvalidDataError, NotFoundError

if TYPE_CHECKING:
    from zen_core.records import SecretBackend
    from zen_core.store import BaseStore

_REFERENCE = re.compile(r"\{\{\s*([A-Za-z0-9][A-Za-z0-9_-]*)\.([^{}\s]+?)\s*\}\}")


class Reference(NamedTuple):
    """The secret (or back-end) and the key, as in ``{{source.key}}``. (A named tuple:
    every command imports this module, at an eighth of a frozen dataclass's cost.)"""

    source: str
    key: str

    def __str__(self) -> str:
        return f"{{{{{self.source}.{self.key}}}}}"


def in_value(value: Any) -> Iterator[Reference]:
    """The references in a configuration value (text, or lists and mappings of it)."""
    if isinstance(value, str):
        if "{{" in value:
            for match in _REFERENCE.finditer(value):
                yield Reference(match.group(1), match.group(2))
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from in_value(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from in_value(item)


def in_config(config: Mapping[str, Any]) -> list[Reference]:
    return list(dict.fromkeys(ref for value in config.values() for ref in in_value(value)))


def is_reference(value: Any) -> bool:
    """Whether ``value`` is one reference and nothing else (how a secret field is held)."""
    return isinstance(value, str) and _REFERENCE.fullmatch(value.strip()) is not None


def backends() -> dict[str, SecretBackend]:
    from zen_core.plugins import get_plugin_manager

    return get_plugin_manager().secret_backends()


def check(store: BaseStore, config: Mapping[str, Any], what: str,
          pending: Mapping[str, list[str] | None] | None = None) -> None:
    """Refuse a configuration (of ``what``: "orchestrator 'kf'") whose references name a
    secret or a key that does not exist, or that a back-end refuses. ``pending``: the keys
    of secrets written earlier in the same batch (None: deleted), over the store's."""
    found = in_config(config)
    if not found:
        return
    known = backends()
    secrets: dict[str, list[str] | None] = dict(pending or {})
    for ref in found:
        if ref.source in known:
            try:
                known[ref.source].check_reference(ref.key)
            except InvalidDataError as err:
                raise InvalidDataError(f"{what[:1].upper()}{what[1:]} refers to {ref}: "
                                       f"{err.message}") from None
            continue
        if ref.source not in secrets:
            try:
                secrets[ref.source] = store.get_secret(ref.source).keys
            except NotFoundError:
                secrets[ref.source] = None
        keys = secrets[ref.source]
        if keys is None:
            raise InvalidDataError(
                f"{what[:1].upper()}{what[1:]} refers to {ref}, but there is no secret "
                f"'{ref.source}'. Create it first: `zenml secret create {ref.source} -i`.")
        if ref.key not in keys:
            raise InvalidDataError(
                f"{what[:1].upper()}{what[1:]} refers to {ref}, but secret '{ref.source}' has "
                f"no key '{ref.key}' (it has: {', '.join(keys) or 'none'}).")


def resolve(config: Mapping[str, Any], value_of: Callable[[Reference], str]) -> dict[str, Any]:
    """``config`` with every reference replaced by its value (``value_of``), for running."""

    def replaced(value: Any) -> Any:
        if isinstance(value, str) and "{{" in value:
            return _REFERENCE.sub(lambda m: value_of(Reference(m.group(1), m.group(2))), value)
        if isinstance(value, Mapping):
            return {k: replaced(v) for k, v in value.items()}
        if isinstance(value, list):
            return [replaced(v) for v in value]
        return value

    return {key: replaced(value) for key, value in config.items()}


def referrers(components: Any, secret: str) -> list[str]:
    """The components (``"orchestrator 'kf'"``) whose configuration refers to ``secret``."""
    return [f"{c.type.display} '{c.name}'" for c in components
            if any(ref.source == secret for ref in in_config(c.config))]
