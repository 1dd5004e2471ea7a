"""Profiles: create (with their store and default stack), open their store, rename, delete.

Creating the ``default`` profile on the first run is an explicit step
(:func:`ensure_default`) that the CLI runs before a command, never a side
effect of reading the configuration.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from zen_core import env
from zen_core.config import GlobalConfig, Profile
from zen_core.defaults import DEFAULT_PROFILE, DEFAULT_STACK, default_stack_components
from zen_core.exceptions import (
    InUseError,
    InvalidDataError,
    ProfileExistsError,
    ProfileNotFoundError,
    ZenError,
)
from zen_core.fileio import cannot, inside, locked
from zen_core.masking import mask_url
from zen_core.names import check_name
from zen_core.services import keychain
from zen_core.services.access import Reporter, quiet

if TYPE_CHECKING:
    from zen_core.plugins import PluginManager
    from zen_core.services.access import StoreAccess
    from zen_core.store import BaseStore


def _plugins() -> PluginManager:
    from zen_core.plugins import get_plugin_manager

    return get_plugin_manager()


def store_url(config: GlobalConfig, profile: Profile) -> str:
    """The profile's store URL: as recorded, else its store type's default location."""
    if profile.store_url:
        return profile.store_url
    store_type = _plugins().store_type(profile.store_type)
    return store_type.url_for_profile(config.profile_dir(profile.name))


def open_store(config: GlobalConfig, profile: Profile, warn: Reporter | None = None
               ) -> BaseStore:
    """An instance of the profile's store (nothing is created; see :func:`create`);
    ``warn`` hears what the store says that fails nothing (a key about to expire)."""
    from zen_core.store import StoreContext

    store_type = _plugins().store_type(profile.store_type)
    token = profile.store_token
    if profile.store_token_keychain and not token and not os.environ.get(env.STORE_TOKEN):
        token = keychain.read(profile)  # ($ZENML_STORE_TOKEN wins over a stored key)
    context = StoreContext(config_directory=config.directory, token=token,
                           profile=profile.name,
                           ca_cert=Path(profile.store_ca_cert) if profile.store_ca_cert else None,
                           insecure=profile.store_insecure, warn=warn)
    return store_type.open(store_url(config, profile), context)


def access_to(config: GlobalConfig, profile: Profile, *, store: BaseStore | None = None,
              report: Reporter = quiet) -> StoreAccess:
    """The profile's store (``store`` if open already) behind the door, acting as the
    profile's user (:func:`zen_core.services.authz.actor_of_profile`)."""
    from zen_core.services.access import StoreAccess
    from zen_core.services.authz import actor_of_profile
    from zen_core.services.secret_keys import ProfileKeys

    opened = store if store is not None else open_store(config, profile)
    return StoreAccess(opened, lambda: actor_of_profile(opened, profile), report=report,
                       keys=ProfileKeys(config, profile.name))


class OpenStores:
    """The stores of the profiles one client works with, each opened once and handed out
    only behind the door (:func:`access_to`): an edge holds none."""

    def __init__(self, config: GlobalConfig, report: Reporter = quiet,
                 warn: Reporter | None = None) -> None:
        self.config, self.report, self.warn = config, report, warn
        self._opened: dict[tuple[str, str], BaseStore] = {}  # by profile name and URL

    def access(self, profile: Profile) -> StoreAccess:
        key = (profile.name, store_url(self.config, profile))
        if key not in self._opened:
            self._opened[key] = open_store(self.config, profile, self.warn)
        return access_to(self.config, profile, store=self._opened[key], report=self.report)

    def forget(self, name: str) -> None:
        """Close the store of profile ``name`` (deleted): a new one of that name is new."""
        for key in [k for k in self._opened if k[0] == name]:
            self._opened.pop(key).close()


def active_stack_of(store: BaseStore, profile: Profile) -> str | None:
    """The profile's recorded active stack, or its fallback if that one is gone."""
    from zen_core.context import fallback_stack

    return fallback_stack(profile.active_stack, store.stack_names())


def create(
    config: GlobalConfig,
    name: str,
    store_type: str | None = None,
    url: str | None = None,
    token: str | None = None,
    *,
    report: Reporter = quiet,
    register_default_stack: bool = True,
    record: bool = True,
    ca_cert: str | Path | None = None,
    insecure: bool = False,
    in_keychain: bool = False,
) -> tuple[Profile, BaseStore]:
    """Create a profile, its store and (if the store is empty) its default stack.

    All or nothing: if the store cannot be set up, no profile is recorded.
    With ``record=False`` the caller fills the store and then calls
    :func:`record` (or :func:`discard_storage` on failure). ``ca_cert`` (a CA
    certificate file to trust) and ``insecure`` (check no certificate) are for store
    types that use TLS. ``in_keychain``: the token is kept in the OS keychain, not in
    ``config.yaml``.
    """
    profile = check_new(config, name, store_type, url, token, ca_cert=ca_cert,
                        insecure=insecure)
    if in_keychain and not token:
        raise InvalidDataError("--keychain keeps the key given with --token-stdin: give one.")
    kind = _plugins().store_type(profile.store_type)
    with locked(config.directory / "create-profile"):
        config.reload()
        if config.has_profile(name):
            raise ProfileExistsError(f"Profile '{name}' already exists.")
        report(f"Initializing profile `{name}`...")
        store = open_store(config, profile)
        try:
            store.initialize()
            if register_default_stack and kind.registers_default_stack and store.is_empty():
                store.register_default_stack(
                    default_stack_components(config.directory),
                    report if kind.reports_default_stack else quiet,
                )
                profile.active_stack = DEFAULT_STACK
            if record:
                profile.active_stack = active_stack_of(store, profile)
                if in_keychain:
                    keychain.store(profile, token or "")
                    profile.store_token, profile.store_token_keychain = None, True
                config.save_profile(profile)
        except BaseException:
            discard_storage(config, profile, store)
            raise
    return profile, store


def _ca_file(path: str | Path) -> str:
    """``path`` as an absolute path to a readable file (what the profile records)."""
    resolved = Path(path).expanduser().resolve()
    try:
        with resolved.open("rb") as f:
            f.read(1)
    except OSError as err:
        raise InvalidDataError(
            f"Cannot read the CA certificate {resolved}: {err.strerror or err}.") from None
    return str(resolved)


def check_new(config: GlobalConfig, name: str, store_type: str | None = None,
              url: str | None = None, token: str | None = None, *,
              ca_cert: str | Path | None = None, insecure: bool = False) -> Profile:
    """The profile :func:`create` would record (name, store type, URL, token and TLS
    options checked); nothing is created."""
    from zen_core.defaults import default_store_type

    check_name(name, "profile name")
    if config.has_profile(name):
        raise ProfileExistsError(f"Profile '{name}' already exists.")
    type_name = store_type or default_store_type()
    kind = _plugins().store_type(type_name)
    if url is not None:
        kind.validate_url(url)
    if token and not kind.accepts_token:
        raise InvalidDataError(f"Store type '{type_name}' takes no token.")
    if (ca_cert or insecure) and not kind.uses_tls:
        raise InvalidDataError(f"Store type '{type_name}' does not use TLS: it takes no "
                               "--ca-cert or --insecure.")
    if ca_cert and insecure:
        raise InvalidDataError("Give --ca-cert or --insecure, not both: --insecure checks "
                               "no certificate at all.")
    profile = Profile(name=name, store_type=type_name, store_url=url, store_token=token,
                      store_ca_cert=_ca_file(ca_cert) if ca_cert else None,
                      store_insecure=insecure, identity=str(uuid.uuid4()))
    profile.store_url = store_url(config, profile)
    return profile


def identity_of(config: GlobalConfig, name: str) -> str:
    """The profile's identity (``Profile.identity``), given to it now if it has none (a
    profile from ZenML 0.7 or an older zen): what a repository records besides the name."""
    profile = config.get_profile(name)
    if profile.identity:
        return profile.identity
    with config.edit() as data:
        entry = (data.get("profiles") or {}).get(name)
        if not isinstance(entry, dict):
            config.get_profile(name)  # deleted meanwhile: raises
            raise ProfileNotFoundError(f"Profile '{name}' does not exist.")
        identity = entry.setdefault("profile_id", str(uuid.uuid4()))
    return str(identity)


def update(config: GlobalConfig, name: str, *, url: str | None = None, token: str | None = None,
           ca_cert: str | Path | None = None, in_keychain: bool = False
           ) -> tuple[Profile, list[str]]:
    """Give profile ``name`` a new store URL, access token or CA file (each checked as
    :func:`create` checks it); its store is not contacted, so a profile whose key was
    revoked, or whose CA file went away, gets out this way. Returns the profile and what
    changed, in words (never the token)."""
    profile = config.get_profile(name)
    type_name = profile.store_type
    kind = _plugins().store_type(type_name)
    if url is None and token is None and ca_cert is None:
        raise InvalidDataError("Nothing to update: give --url, --token-stdin or --ca-cert.")
    if in_keychain and token is None:
        raise InvalidDataError("--keychain keeps the key given with --token-stdin: give one.")
    if url is not None:
        kind.validate_url(url)
    if token is not None and not kind.accepts_token:
        raise InvalidDataError(f"Store type '{type_name}' takes no token.")
    if ca_cert is not None and not kind.uses_tls:
        raise InvalidDataError(f"Store type '{type_name}' does not use TLS: it takes no "
                               "--ca-cert.")
    ca_file = _ca_file(ca_cert) if ca_cert is not None else None
    changed = []
    with config.edit() as data:
        entry = (data.get("profiles") or {}).get(name)
        if not isinstance(entry, dict):
            raise ProfileNotFoundError(f"Profile '{name}' does not exist.")
        if url is not None:
            entry["store_url"] = url
            changed.append(f"its store URL is {mask_url(url)}")
        if token is not None and in_keychain:
            keychain.store(profile, token)
            entry.pop("store_token", None)
            entry["store_token_keychain"] = True
            changed.append("it has a new token, kept in the OS keychain")
        elif token is not None:
            entry["store_token"] = token
            if entry.pop("store_token_keychain", None):
                keychain.forget(profile)
            changed.append("it has a new token")
        if ca_file is not None:
            entry["store_ca_cert"] = ca_file
            entry.pop("store_insecure", None)  # a CA to trust: the certificate is checked
            changed.append(f"it trusts the CA certificate {ca_file}")
    return config.get_profile(name), changed


def owns_store(config: GlobalConfig, profile: Profile) -> bool:
    """Whether the profile's store lives in the profile's own folder (its store type's default
    location), so that deleting or renaming the profile deletes or moves the store too."""
    try:
        default = _plugins().store_type(profile.store_type).url_for_profile(
            config.profile_dir(profile.name))
    except ZenError:  # no default location (rest), or a store type not installed
        return False
    return store_url(config, profile) == default


def check_not_in_use(config: GlobalConfig, name: str) -> None:
    """Refuse to rename or delete a profile a plugin uses (a running service serves it:
    its clients would be left with no store), naming what to run first."""
    reason = _plugins().profile_in_use(config.directory, name)
    if reason:
        raise InUseError(reason)


def rename(config: GlobalConfig, old: str, new: str) -> Profile:
    """Rename a profile; its own folder (and a store in it) moves along, the global choice
    follows. A repository's choice follows through :func:`.choices.follow_profile_rename`."""
    check_name(new, "profile name")
    config.get_profile(old)  # raises if unknown
    check_not_in_use(config, old)
    if old == new or config.has_profile(new):
        raise ProfileExistsError(f"Profile '{new}' already exists.")
    with locked(config.directory / "create-profile"):
        config.reload()
        profile = config.get_profile(old)
        if config.has_profile(new):
            raise ProfileExistsError(f"Profile '{new}' already exists.")
        new_url = (_plugins().store_type(profile.store_type).url_for_profile(
            config.profile_dir(new)) if owns_store(config, profile) else None)
        old_dir, new_dir = config.profile_dir(old), config.profile_dir(new)
        if new_dir.exists():
            raise InvalidDataError(
                f"Cannot rename profile '{old}' to '{new}': {new_dir} already exists (left by "
                "an earlier profile?). Move it away first."
            )
        moved = old_dir.is_dir()
        if moved:
            try:
                old_dir.rename(new_dir)
            except OSError as err:
                raise cannot("move", old_dir, err) from None
        try:
            with config.edit() as data:
                entries = data.get("profiles") or {}
                renamed = {}
                for key, entry in entries.items():  # same place in the list: creation order
                    if key == old:
                        entry = dict(entry, name=new)
                        if new_url is not None:
                            entry["store_url"] = new_url
                        key = new
                    renamed[key] = entry
                data["profiles"] = renamed
                if data.get("activated_profile") == old:
                    data["activated_profile"] = new
        except BaseException:
            if moved:
                new_dir.rename(old_dir)
            raise
    return config.get_profile(new)


def record(config: GlobalConfig, profile: Profile) -> None:
    """Record a profile created with ``record=False`` in the global config."""
    with locked(config.directory / "create-profile"):
        config.reload()
        if config.has_profile(profile.name):
            raise ProfileExistsError(f"Profile '{profile.name}' already exists.")
        config.save_profile(profile)


def discard_storage(config: GlobalConfig, profile: Profile, store: BaseStore | None) -> None:
    """Close the store of a profile that was never recorded and remove its own folder."""
    if store is not None:
        store.close()
    if not config.has_profile(profile.name):
        _remove_profile_folder(config, profile.name)


def _remove_profile_folder(config: GlobalConfig, name: str) -> None:
    folder = config.profile_dir(name)
    if folder.is_dir():
        import shutil  # only here: every command imports this module

        inside(config.directory / "profiles", folder)
        shutil.rmtree(folder, ignore_errors=True)


def delete(config: GlobalConfig, name: str) -> None:
    """Forget the profile and remove its own folder; a store elsewhere (``--url``) stays.
    Refusing an active profile is :func:`zen_core.services.choices.check_deletable`'s."""
    profile = config.get_profile(name)  # raises if unknown
    config.remove_profile(name)
    if profile.store_token_keychain:
        keychain.forget(profile)
    _remove_profile_folder(config, name)


def ensure_default(config: GlobalConfig, report: Reporter = quiet) -> bool:
    """Create and activate the ``default`` profile when there is no profile at all (the first
    run), once even when several processes start together. Returns whether it did."""
    if config.profiles:
        return False
    with locked(config.directory / "default-profile"):
        config.reload()
        if config.profiles:
            return False
        report("Creating default profile...")
        profile, store = create(config, DEFAULT_PROFILE, report=report, record=False)
        store.close()
        # One write records and activates it: no process sees one without the other.
        with config.edit() as data:
            data.setdefault("profiles", {})[profile.name] = profile.to_dict()
            data["activated_profile"] = profile.name
        report("Created and activated default profile.")
        return True

