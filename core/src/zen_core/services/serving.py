"""A profile served to others over the network (``zenml service up``), as the domain sees it.

The service (``zen_service``) is an edge like the CLI: it never holds the
served store. It asks this module which profile it may serve, and gets a
:class:`ServedStore`, which opens one store instance per server thread (a store
class need not be thread-safe) and hands out only doors
(:class:`~zen_core.services.access.StoreAccess`) acting as the user of a key,
the check of a key a client presents, and the bookkeeping of its use::

    served = serving.serve(config, "team")
    key, actor = served.authenticate("zen_...")
    stacks.list_(served.access(actor))
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from zen_core.exceptions import InvalidDataError
from zen_core.services import keys, profiles

if TYPE_CHECKING:
    from zen_core.account_records import ApiKey
    from zen_core.config import GlobalConfig, Profile
    from zen_core.services.access import StoreAccess
    from zen_core.services.authz import Actor
    from zen_core.services.rules import Rules
    from zen_core.services.secret_keys import ProfileKeys
    from zen_core.store import BaseStore


class ServedStore:
    """The served store, one instance per thread (or the one instance given), behind the
    door. ``rules`` are those every write obeys (default: the installed flavors')."""

    def __init__(self, source: Callable[[], BaseStore] | BaseStore,
                 rules: Rules | None = None, profile: str | None = None,
                 keys: ProfileKeys | None = None) -> None:
        from zen_core.services.rules import Rules
        from zen_core.store import BaseStore

        self.profile = profile
        self.keys = keys
        self.rules = rules if rules is not None else Rules()
        self._shared = source if isinstance(source, BaseStore) else None
        self._opener = None if isinstance(source, BaseStore) else source
        self._local = threading.local()

    def _store(self) -> BaseStore:
        if self._shared is not None:
            return self._shared
        store = getattr(self._local, "store", None)
        if store is None:
            assert self._opener is not None
            store = self._local.store = self._opener()
        return store

    def access(self, actor: Actor) -> StoreAccess:
        """This thread's store behind the door, acting as ``actor`` (a key's user)."""
        from zen_core.services.access import StoreAccess

        return StoreAccess(self._store(), actor, self.rules, keys=self.keys)

    def authenticate(self, presented: str) -> tuple[ApiKey, Actor]:
        """The key and its user as an actor; AuthenticationError if it is not a valid key."""
        return keys.authenticate(self._store(), presented)

    def record_use(self, key: ApiKey) -> None:
        """Record that ``key`` was used now: the service's bookkeeping, no history event,
        and no write an edge may ask for (``TouchApiKey`` is not an operation)."""
        keys.touch(self._store(), key)

    def check_ready(self) -> None:
        """Ask this thread's store something small that needs it to answer (a query, a file
        read): a ``ZenError`` saying why when it cannot (the service's ``/ready``)."""
        self._store().is_empty()

    def check_open(self) -> None:
        """Open (and close) the store now, so that one that cannot be opened fails at
        start, not at the first request."""
        if self._opener is not None:
            self._opener().close()


def servable_profile(config: GlobalConfig, profile_name: str | None = None,
                     last_served: str | None = None) -> Profile:
    """The profile a service may serve: ``profile_name`` or the one in effect here.

    Refuses an unknown profile, one whose store type is not installed, and one
    whose store type is not servable (a ``rest`` profile: a service serves a
    store, not another service). ``last_served`` is named in that refusal.
    """
    from zen_core.context import Context
    from zen_core.plugins import get_plugin_manager

    profile = (config.get_profile(profile_name) if profile_name
               else Context.here(config).profile)
    plugins = get_plugin_manager()
    kind = plugins.store_type(profile.store_type)  # raises if not installed
    if not kind.servable:
        hint = ""
        if last_served and last_served != profile.name and config.has_profile(last_served):
            hint = f" (`--profile {last_served}` serves the profile it served last time)"
        servable = " or ".join(sorted(n for n, t in plugins.store_types().items() if t.servable))
        raise InvalidDataError(
            f"Profile '{profile.name}' uses the {kind.name} store type: a zen service serves "
            f"a {servable} profile, not another service. Choose one with --profile{hint}."
        )
    return profile


def serve(config: GlobalConfig, profile_name: str | None = None,
          rules: Rules | None = None) -> ServedStore:
    """The store of the profile to serve (:func:`servable_profile`), checked to open."""
    from zen_core.services.secret_keys import ProfileKeys

    profile = servable_profile(config, profile_name)
    served = ServedStore(partial(profiles.open_store, config, profile), rules, profile.name,
                         ProfileKeys(config, profile.name))
    served.check_open()
    return served


def admin_key(config: GlobalConfig, profile: Profile, previous: str = "") -> str:
    """An admin API key of the profile's active user on its store, for a service started
    on this machine: ``previous`` while it is one, else a new one (the user created and
    made an admin if needed: :func:`zen_core.services.keys.bootstrap_admin_key`)."""
    from zen_core.accounts import Permission
    from zen_core.exceptions import AuthenticationError

    with profiles.open_store(config, profile) as store:
        if previous:
            try:
                _, actor = keys.authenticate(store, previous)
            except AuthenticationError:
                pass
            else:
                if actor.can(Permission.ADMIN):
                    return previous
        _, key = keys.bootstrap_admin_key(profiles.access_to(config, profile, store=store))
        return key
