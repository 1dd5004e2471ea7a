"""What the store says of one user (:meth:`zen_core.store.BaseStore.standing`), asked by
every checked read and write. Until a role is assigned every local user is an admin, and
the answer needs only the users' names, read here from the parsed index: the account
records' classes (:mod:`zen_core.account_records`, ~2 ms to make on each command) are
left to the commands that list or change accounts, and to the whole rule once roles are
in use (:mod:`zen_local_store.accounts`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from zen_core.accounts import Standing
from zen_core.exceptions import InvalidDataError
from zen_core.names import check_name
from zen_local_store.meta import META_KEY


def entries(data: dict[str, Any], key: str, where: dict[str, Any] | None = None) -> list:
    """The list at ``key`` of ``where`` (default: the index), made empty if missing."""
    holder = data if where is None else where
    value = holder.get(key)
    if value is None:
        value = holder[key] = []
    if not isinstance(value, list):
        raise InvalidDataError(f"'{key}' is not a list.")
    return value


def meta(data: dict[str, Any]) -> dict[str, Any]:
    """zen's own part of the index (``_zen``), made empty if missing."""
    found = data.get(META_KEY)
    if not isinstance(found, dict):
        found = data[META_KEY] = {}
    return found


def user_entries(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for entry in entries(data, "users"):
        if not isinstance(entry, dict) or "name" not in entry:
            raise InvalidDataError(f"A user entry is not a mapping with a name: {entry!r}.")
        yield entry


def standing_without_roles(data: dict[str, Any], user: str) -> Standing | None:
    """The standing of ``user`` while no role is assigned; None once one is."""
    if any(isinstance(e, dict) for e in entries(meta(data), "role_assignments")):
        return None
    names = {check_name(str(e["name"]), "user name") for e in user_entries(data)}
    return Standing(roles_in_use=False, is_user=user in names, roles=frozenset())
