"""Sealing secret values on their way into a store and unsealing them on their way out.

The door (:meth:`zen_core.services.access.StoreAccess.write`) seals the values of
every ``CreateSecret`` and ``UpdateSecret`` just before the store applies them,
whichever edge sent them (the CLI, the Python API, a single route or ``/batch``):
no edge can put a clear value into a store. The domain's readers unseal them for
a user who may read secrets (:mod:`zen_core.services.secrets`). A store that
seals on its side (``BaseStore.seals_secrets``: the rest store, whose service
does) is given and gives back clear values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from zen_core.exceptions import InvalidDataError
from zen_core.secret_records import MAX_VALUE_LENGTH, Secret, SecretChange, check_secret_values
from zen_core.services.secret_crypto import KeyRing, key_id_of
from zen_core.writes import CreateSecret, UpdateSecret, Write

if TYPE_CHECKING:
    from zen_core.services.access import Reporter
    from zen_core.services.secret_keys import ProfileKeys
    from zen_core.store import BaseStore


def sealed_with(store: BaseStore) -> set[str]:
    """The ids of the keys the store's values are sealed with."""
    return {found for secret in store.list_secrets() for value in secret.values.values()
            if (found := key_id_of(value)) is not None}


def seal(store: BaseStore, keys: ProfileKeys | None, writes: Sequence[Write],
         report: Reporter) -> list[Write]:
    """``writes`` with every secret value sealed (clear values checked first)."""
    carrying = [w for w in writes if isinstance(w, (CreateSecret, UpdateSecret))]
    for write in carrying:
        values = write.secret.values if isinstance(write, CreateSecret) else write.change.set
        name = write.secret.name if isinstance(write, CreateSecret) else write.name
        check_secret_values(values, f"secret '{name}'", MAX_VALUE_LENGTH)
    if store.seals_secrets or not any(
            w.secret.values if isinstance(w, CreateSecret) else w.change.set for w in carrying):
        return list(writes)
    if keys is None:
        raise InvalidDataError(f"{store.describe()[:1].upper()}{store.describe()[1:]} seals "
                               "secrets with its profile's key, and none was given.")
    ring, made = keys.for_writing(sealed_with(store))
    if made:
        report(f"Made a secrets key for profile '{keys.profile}' in {keys.path}. Keep it "
               "safe and backed up: without it no secret of this profile can be read. "
               "Whoever else uses this profile's store needs it too.")
    uuids: dict[str, str] = {}
    sealed: list[Write] = []
    for write in writes:
        if isinstance(write, CreateSecret):
            secret = write.secret
            uuids[secret.name] = secret.uuid
            write = CreateSecret(replace(secret, values=_sealed(ring, secret.uuid,
                                                                secret.values)))
        elif isinstance(write, UpdateSecret):
            change = write.change
            uuid = uuids.get(write.name) or store.get_secret(write.name).uuid
            if change.name:
                uuids[change.name] = uuid
            if change.set:
                write = UpdateSecret(write.name, SecretChange(
                    set=_sealed(ring, uuid, change.set), unset=change.unset, name=change.name,
                    expected_revision=change.expected_revision))
        sealed.append(write)
    return sealed


def unsealed(secret: Secret, ring: KeyRing) -> Secret:
    """``secret`` with its clear values."""
    return replace(secret, values={
        key: ring.unseal(secret.uuid, key, value, f"key '{key}' of secret '{secret.name}'")
        for key, value in secret.values.items()})


def _sealed(ring: KeyRing, uuid: str, values: dict[str, str]) -> dict[str, str]:
    return {key: ring.seal(uuid, key, value) for key, value in values.items()}
