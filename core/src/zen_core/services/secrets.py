"""Secrets: create, list, describe, update, rename, delete, resolve references, rotate the key.

Viewers see secrets' names and keys, never their values; editors create, update and
resolve; admins rotate the key. Values are sealed by the door on the way in
(:mod:`.sealing`) and unsealed here, only for a user who may read secrets.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from zen_core import masking
from zen_core.accounts import Permission
from zen_core.changes import ComponentChange
from zen_core.exceptions import ConflictError, InvalidDataError, NotPermittedError
from zen_core.models import Component, ComponentType
from zen_core.secret_records import Secret, SecretChange, check_secret_name
from zen_core.services import components, references, stacks

if TYPE_CHECKING:
    from zen_core.services.access import StoreAccess


def shown(secret: Secret) -> Secret:
    """``secret`` as listings show it: its keys, every value masked."""
    return replace(secret, values=dict.fromkeys(secret.values, masking.MASK),
                   masked=frozenset(secret.values))


# --- reads --------------------------------------------------------------------------------
def list_(access: StoreAccess) -> list[Secret]:
    """Every secret, names and keys (values masked)."""
    return [shown(s) for s in access.checked(Permission.READ).list_secrets()]


def get(access: StoreAccess, name: str) -> Secret:
    """The secret, its keys (values masked)."""
    return shown(access.checked(Permission.READ).get_secret(name))


def revealed(access: StoreAccess, name: str) -> Secret:
    """The secret with its clear values, for a user who may read secrets (an editor)."""
    store = access.checked(Permission.READ_SECRETS)
    secret = store.get_secret(name)
    if store.seals_secrets:
        if secret.masked:
            raise NotPermittedError(
                f"The values of secret '{name}' were withheld by {access.describe()}: its "
                "user may not read secrets, which needs the 'editor' role.")
        return secret
    if not secret.values:
        return secret
    from zen_core.services.sealing import unsealed
    from zen_core.services.secret_crypto import key_id_of

    needed = {key_id_of(v) or "?" for v in secret.values.values()}
    if access.keys is None:
        raise InvalidDataError(f"No secrets key was given to read secret '{name}'.")
    return unsealed(secret, access.keys.for_reading(needed))


def visible(access: StoreAccess, name: str) -> Secret:
    """The secret as its reader may see it: its values for one who may read secrets (an
    editor), else masked (a viewer)."""
    if access.can(Permission.READ_SECRETS):
        return revealed(access, name)
    return get(access, name)


def visible_all(access: StoreAccess) -> list[Secret]:
    """Every secret as :func:`visible` shows it."""
    if not access.can(Permission.READ_SECRETS):
        return list_(access)
    return [revealed(access, s.name) for s in access.checked(Permission.READ).list_secrets()]


# --- writes -------------------------------------------------------------------------------
def create(access: StoreAccess, name: str, values: Mapping[str, str],
           uuid: str | None = None) -> Secret:
    """Create a secret; ``uuid`` is kept if given (a secret copied from another store)."""
    from zen_core.writes import CreateSecret  # loaded by a write only, not by reads

    check_secret_name(name)
    if not values:
        raise InvalidDataError(f"Secret '{name}' needs at least one key: --KEY=VALUE, -i "
                               "(asks), or --values @FILE.")
    secret = Secret(name, dict(values), **({"uuid": uuid} if uuid else {}))
    [written] = access.write([CreateSecret(secret)])
    return shown(written)


def update(access: StoreAccess, name: str, *, set: Mapping[str, str] | None = None,
           unset: Collection[str] = (), new_name: str | None = None,
           expected_revision: int | None = None) -> Secret:
    """Set and unset keys, maybe rename, atomically in the store (keys changed by others
    meanwhile are kept)."""
    from zen_core.writes import UpdateSecret  # loaded by a write only, not by reads

    change = SecretChange(set=dict(set or {}), unset=list(unset), name=new_name,
                          expected_revision=expected_revision)
    [written] = access.write([UpdateSecret(check_secret_name(name), change)])
    return shown(written)


def rename(access: StoreAccess, old: str, new: str,
           expected_revision: int | None = None) -> Secret:
    """Rename a secret nobody refers to (components naming it are listed otherwise)."""
    return update(access, old, new_name=new, expected_revision=expected_revision)


def delete(access: StoreAccess, name: str, expected_revision: int | None = None) -> None:
    """Delete a secret; refused while a component refers to it, naming the components."""
    from zen_core.writes import DeleteSecret  # loaded by a write only, not by reads

    access.write([DeleteSecret(check_secret_name(name), expected_revision)])


# --- references -----------------------------------------------------------------------------
class Resolver:
    """The values of references for one door: secrets read (and unsealed) once each."""

    def __init__(self, access: StoreAccess) -> None:
        access.require(Permission.READ_SECRETS)
        self.access = access
        self.backends = references.backends()
        self._secrets: dict[str, Secret] = {}

    def __call__(self, ref: references.Reference) -> str:
        if ref.source in self.backends:
            return self.backends[ref.source].resolve(ref.key)
        if ref.source not in self._secrets:
            self._secrets[ref.source] = revealed(self.access, ref.source)
        values = self._secrets[ref.source].values
        if ref.key not in values:
            raise InvalidDataError(f"{ref} names no key of secret '{ref.source}' (it has: "
                                   f"{', '.join(sorted(values)) or 'none'}).")
        return values[ref.key]


def resolve_stack(access: StoreAccess, name: str) -> dict[ComponentType, Component]:
    """The stack's components with every reference replaced by its value: the configuration
    a pipeline runs with. Only for a user who may read secrets."""
    resolver = Resolver(access)
    stack = stacks.get(access, name)
    resolved = {}
    for ctype, cname in stack.components.items():
        component = components.revealed(access, ctype, cname)
        try:
            config = references.resolve(component.config, resolver)
        except InvalidDataError as err:
            raise InvalidDataError(f"{ctype.display[:1].upper()}{ctype.display[1:]} "
                                   f"'{cname}': {err.message}") from None
        resolved[ctype] = replace(component, config=config)
    return resolved


# --- the key ------------------------------------------------------------------------------------
def rotate_key(access: StoreAccess) -> tuple[str, int]:
    """Seal every secret value with a new key (in the key file; with ``ZENML_SECRETS_KEY``,
    with its first key), in one batch. Returns the new key's id and how many secrets were
    sealed again. The key file keeps the old key until the batch has committed, so a crash
    in between loses nothing."""
    from zen_core.services.secret_crypto import new_key
    from zen_core.writes import UpdateSecret

    store = access.checked(Permission.ADMIN)
    if store.seals_secrets:
        raise InvalidDataError(
            f"The secrets of {access.describe()} are sealed by the service that serves it: "
            "rotate the key where it runs, on the profile it serves "
            "(`zenml secret rotate-key --profile PROFILE`).")
    keys = access.keys
    if keys is None:
        raise InvalidDataError("No secrets key was given to rotate.")
    clear = [revealed(access, s.name) for s in store.list_secrets()]
    ring = keys.read()
    if not keys.from_environment:
        old = list(ring.keys) if ring is not None else []
        keys.write([new_key(), *old])
    current = keys.for_reading().current_id
    writes = [UpdateSecret(s.name, SecretChange(set=s.values, expected_revision=s.revision))
              for s in clear if s.values]
    try:
        if writes:
            access.write(writes)
    except ConflictError:
        raise ConflictError("A secret changed while the key was rotated: nothing was sealed "
                            "again. Run `zenml secret rotate-key` again.") from None
    from zen_core.services.sealing import sealed_with

    if not keys.from_environment and sealed_with(store) <= {current}:
        keys.write([keys.for_reading().keys[0]])  # no value needs the old keys any more
    return current, len(writes)


def migrate(access: StoreAccess, dry_run: bool = False) -> list[str]:
    """Move every plain value in a secret field into a secret (:mod:`.secret_fields`), for
    a store written before zen kept secrets (a ZenML 0.7 folder included). Returns what
    it did (or, with ``dry_run``, would do)."""
    from zen_core.services.secret_fields import plain
    from zen_core.writes import UpdateComponent

    store = access.checked(Permission.WRITE)
    notes, writes = [], []
    for component in store.list_components():
        moved = plain(access.secret_keys(component), component.config)
        if moved:
            writes.append(UpdateComponent(component.type, component.name,
                                          ComponentChange(set=moved)))
            notes.append(f"{component.type.display} '{component.name}': "
                         f"{', '.join(sorted(moved))}")
    if writes and not dry_run:
        access.write(writes)
    return notes
