"""Where a profile's secrets keys come from (:class:`~.secret_crypto.KeyRing`).

1. ``ZENML_SECRETS_KEY``: one or more keys in base64, comma-separated, the current one
   first. For a database several machines share, or a service with replicas: every one
   of them must hold the same key, and the database alone never yields a value.
2. Else the profile's key file, ``<config>/secret-keys/<profile>.key`` (mode 0600, one key
   a line, the current one first), outside the store's own folder, so that a store folder
   kept in git or copied elsewhere carries no key. It is made when the first secret is
   written to a store that holds no sealed value yet.

A profile whose store seals values on its side (a rest profile: its service does) needs
no key here.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from zen_core import env
from zen_core.exceptions import InvalidDataError
from zen_core.fileio import cannot, locked, write_text_atomic

if TYPE_CHECKING:
    from zen_core.config import GlobalConfig
    from zen_core.services.secret_crypto import KeyRing

KEYS_FOLDER = "secret-keys"


def key_file(config: GlobalConfig, profile: str) -> Path:
    return config.directory / KEYS_FOLDER / f"{profile}.key"


class ProfileKeys:
    """The keys of profile ``profile`` of ``config``, read when first needed."""

    def __init__(self, config: GlobalConfig, profile: str) -> None:
        self.config, self.profile = config, profile
        self.path = key_file(config, profile)

    @property
    def from_environment(self) -> bool:
        return bool(os.environ.get(env.SECRETS_KEY, "").strip())

    def source(self) -> str:
        return env.SECRETS_KEY if self.from_environment else str(self.path)

    def read(self) -> KeyRing | None:
        """The keys, or None when the profile has none yet."""
        if self.from_environment:
            text = os.environ[env.SECRETS_KEY].replace(",", "\n")
        else:
            try:
                text = self.path.read_text(encoding="ascii")
            except FileNotFoundError:
                return None
            except (OSError, UnicodeDecodeError) as err:
                raise cannot("read", self.path, err) if isinstance(err, OSError) else \
                    InvalidDataError(f"{self.path} is not a zen secrets key file.") from None
        # Imported here: every command makes a profile's keys; few read them.
        from zen_core.services.secret_crypto import KeyRing, decode_key

        keys = tuple(decode_key(line, self.source()) for line in text.splitlines() if line.strip())
        return KeyRing(keys, self.source()) if keys else None

    def for_reading(self, needed: Iterable[str] = ()) -> KeyRing:
        """The keys; an error naming the keys ``needed`` (ids) when there are none."""
        ring = self.read()
        if ring is None:
            wanted = ", ".join(sorted(set(needed))) or "the one its secrets were sealed with"
            raise InvalidDataError(
                f"Profile '{self.profile}' has no secrets key (expected key {wanted}): set "
                f"{env.SECRETS_KEY} to it, or put it in {self.path}.")
        return ring

    def for_writing(self, sealed_with: Iterable[str]) -> tuple[KeyRing, bool]:
        """The keys to seal new values with, and whether they were made now: a new key file
        for a profile with none whose store holds no sealed value (``sealed_with``: the key
        ids of the values it holds); else refused, naming the keys expected."""
        used = set(sealed_with)
        ring = self.read()
        if ring is not None:
            if used and not used & set(ring.ids):
                raise InvalidDataError(
                    f"The secrets of profile '{self.profile}' are sealed with key "
                    f"{', '.join(sorted(used))}, and this machine has key "
                    f"{', '.join(ring.ids)} (from {ring.source}): values sealed with it "
                    f"could not be read by the others. Set {env.SECRETS_KEY} to the store's "
                    "key, or put it first in that file.")
            return ring, False
        if used:
            self.for_reading(used)  # raises, naming them
        with locked(self.path):
            ring = self.read()
            if ring is not None:
                return ring, False
            from zen_core.services.secret_crypto import encode_key, new_key

            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomic(self.path, encode_key(new_key()) + "\n", mode=0o600)
            return self.for_reading(), True

    def write(self, ring_keys: list[bytes]) -> None:
        """Replace the key file's keys (rotation); not for keys from the environment."""
        from zen_core.services.secret_crypto import encode_key

        with locked(self.path):
            write_text_atomic(self.path, "".join(encode_key(k) + "\n" for k in ring_keys),
                              mode=0o600)
