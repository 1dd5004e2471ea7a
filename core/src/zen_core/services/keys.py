"""API keys: random, shown once, stored as a hash; and telling who presents one.

A key reads ``zen_<key id>_<secret>``: the id (public, 12 hex digits) finds the
stored record, the secret (32 random bytes) is checked against its SHA-256 in
constant time. SHA-256 suits here where a password hash would not be needed:
the secret is random and long, so there is nothing to guess.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from zen_core.account_records import ApiKey, RoleAssignment, User
from zen_core.accounts import Permission
from zen_core.exceptions import AuthenticationError, InvalidDataError
from zen_core.models import utc_now
from zen_core.names import check_name
from zen_core.services.authz import Actor, actor_for, roles_of
from zen_core.writes import AssignRole, CreateApiKey, CreateUser, RevokeApiKey, TouchApiKey, Write

if TYPE_CHECKING:
    from zen_core.services.access import StoreAccess
    from zen_core.store import BaseStore

PREFIX = "zen_"
_KEY = re.compile(r"zen_([0-9a-f]{12})_([A-Za-z0-9_-]{20,100})")
_DURATION = re.compile(r"(\d+)\s*([mhdw])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str) -> timedelta:
    """``90m``, ``12h``, ``30d``, ``2w`` as a timedelta."""
    match = _DURATION.fullmatch(text.strip().lower())
    if not match or int(match.group(1)) == 0:
        raise InvalidDataError(
            f"Invalid duration '{text}': use a number and m, h, d or w, e.g. 30d.")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _moment(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _new_key(user: str, name: str, expires_in: str | timedelta | None) -> tuple[ApiKey, str]:
    check_name(name, "key name")
    if isinstance(expires_in, str):
        expires_in = parse_duration(expires_in)
    expires = _stamp(datetime.now(timezone.utc) + expires_in) if expires_in else None
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    return ApiKey(user, name, key_id, _hash(secret), utc_now(), expires), \
        f"{PREFIX}{key_id}_{secret}"


def create(access: StoreAccess, user: str, name: str | None = None,
           expires_in: str | timedelta | None = None) -> tuple[ApiKey, str]:
    """A new key for ``user``: its record and the key itself, which is shown only now."""
    taken = {k.name for k in access.checked(Permission.ADMIN).list_api_keys(user)}
    if name is None:
        name = next(f"key-{n}" for n in range(1, len(taken) + 2) if f"key-{n}" not in taken)
    record, key = _new_key(user, name, expires_in)
    [written] = access.write([CreateApiKey(record)])
    return written, key


def bootstrap_admin_key(access: StoreAccess, name: str = "service") -> tuple[ApiKey, str]:
    """An admin key for the acting user, for a service started on this machine (``zenml
    service up`` with no set-up): the user is created and given the admin role if needed,
    all in one write. The key is named ``name`` (``name-2``... if taken).

    Only an admin may do this; on a new store (no role assigned yet) the local user is
    one (:func:`zen_core.services.authz.actor_for`). NotPermittedError otherwise.
    """
    store, user = access.checked(Permission.ADMIN), access.actor.name
    if user is None:
        raise InvalidDataError("An admin key is made for a named user, not for a store that "
                               "checks roles itself.")
    writes: list[Write] = []
    if user not in {u.name for u in store.list_users()}:
        writes.append(CreateUser(User(user)))
    if "admin" not in roles_of(store, user):
        writes.append(AssignRole(RoleAssignment("admin", user=user)))
    taken = {k.name for k in store.list_api_keys(user)}
    free = next(n for n in [name, *(f"{name}-{i}" for i in range(2, len(taken) + 3))]
                if n not in taken)
    record, key = _new_key(user, free, None)
    writes.append(CreateApiKey(record))
    written = access.write(writes)
    return written[-1], key  # type: ignore[return-value]


def list_(access: StoreAccess, user: str | None = None) -> list[ApiKey]:
    store = access.checked(Permission.ADMIN)
    if user is not None:
        store.get_user(user)
    return store.list_api_keys(user)


def revoke(access: StoreAccess, user: str, name: str) -> None:
    access.write([RevokeApiKey(user, name)])


def is_expired(key: ApiKey, now: datetime | None = None) -> bool:
    return key.expires is not None and _moment(key.expires) <= (now or datetime.now(timezone.utc))


def authenticate(store: BaseStore, presented: str) -> tuple[ApiKey, Actor]:
    """The key record and the actor for a presented key; AuthenticationError if it is not a
    valid, unexpired key of this store. The message never repeats the key."""
    match = _KEY.fullmatch(presented.strip())
    if not match:
        raise AuthenticationError("The API key is malformed (expected zen_<id>_<secret>).")
    key = store.find_api_key(match.group(1))
    if key is None or not hmac.compare_digest(key.secret_hash, _hash(match.group(2))):
        raise AuthenticationError("The API key is not valid (unknown, revoked or mistyped).")
    if is_expired(key):
        raise AuthenticationError(f"The API key '{key.name}' of user '{key.user}' expired "
                                  f"at {key.expires}.")
    return key, actor_for(store, key.user, bootstrap=False)


def touch(store: BaseStore, key: ApiKey) -> None:
    """Record that ``key`` was used now (no history event)."""
    store.apply([TouchApiKey(key.key_id, utc_now())])
