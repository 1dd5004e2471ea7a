"""Secret values encrypted at rest: AES-256-GCM from the ``cryptography`` package, one key ring
per profile.

Each value is sealed alone, as ``zen1:<key id>:<nonce + ciphertext + tag, base64url>``:

- the key id (the first 8 hex digits of the key's SHA-256) names the key a value needs,
  so a wrong or missing key is refused by name before anything is decrypted;
- the associated data is the secret's uuid and the key, so a value cannot be moved to
  another secret or key (a rename keeps the uuid);
- a new random 96-bit nonce per value, as AES-GCM requires.

A :class:`KeyRing` holds the current key (what new values are sealed with) and older
ones (still accepted while a rotation moves every value to the current key). Where the
keys come from is :mod:`zen_core.services.secret_keys`.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass

from zen_core.exceptions import InvalidDataError

PREFIX = "zen1"
#: The key size: AES-256.
KEY_BYTES = 32
_NONCE_BYTES = 12


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


def new_key() -> bytes:
    return os.urandom(KEY_BYTES)


def encode_key(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode("ascii")


def decode_key(text: str, source: str) -> bytes:
    """A key as written in a key file or ``ZENML_SECRETS_KEY`` (base64); the message never
    shows it."""
    try:
        key = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        key = b""
    if len(key) != KEY_BYTES:
        raise InvalidDataError(f"The secrets key in {source} is not a key zen made: expected "
                               f"{KEY_BYTES} bytes in base64 (`zenml secret rotate-key` makes "
                               "one).")
    return key


def key_id_of(token: str) -> str | None:
    """The id of the key a sealed value needs (None: not a value zen sealed)."""
    prefix, _, rest = token.partition(":")
    found, sep, _ = rest.partition(":")
    return found if prefix == PREFIX and sep and len(found) == 8 else None


@dataclass(frozen=True)
class KeyRing:
    """The keys of one profile: ``keys[0]`` seals, every one unseals. ``source`` says where
    they come from, for messages ("~/.config/zenml/secret-keys/team.key")."""

    keys: tuple[bytes, ...]
    source: str

    @property
    def current_id(self) -> str:
        return key_id(self.keys[0])

    @property
    def ids(self) -> list[str]:
        return [key_id(k) for k in self.keys]

    def seal(self, secret_uuid: str, key: str, value: str) -> str:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        nonce = os.urandom(_NONCE_BYTES)
        sealed = AESGCM(self.keys[0]).encrypt(nonce, value.encode("utf-8"),
                                              _bound_to(secret_uuid, key))
        body = base64.urlsafe_b64encode(nonce + sealed).decode("ascii")
        return f"{PREFIX}:{self.current_id}:{body}"

    def unseal(self, secret_uuid: str, key: str, token: str, what: str) -> str:
        """The clear value of ``token`` (``what``: "key 'password' of secret 'db'", for
        messages, which never show a value)."""
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        needed = key_id_of(token)
        if needed is None:
            raise InvalidDataError(f"The value of {what} is not one zen sealed: the store was "
                                   "written around zen, or by a zen without encryption. "
                                   "`zenml secret migrate` seals every such value.")
        by_id = dict(zip(self.ids, self.keys, strict=True))
        if needed not in by_id:
            raise InvalidDataError(
                f"The value of {what} is sealed with secrets key {needed}, which is not "
                f"among this profile's keys ({', '.join(self.ids)}, from {self.source}). "
                "Give the profile that key: set ZENML_SECRETS_KEY to it, or put it in that "
                "file (ask whoever manages this store's secrets).")
        raw = base64.urlsafe_b64decode(token.rsplit(":", 1)[1].encode("ascii"))
        try:
            clear = AESGCM(by_id[needed]).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:],
                                                  _bound_to(secret_uuid, key))
        except (InvalidTag, ValueError):
            raise InvalidDataError(
                f"The value of {what} cannot be decrypted with key {needed}: it was changed "
                "or moved by hand. Set it again with `zenml secret update`.") from None
        return clear.decode("utf-8")


def _bound_to(secret_uuid: str, key: str) -> bytes:
    return f"{secret_uuid}/{key}".encode()
