"""Secrets as every store keeps them: a name and a set of key/value pairs, with a revision.

A store keeps the values it is given and never reads them: the domain layer
encrypts each value before it reaches a store (:mod:`zen_core.services.secret_crypto`),
so a store's record holds ciphertexts, except that of a store whose server
encrypts them itself (the rest store: the service does), which holds the values
as its reader may see them. A partial update names keys to set and keys to
unset, merged inside the store, so two updates of different keys of one secret
are both kept. Components refer to a value as ``{{NAME.KEY}}``, hence the
names: a secret's name has no ``.``.
"""

from __future__ import annotations

import re
import uuid as _uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from zen_core.exceptions import InvalidDataError
from zen_core.models import _meta_dict, _meta_kwargs, _stamped
from zen_core.names import MAX_NAME_LENGTH, check_name

_SECRET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: The longest value a secret key holds (a certificate or a private key fits)...
MAX_VALUE_LENGTH = 64 * 1024
#: ...and the longest a store keeps: its ciphertext, in base64 with its nonce and tag.
MAX_STORED_LENGTH = 2 * MAX_VALUE_LENGTH
#: The most keys one secret holds.
MAX_KEYS = 100


def check_secret_name(name: str) -> str:
    """A secret's name: a name (:func:`check_name`) without ``.``, which references use."""
    check_name(name, "secret name")
    if not _SECRET_NAME.fullmatch(name):
        raise InvalidDataError(
            f"Invalid secret name '{name}': use letters, digits, '_' and '-', starting with "
            "a letter or digit ('.' separates the secret from the key in {{name.key}})."
        )
    return name


def check_secret_key(key: str) -> str:
    if not isinstance(key, str) or len(key) > MAX_NAME_LENGTH or not _KEY.fullmatch(key):
        shown = key[:40] if isinstance(key, str) else repr(key)
        raise InvalidDataError(
            f"Invalid secret key '{shown}': use letters, digits and '_', starting with a "
            f"letter or '_' (at most {MAX_NAME_LENGTH} characters)."
        )
    return key


def check_secret_values(values: Mapping[str, Any], what: str,
                        max_length: int = MAX_STORED_LENGTH) -> dict[str, str]:
    """``values`` as a secret holds them: text of at most ``max_length`` characters, under
    valid keys (the message never shows a value)."""
    if not isinstance(values, Mapping):
        raise InvalidDataError(f"The values of {what} must be a mapping of keys to text.")
    if len(values) > MAX_KEYS:
        raise InvalidDataError(f"{what[:1].upper()}{what[1:]} holds {len(values)} keys, at "
                               f"most {MAX_KEYS}.")
    checked = {}
    for key, value in values.items():
        check_secret_key(key)
        if not isinstance(value, str):
            raise InvalidDataError(f"The value of '{key}' of {what} must be text.")
        if len(value) > max_length:
            raise InvalidDataError(f"The value of '{key}' of {what} is too long (at most "
                                   f"{max_length} characters).")
        checked[key] = value
    return checked


@dataclass
class Secret:
    """A named set of key/value pairs. ``values`` hold what the store was given (ciphertexts
    in a store that does not encrypt by itself). ``masked`` names keys whose values were
    withheld from the reader: such a record is for showing, never to be written as data.
    ``revision``, ``created`` and ``updated`` are as for a component."""

    name: str
    values: dict[str, str] = field(default_factory=dict)
    uuid: str = field(default_factory=lambda: str(_uuid.uuid4()))
    revision: int = field(default=0, compare=False)
    created: str | None = field(default=None, compare=False)
    updated: str | None = field(default=None, compare=False)
    masked: frozenset[str] = field(default=frozenset(), compare=False)

    def __post_init__(self) -> None:
        check_secret_name(self.name)
        self.values = check_secret_values(self.values, f"secret '{self.name}'")
        self.uuid = str(self.uuid)

    @property
    def keys(self) -> list[str]:
        return sorted(self.values)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "uuid": self.uuid, "values": dict(self.values),
                **_meta_dict(self), **({"masked": sorted(self.masked)} if self.masked else {})}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Secret:
        try:
            return cls(name=data["name"], values=dict(data.get("values") or {}),
                       uuid=data.get("uuid") or str(_uuid.uuid4()), **_meta_kwargs(data),
                       masked=frozenset(data.get("masked") or ()))
        except (KeyError, TypeError, AttributeError) as err:
            raise InvalidDataError(f"Invalid secret data: missing or bad {err}.") from None

    def stamped(self, previous: Secret | None = None) -> Secret:
        """A copy as the store writes it: the next revision, ``updated`` now."""
        return _stamped(self, previous, {})


@dataclass(frozen=True)
class SecretChange:
    """A partial update of a secret: keys to set (values as the store keeps them) and to
    unset, a new name; ``expected_revision`` as for a component."""

    set: Mapping[str, str] = field(default_factory=dict)
    unset: Collection[str] = ()
    name: str | None = None
    expected_revision: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "set", check_secret_values(self.set, "the change"))
        object.__setattr__(self, "unset", tuple(check_secret_key(k) for k in self.unset))
        both = sorted(set(self.set) & set(self.unset))
        if both:
            raise InvalidDataError(f"The key '{both[0]}' cannot be both set and unset.")
        if self.name is not None:
            check_secret_name(self.name)

    @property
    def is_empty(self) -> bool:
        return not (self.set or self.unset or self.name)

    def apply(self, current: Secret) -> Secret:
        """The secret this change makes of ``current`` (not stamped yet)."""
        values = {k: v for k, v in current.values.items() if k not in self.unset}
        values.update(self.set)
        return Secret(self.name or current.name, values, uuid=current.uuid,
                      revision=current.revision, created=current.created,
                      updated=current.updated)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"set": dict(self.set), "unset": list(self.unset)}
        if self.name is not None:
            data["name"] = self.name
        return data
