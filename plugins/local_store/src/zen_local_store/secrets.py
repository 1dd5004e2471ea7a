"""The local store's secrets: all of them in ``secrets.json``, one file in the store's root.

::

    <root>/secrets.json    {name: {uuid, values: {key: value},
                                   _zen: {revision, created, updated}}}

JSON syntax (YAML too, so a hand edit in either loads), one secret a line, readable
by its owner only (0600) like every file the store writes. The values are kept as
the store was given them (ciphertexts: the domain layer encrypts them) and never
read. A write stages the whole file and commits it with the rest of its batch
through the journal (:mod:`zen_local_store.journal`); one file is one rename,
so a read of it needs no generation check. Only reads and writes of secrets open
it: ``stack list`` never does. ZenML 0.7 does not know it and never opens it.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zen_core.exceptions import InvalidDataError
from zen_core.fileio import cannot, decode_text, dump_yaml_as_json, parse_yaml
from zen_local_store.meta import META_KEY, meta_of, record_meta

if TYPE_CHECKING:
    from zen_core.secret_records import Secret

SECRETS_FILE = "secrets.json"


class SecretsFile:
    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> dict[str, Secret] | None:
        """Every secret by name; None when the file does not exist (no secret yet)."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except IsADirectoryError:
            raise InvalidDataError(
                f"{self.path} is a folder, not a file. Remove or rename it.") from None
        except OSError as err:
            raise cannot("read", self.path, err) from None
        data = parse_yaml(decode_text(raw, self.path), self.path)
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise InvalidDataError(f"{self.path} is not a mapping of secrets. Fix that file.")
        try:
            return {name: self._secret(name, entry) for name, entry in data.items()}
        except InvalidDataError as err:
            raise InvalidDataError(f"{self.path}: {err.message} Fix that file.") from None

    def _secret(self, name: Any, entry: Any) -> Secret:
        from zen_core.secret_records import Secret  # a read of stacks makes no secret

        if not isinstance(name, str):
            raise InvalidDataError(f"The secret name {name!r} is not text.")
        if not isinstance(entry, dict):
            raise InvalidDataError(f"The secret '{name}' is not a mapping.")
        values = entry.get("values")
        meta = entry.get(META_KEY)
        return Secret(name, {} if values is None else values,
                      uuid=str(entry.get("uuid") or self._stable_uuid(name)),
                      **record_meta(meta if isinstance(meta, dict) else {}))

    def _stable_uuid(self, name: str) -> str:
        """A uuid for a secret written (by hand) without one, stable across reads."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.path.as_uri()}#{name}"))

    @staticmethod
    def text(secrets: dict[str, Secret]) -> str:
        return dump_yaml_as_json({
            s.name: {"uuid": s.uuid, "values": s.values, META_KEY: meta_of(s)}
            for s in secrets.values()})

