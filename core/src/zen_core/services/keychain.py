"""A rest profile's access key in the OS keychain instead of ``config.yaml`` (issue 18):
``zenml profile create|update ... --token-stdin --keychain``. The keychain entry is the
service ``zenml``'s password for ``profile-key:<profile id>`` (the id stays through
renames); ``config.yaml`` records only ``store_token_keychain: true``. Through the
``keyring`` package (zen-core's ``keyring`` extra), imported only when a key is kept or
read there."""

from __future__ import annotations

from typing import Any

from zen_core.config import Profile
from zen_core.exceptions import InvalidDataError

#: The keychain service, as for ``{{keyring.NAME}}`` references.
SERVICE = "zenml"


def entry(profile: Profile) -> str:
    return f"profile-key:{profile.identity or profile.name}"


def _keyring(profile: str) -> Any:
    try:
        import keyring
    except ImportError:
        from zen_core.install import install_hint

        raise InvalidDataError(
            f"Profile '{profile}' keeps its key in the OS keychain, which needs the keyring "
            f"package: `pip install keyring`, or zen-core with its keyring extra "
            f"({install_hint('zen-core', 'keyring')}).") from None
    return keyring


def store(profile: Profile, token: str) -> None:
    """Keep ``token`` in the keychain for ``profile``."""
    keyring = _keyring(profile.name)
    try:
        keyring.set_password(SERVICE, entry(profile), token)
    except keyring.errors.KeyringError as err:
        raise InvalidDataError(f"The OS keychain cannot keep the key of profile "
                               f"'{profile.name}': {err}.") from None


def read(profile: Profile) -> str:
    """The key kept for ``profile``; a one-line error naming the way to give it one."""
    keyring = _keyring(profile.name)
    try:
        token = keyring.get_password(SERVICE, entry(profile))
    except keyring.errors.KeyringError as err:
        raise InvalidDataError(f"The OS keychain cannot be read for the key of profile "
                               f"'{profile.name}': {err}.") from None
    if not token:
        raise InvalidDataError(
            f"Profile '{profile.name}' keeps its key in the OS keychain, which holds none "
            f"for it: give it one with `zenml profile update {profile.name} --token-stdin "
            "--keychain`.")
    return token


def forget(profile: Profile) -> None:
    """Remove the profile's keychain entry, if any (a deleted profile leaves no key)."""
    try:
        keyring = _keyring(profile.name)
        keyring.delete_password(SERVICE, entry(profile))
    except Exception:  # nothing to remove, or no keychain: nothing to do
        pass
