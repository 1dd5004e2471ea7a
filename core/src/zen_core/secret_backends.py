"""The built-in secret back-ends besides zen's own encrypted secrets (the
``zen_secret_backends`` hook):

- ``env``: ``{{env.NAME}}`` is the environment variable NAME of the process that resolves
  the configuration (a pipeline's, a CI job's);
- ``keyring``: ``{{keyring.NAME}}`` is the password stored for NAME under the service
  ``zenml`` in the OS keychain (macOS Keychain, Secret Service, Windows Credential
  Vault), through the ``keyring`` package (``pip install keyring``).

Imported on every command: it stays light, the resolvers load when a reference is.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from zen_core import hookimpl
from zen_core.exceptions import InvalidDataError

if TYPE_CHECKING:
    from zen_core.hook_records import SecretBackend

#: The keychain service zen's keyring references read from.
KEYRING_SERVICE = "zenml"
_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def check_variable(key: str) -> None:
    if not _VARIABLE.fullmatch(key):
        raise InvalidDataError(f"'{key}' is not an environment variable's name: use "
                               "letters, digits and '_', not starting with a digit.")


def read_variable(key: str) -> str:
    check_variable(key)
    value = os.environ.get(key)
    if value is None:
        raise InvalidDataError(f"The environment variable {key} is not set (referred to as "
                               f"{{{{env.{key}}}}}).")
    return value


def read_keyring(key: str) -> str:
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        from zen_core.install import install_hint

        raise InvalidDataError(
            f"{{{{keyring.{key}}}}} needs the keyring package: `pip install keyring`, or zen-core "
            f"with its keyring extra ({install_hint('zen-core', 'keyring')}).") from None
    try:
        value = keyring.get_password(KEYRING_SERVICE, key)
    except KeyringError as err:
        raise InvalidDataError(f"The OS keychain cannot be read: {err}.") from None
    if value is None:
        raise InvalidDataError(f"The OS keychain holds no '{key}' for the service "
                               f"'{KEYRING_SERVICE}' (referred to as {{{{keyring.{key}}}}}).")
    return value


@hookimpl
def zen_secret_backends() -> Iterator[SecretBackend]:
    from zen_core.hook_records import SecretBackend

    yield SecretBackend(name="env", description="An environment variable of the process "
                        "that resolves the configuration.", resolver=read_variable,
                        check=check_variable)
    yield SecretBackend(name="keyring", description="A password in the OS keychain (service "
                        "'zenml'), through the keyring package.", resolver=read_keyring)
