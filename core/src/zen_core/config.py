"""The global configuration: ``config.yaml`` in the config directory, and profiles.

The file keeps ZenML 0.7's keys (``activated_profile``, ``profiles``,
``user_id``, ``version``) and every key we do not know, so a ZenML 0.7 config
directory loads as it is and stays readable by it. What zen reads from it is
checked like typed input (profile names, store types and URLs, stack names), and
a bad value is named with its key and the file. Every change re-reads the file
under a lock and replaces it atomically: concurrent commands lose nothing.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zen_core import env
from zen_core.exceptions import InvalidDataError, ProfileNotFoundError
from zen_core.fileio import dump_yaml_as_json, inside, locked, read_yaml, write_text_atomic
from zen_core.names import check_name

ENV_CONFIG_PATH = env.CONFIG_PATH
CONFIG_FILE = "config.yaml"
#: Profile entry keys zen models (text); any other key is kept as it is.
PROFILE_KEYS = ("name", "store_type", "store_url", "active_stack", "store_token",
                "store_ca_cert", "profile_id")
#: Profile entry keys zen models that are true or false.
PROFILE_FLAGS = ("store_insecure", "store_token_keychain")
#: ``version`` written into a new config.yaml. NOTE: ZenML 0.7 refuses a file whose
#: version is newer than its own, so this is the layout's ZenML version, not zen's;
#: a version already in the file is kept.
ZENML_LAYOUT_VERSION = "0.7.0"


def config_dir() -> Path:
    """``$ZENML_CONFIG_PATH`` or the platform's user config folder for zenml."""
    override = os.environ.get(ENV_CONFIG_PATH)
    if override:
        path = Path(override).expanduser().resolve()
        if path.exists() and not path.is_dir():
            raise InvalidDataError(
                f"{ENV_CONFIG_PATH} points at {path}, which is not a folder. "
                "Point it at a folder (it is created if missing)."
            )
        return path
    from platformdirs import user_config_dir

    return Path(user_config_dir("zenml", appauthor=False, roaming=True))


@dataclass
class Profile:
    """A named configuration context: a store (type + URL) and its active stack."""

    name: str
    store_type: str = "local"
    store_url: str | None = None
    active_stack: str | None = None
    #: Access token for stores that take one (a remote zen service); config.yaml is 0600.
    store_token: str | None = None
    #: The token is kept in the OS keychain instead (:mod:`zen_core.services.keychain`).
    store_token_keychain: bool = False
    #: For stores that use TLS: a CA certificate file to trust (absolute path)...
    store_ca_cert: str | None = None
    #: ...or not to check the server's certificate at all (a development set-up).
    store_insecure: bool = False
    #: A uuid that stays through renames, so that a repository's choice follows one
    #: (``profile_id``; ZenML 0.7 ignores the key). None for a profile zen did not create
    #: until a repository records it.
    identity: str | None = None
    #: Keys we don't model (ZenML 0.7.3's ``active_user``...), kept on rewrite.
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def active_user(self) -> str:
        """The user this profile acts as (ZenML 0.7.3's ``active_user``; ``default``)."""
        from zen_core.accounts import DEFAULT_USER

        value = self.extra.get("active_user")
        return value if isinstance(value, str) and value else DEFAULT_USER

    def to_dict(self) -> dict[str, Any]:
        data = dict(self.extra)
        data.update(
            name=self.name,
            store_type=self.store_type,
            store_url=self.store_url,
            active_stack=self.active_stack,
        )
        if self.store_token:
            data["store_token"] = self.store_token
        if self.store_token_keychain:
            data["store_token_keychain"] = True
        if self.store_ca_cert:
            data["store_ca_cert"] = self.store_ca_cert
        if self.store_insecure:
            data["store_insecure"] = True
        if self.identity:
            data["profile_id"] = self.identity
        return data

    @classmethod
    def from_dict(cls, name: str, data: Any, source: Path | str = CONFIG_FILE) -> Profile:
        """The profile entry ``name`` of ``source``, every value checked."""
        where = f"profile '{name}' in {source}"
        try:
            check_name(name, "profile name")
        except InvalidDataError as err:
            raise InvalidDataError(f"{source}: {err.message} Fix that file.") from None
        if not isinstance(data, dict):
            raise InvalidDataError(f"The {where} is not a mapping. Fix that file.")
        for key in PROFILE_KEYS[1:]:
            value = data.get(key)
            if value is not None and not isinstance(value, str):
                raise InvalidDataError(
                    f"'{key}' of the {where} must be text, not {value!r}. Fix that file."
                )
        for key in PROFILE_FLAGS:
            value = data.get(key)
            if value is not None and not isinstance(value, bool):
                raise InvalidDataError(
                    f"'{key}' of the {where} must be true or false, not {value!r}. "
                    "Fix that file."
                )
        stack = data.get("active_stack")
        if stack:
            try:
                check_name(stack, "stack name")
            except InvalidDataError as err:
                raise InvalidDataError(
                    f"'active_stack' of the {where}: {err.message} Fix that file."
                ) from None
        return cls(
            name=name,
            store_type=data.get("store_type") or "local",
            store_url=data.get("store_url") or None,
            active_stack=stack or None,
            store_token=data.get("store_token") or None,
            store_token_keychain=bool(data.get("store_token_keychain")),
            store_ca_cert=data.get("store_ca_cert") or None,
            store_insecure=bool(data.get("store_insecure")),
            identity=data.get("profile_id") or None,
            extra={k: v for k, v in data.items()
                   if k not in PROFILE_KEYS and k not in PROFILE_FLAGS},
        )


class GlobalConfig:
    """A snapshot of ``config.yaml``; :meth:`edit` changes the file safely."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or config_dir()
        self.path = self.directory / CONFIG_FILE
        self._data: dict[str, Any] = self._read()
        self._profiles: dict[str, Profile] | None = None

    def _read(self) -> dict[str, Any]:
        data = read_yaml(self.path, default={})
        if not isinstance(data, dict):
            raise InvalidDataError(f"{self.path} is not a YAML mapping. Fix or remove that file.")
        raw = data.get("profiles")
        if raw is not None and not isinstance(raw, dict):
            raise InvalidDataError(f"'profiles' in {self.path} is not a mapping. Fix that file.")
        active = data.get("activated_profile")
        if active is not None:
            if not isinstance(active, str):
                raise InvalidDataError(
                    f"'activated_profile' in {self.path} must be a profile name, not "
                    f"{active!r}. Fix that file, or run `zenml profile set --global NAME`."
                )
            try:
                check_name(active, "profile name")
            except InvalidDataError as err:
                raise InvalidDataError(
                    f"'activated_profile' in {self.path}: {err.message} Fix that file."
                ) from None
        return data

    def reload(self) -> None:
        self._data = self._read()
        self._profiles = None

    @property
    def exists(self) -> bool:
        return bool(self._data)

    @property
    def activated_profile(self) -> str | None:
        return self._data.get("activated_profile")

    @property
    def user_id(self) -> str | None:
        return self._data.get("user_id")

    @property
    def profiles(self) -> dict[str, Profile]:
        """Every profile, in the order the file lists them (the order they were created)."""
        if self._profiles is None:
            raw = self._data.get("profiles") or {}
            self._profiles = {name: Profile.from_dict(str(name), data, self.path)
                              for name, data in raw.items()}
        return self._profiles

    def has_profile(self, name: str) -> bool:
        return name in (self._data.get("profiles") or {})

    def get_profile(self, name: str) -> Profile:
        profiles = self.profiles
        if name not in profiles:
            raise ProfileNotFoundError(
                f"Profile '{name}' does not exist. Available profiles: "
                f"{', '.join(sorted(profiles)) or 'none'}."
            )
        return profiles[name]

    def profile_dir(self, name: str) -> Path:
        """The profile's own folder; never outside ``<config>/profiles``."""
        profiles = self.directory / "profiles"
        return inside(profiles, profiles / check_name(name, "profile name"))

    @contextlib.contextmanager
    def edit(self) -> Iterator[dict[str, Any]]:
        """Yield the freshly read raw config under a lock; write it back on success."""
        from zen_core.fileio import remove_stale_temp_files

        with locked(self.path):
            remove_stale_temp_files(self.directory, CONFIG_FILE)
            data = self._read()
            yield data
            data.setdefault("user_id", str(uuid.uuid4()))
            data.setdefault("analytics_opt_in", True)
            data.setdefault("version", ZENML_LAYOUT_VERSION)
            # JSON syntax (which is YAML, as ZenML 0.7 reads it): every command reads this
            # file, and json needs no PyYAML; profiles stay in the order they were created.
            write_text_atomic(self.path, dump_yaml_as_json(data, sort_keys=False, depth=2))
            self._data = data
            self._profiles = None

    # --- mutations (each one locked read-modify-write) ---------------------------
    def save_profile(self, profile: Profile) -> None:
        with self.edit() as data:
            data.setdefault("profiles", {})[profile.name] = profile.to_dict()

    def remove_profile(self, name: str) -> None:
        with self.edit() as data:
            profiles = data.get("profiles") or {}
            if name not in profiles:
                raise ProfileNotFoundError(f"Profile '{name}' does not exist.")
            del profiles[name]

    def activate_profile(self, name: str) -> None:
        with self.edit() as data:
            if name not in (data.get("profiles") or {}):
                raise ProfileNotFoundError(f"Profile '{name}' does not exist.")
            data["activated_profile"] = name

    def set_profile_stack(self, profile_name: str, stack_name: str | None) -> None:
        with self.edit() as data:
            profiles = data.get("profiles") or {}
            if profile_name not in profiles:
                raise ProfileNotFoundError(f"Profile '{profile_name}' does not exist.")
            profiles[profile_name]["active_stack"] = stack_name
