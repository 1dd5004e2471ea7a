"""The local store: ``stacks.yaml`` plus one YAML file per component (ZenML 0.7's layout).

::

    <root>/stacks.yaml                  {stacks: {stack: {type: component}},
                                         stack_components: {type: {component: flavor}},
                                         _zen: {stacks: {stack: {revision, created, updated}}}}
    <root>/<type plural>/<name>.yaml    {name, uuid, <configuration fields>,
                                         _zen: {revision, created, updated}}
    <root>/secrets.json                 {secret: {uuid, values, _zen: {...}}} (secrets.py)

ZenML 0.7 ignores the ``_zen`` keys and ``secrets.json``, so it can still read a
store zen wrote (when no ``journal.json`` is pending: see below). Every write holds
a lock on ``stacks.yaml``, re-reads it, applies the writes to that fresh copy
(:mod:`zen_local_store.transaction`) and commits the component files, the
secrets, the index and the history events at one commit point
(:mod:`zen_local_store.journal`).
A journal a killed writer left is rolled forward by the next writer or reader.
Readers take no lock: a read of several files starts again when a commit was
applied meanwhile, so it never sees part of one. The parsed index is reused
only while the file's bytes are unchanged, so a long-running process always
sees what another process wrote.

Every name read from a file is checked like a typed one, and every path is
checked to lie inside the store before it is written or removed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from zen_core.exceptions import (
    DanglingReferenceError,
    InvalidDataError,
    StoreMissingError,
    StoreUnavailableError,
)
from zen_core.fileio import (
    cannot,
    decode_text,
    dump_yaml_as_json,
    inside,
    locked,
    parse_yaml,
    read_yaml,
    remove_stale_temp_files,
    write_yaml,
)
from zen_core.models import Component, ComponentType, Stack
from zen_core.names import check_name, is_valid_name
from zen_core.store import BaseStore, StoreContext, StoreRules, Written
from zen_local_store.history import HistoryFile
from zen_local_store.journal import Journal
from zen_local_store.meta import META_KEY, labels_of, meta_of, record_meta
from zen_local_store.plugin import path_from_url
from zen_local_store.secrets import SECRETS_FILE, SecretsFile

if TYPE_CHECKING:
    from zen_core.account_records import ApiKey, Event, RoleAssignment, Team, User
    from zen_core.accounts import Standing
    from zen_core.secret_records import Secret
    from zen_core.writes import Write
    from zen_local_store.accounts import Accounts

INDEX_FILE = "stacks.yaml"
HISTORY_FILE = "history.jsonl"

_T = TypeVar("_T")


class LocalStore(BaseStore):
    type_name = "local"

    def __init__(self, url: str, context: StoreContext | None = None) -> None:
        super().__init__(url, context)
        self.root = path_from_url(url)
        self.index_path = self.root / INDEX_FILE
        self.history = HistoryFile(self.root / HISTORY_FILE)
        self.journal = Journal(self.root, self.history)
        self.secrets_file = SecretsFile(self.root / SECRETS_FILE)
        self._cache: tuple[bytes, dict[str, Any]] | None = None
        #: The index bytes this instance wrote last: their names need no checking again.
        self._written: bytes | None = None
        self._records: tuple[dict[str, Any], dict[str, Stack]] | None = None
        #: Every component's uuid as this handle's last write left them, with the index
        #: bytes and journal generation they belong to (see apply).
        self._uuids: tuple[bytes, bytes, dict[str, tuple[ComponentType, str]]] | None = None

    # --- files -------------------------------------------------------------------
    def initialize(self) -> None:
        if self.index_path.exists():
            return
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise cannot("create the store folder", self.root, err) from None
        with locked(self.index_path):
            if not self.index_path.exists():
                write_yaml(self.index_path, {"stacks": {}, "stack_components": {}})

    def missing(self) -> StoreMissingError:
        profile = self.context.profile
        fix = (f"Restore it, or remove the profile with `zenml profile delete {profile}` "
               "(after `zenml profile set` to another profile, if this one is active)."
               if profile else "Restore it, or point at the right folder.")
        return StoreMissingError(
            f"{self.describe()[0].upper()}{self.describe()[1:]} is missing: {self.index_path} "
            f"does not exist (was its folder moved, deleted or unmounted?). {fix}"
        )

    def _read_raw_index(self) -> bytes:
        try:
            return self.index_path.read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            if self.root.exists() and not self.root.is_dir():
                raise StoreUnavailableError(
                    f"The store folder {self.root} is not a folder."
                ) from None
            raise self.missing() from None
        except OSError as err:
            raise cannot("read", self.index_path, err) from None

    def _parse_index(self, raw: bytes, checked: bool = False) -> dict[str, Any]:
        """The index in ``raw``; ``checked``: these bytes were checked before (skip that)."""
        data = parse_yaml(decode_text(raw, self.index_path), self.index_path) or {}
        if not isinstance(data, dict):
            raise InvalidDataError(f"{self.index_path} is not a YAML mapping. Fix that file.")
        for key in ("stacks", "stack_components"):
            if not isinstance(data.get(key), dict):
                if data.get(key) is not None:
                    raise InvalidDataError(
                        f"'{key}' in {self.index_path} is not a mapping. Fix that file."
                    )
                data[key] = {}
        try:
            if not checked:
                _check_index(data)
        except InvalidDataError as err:
            raise InvalidDataError(f"{self.index_path}: {err.message} Fix that file.") from None
        return data

    def _settle(self) -> None:
        """Before a read: finish a write that passed its commit point and is not applied
        yet (its writer was killed, or is applying it: then this waits for it)."""
        if self.journal.pending():
            with locked(self.index_path):
                self.journal.recover()

    def _read_index(self) -> dict[str, Any]:
        """The index for reading only: callers must not modify it (it may be shared)."""
        global _LAST_PARSED
        self._settle()
        raw = self._read_raw_index()
        # Parsing is the cost, reading is cheap: reuse the parse while the bytes are the same,
        # this handle's or, for a new handle on the same file, the process's last one (a
        # command opens the store twice: to prepare, then to run).
        cache = self._cache
        if cache is not None and cache[0] == raw:
            return cache[1]
        last = _LAST_PARSED
        if last is not None and last[0] == str(self.index_path) and last[1] == raw:
            data = last[2]
        else:
            data = self._parse_index(raw)
            _LAST_PARSED = (str(self.index_path), raw, data)
        self._cache = (raw, data)
        return data

    def component_path(self, type: ComponentType, name: str) -> Path:
        """The file of a component, checked to lie inside the store (before a write or a
        removal: a symlink must not take either outside)."""
        return inside(self.root, self.component_file(type, name))

    def component_file(self, type: ComponentType, name: str) -> Path:
        """The file of a component, to read. A checked name has no ``/`` and cannot be
        ``..``; resolving symlinks too would double the cost of listing a big store."""
        return self.root / type.plural / f"{check_name(name)}.yaml"

    # --- records -------------------------------------------------------------------
    def stack_record(self, data: dict[str, Any], name: str) -> Stack:
        """The stack ``name`` of ``data``; one naming a component that is not registered
        (a hand-edited file) says so in its ``problem``."""
        meta = (data.get(META_KEY) or {}).get("stacks", {}).get(name) or {}
        members = data["stacks"][name]
        stack = Stack(name, members, **record_meta(meta), labels=labels_of(meta))
        registered = data["stack_components"]
        # NOTE: a plain loop on the file's own keys: 2,000 stacks a list, ~1 ms in all
        for type_name, component in members.items():
            if component not in (registered.get(type_name) or ()):
                missing = [(t, n) for t, n in stack.components.items()
                           if n not in (registered.get(t.value) or ())]
                stack.problem = self._dangling(name, missing) if missing else None
                break
        return stack

    def _dangling(self, stack: str, missing: list[tuple[ComponentType, str]]) -> str:
        """What is wrong with a stack naming ``missing`` components, and a fix that works."""
        named = " and ".join(f"{t.display} '{n}'" for t, n in missing)
        options = " ".join(f"--{t.cli_name} NAME" for t, _ in missing)
        return (f"{self.index_path}: stack '{stack}' names {named}, which "
                f"{'is' if len(missing) == 1 else 'are'} not registered. Fix that file or "
                f"`zenml stack update {stack} {options}`.")

    def load_component(self, type: ComponentType, name: str, flavor: str,
                       folder: str | None = None) -> Component:
        """The component's record, from its file. ``folder``: its type's folder as text,
        for a listing's many files (building a Path for each was a fifth of listing
        10,000)."""
        path: Path | str = self.component_file(type, name) if folder is None \
            else f"{folder}{os.sep}{check_name(name)}.yaml"
        content = read_yaml(path, default=None)
        if content is None:
            raise _MissingComponentFile(
                f"The file of {type.display} '{name}' is missing: {path}. "
                "Restore it or delete the component."
            )
        if not isinstance(content, dict):
            raise InvalidDataError(f"{path} is not a YAML mapping. Fix that file.")
        config = {k: v for k, v in content.items() if k not in ("name", "uuid", META_KEY)}
        meta = content.get(META_KEY)
        meta = meta if isinstance(meta, dict) else {}
        return Component(type, flavor, name, config,
                         uuid=str(content.get("uuid") or _stable_uuid(Path(path))),
                         **record_meta(meta), labels=labels_of(meta))

    def component_uuids(self, index: dict[str, dict[str, str]],
                        loaded: dict[tuple[ComponentType, str], Component | None],
                        ) -> dict[str, tuple[ComponentType, str]]:
        """uuid -> (type, name) of every component in ``index`` (stack_components), taken
        from ``loaded`` where a transaction holds it, else from its file (a missing file
        holds no uuid). NOTE: a uuid lives in its component's file only: this reads them
        all, as a listing does; apply keeps the result between a handle's writes."""
        found: dict[str, tuple[ComponentType, str]] = {}
        for type_name, entries in index.items():
            ctype = ComponentType.parse(type_name)
            folder = str(self.root / ctype.plural)
            for name, flavor in (entries or {}).items():
                component = loaded.get((ctype, name))
                if component is None:
                    try:
                        component = self.load_component(ctype, name, flavor, folder)
                    except _MissingComponentFile:
                        continue
                found[component.uuid] = (ctype, name)
        return found

    @staticmethod
    def component_text(component: Component) -> str:
        """A component's file. NOTE: JSON syntax (YAML too, one key a line) reads ~30x
        faster than PyYAML on a store of 10,000."""
        content = {"name": component.name, "uuid": component.uuid, **component.config,
                   META_KEY: meta_of(component)}
        return dump_yaml_as_json(content)

    # --- reads -----------------------------------------------------------------------
    def _stack_records(self) -> dict[str, Stack]:
        """Every stack's record by name, sorted, built once per version of the index.

        NOTE: the service lists 50 stacks per request, and building them was a third of
        that. Records are values (nothing changes one once built), so they are shared."""
        data = self._read_index()
        cached = self._records
        if cached is not None and cached[0] is data:  # it holds ``data``: no address reuse
            return cached[1]
        records = {name: self.stack_record(data, name) for name in sorted(data["stacks"])}
        self._records = (data, records)
        return records

    def list_stacks(self) -> list[Stack]:
        return list(self._stack_records().values())

    def stack_names(self) -> list[str]:
        return sorted(self._read_index()["stacks"])

    def get_stack(self, name: str) -> Stack:
        records = self._stack_records()
        if name not in records:
            raise self.stack_not_found(name, records)
        found = records[name]
        if found.problem:
            raise DanglingReferenceError(found.problem, found)
        return found

    def _read_consistently(self, read: Callable[[], _T]) -> _T:
        """Run ``read`` (the index, then component files) again if a commit was applied
        while it ran, so that it never sees part of one.

        Readers take no lock: between reading the index and a component file, another
        process may apply a batch. Applying one changes the journal's generation before
        its first rename, so an unchanged generation (read before and after) means
        nothing changed in between, and a file missing then is really missing. After a
        few tries against a busy writer, the read takes the lock.
        """
        for _ in range(_OPTIMISTIC_READS):
            generation = self.journal.generation()
            try:
                found = read()
            except _MissingComponentFile as err:
                if self.journal.generation() == generation:
                    raise InvalidDataError(str(err)) from None
                continue
            if self.journal.generation() == generation:
                return found
        with locked(self.index_path):
            self.journal.recover()
            try:
                return read()
            except _MissingComponentFile as err:
                raise InvalidDataError(str(err)) from None

    def list_components(self, type: ComponentType | None = None) -> list[Component]:
        types = [type] if type is not None else list(ComponentType)

        def read() -> list[Component]:
            index = self._read_index()["stack_components"]
            found = []
            for ctype in types:
                entries = index.get(ctype.value) or {}
                folder = str(self.root / ctype.plural)
                found.extend(self.load_component(ctype, n, entries[n], folder)
                             for n in sorted(entries))
            return found

        return self._read_consistently(read)

    def get_component(self, type: ComponentType, name: str) -> Component:
        def read() -> Component:
            entries = self._read_index()["stack_components"].get(type.value) or {}
            if name not in entries:
                raise self.component_not_found(type, name, entries)
            return self.load_component(type, name, entries[name])

        return self._read_consistently(read)

    def stacks_using(self, type: ComponentType, name: str) -> list[str]:
        stacks = self._read_index()["stacks"]
        return sorted(s for s, comps in stacks.items() if comps.get(type.value) == name)

    def is_empty(self) -> bool:
        return not self._read_index()["stacks"]

    # --- secrets (secrets.py) -----------------------------------------------------------
    def read_secrets(self) -> dict[str, Secret]:
        """Every secret by name, as ``secrets.json`` holds them now (one file: one read sees
        one commit). A store that has gone is missing, not without secrets."""
        found = self.secrets_file.read()
        if found is None:
            if not self.index_path.is_file():
                self._read_raw_index()  # raises what a missing store raises
            return {}
        return found

    def list_secrets(self) -> list[Secret]:
        self._settle()
        return sorted(self.read_secrets().values(), key=lambda s: s.name)

    def get_secret(self, name: str) -> Secret:
        self._settle()
        secrets = self.read_secrets()
        if name not in secrets:
            raise self.secret_not_found(name, sorted(secrets))
        return secrets[name]

    # --- accounts and history ------------------------------------------------------------
    def _from_index(self, read: Callable[[dict[str, Any]], _T]) -> _T:
        """``read`` of the parsed index's accounts; what is wrong in them is named with the
        file."""
        data = self._read_index()
        try:
            return read(data)
        except InvalidDataError as err:
            raise InvalidDataError(f"{self.index_path}: {err.message} Fix that file.") from None

    def standing(self, user: str) -> Standing:
        from zen_local_store.standing import standing_without_roles

        found = self._from_index(lambda data: standing_without_roles(data, user))
        return super().standing(user) if found is None else found

    def list_users(self) -> list[User]:
        return self._from_index(lambda data: _accounts(data).users())

    def list_teams(self) -> list[Team]:
        return self._from_index(lambda data: _accounts(data).teams())

    def list_role_assignments(self) -> list[RoleAssignment]:
        return self._from_index(lambda data: _accounts(data).role_assignments())

    def list_api_keys(self, user: str | None = None) -> list[ApiKey]:
        return self._from_index(lambda data: _accounts(data).api_keys(user))

    def list_events(self, *, limit: int = 50, offset: int = 0, actor: str | None = None,
                    target: str | None = None, name: str | None = None,
                    ) -> tuple[list[Event], int]:
        from zen_core.history import page_events

        self._settle()
        self._read_raw_index()  # a store that has gone is missing, not without history
        return page_events(self.history.read(), limit=limit, offset=offset, actor=actor,
                           target=target, name=name)

    # --- writes ------------------------------------------------------------------------
    def apply(self, writes: Sequence[Write], rules: StoreRules | None = None,
              actor: str | None = None) -> list[Written]:
        from zen_core.history import event_for
        from zen_local_store.transaction import Transaction

        if not self.root.is_dir():
            raise self.missing()
        with locked(self.index_path):
            self.journal.recover()  # first: its temp files are not stale
            remove_stale_temp_files(self.root)
            raw = self._read_raw_index()
            # A private copy, never the cached one: what we wrote last is copied (checked
            # then), anything else parsed and checked.
            cache = self._cache
            if raw == self._written and cache is not None and cache[0] == raw:
                data = _copy_index(cache[1])
            else:
                data = self._parse_index(raw)
            transaction = Transaction(self, data, rules, self._known_uuids(raw))
            self._uuids = None  # the transaction changes the map: kept again if it commits
            written = [transaction.apply(write) for write in writes]
            transaction.check_accounts(writes)
            events = [e for w, r in zip(writes, written, strict=True)
                      if (e := event_for(w, r, actor))]
            index_text = transaction.commit(events)
            if index_text is not None:  # what was written was checked: the next write trusts it
                self._written = index_text.encode("utf-8")
                self._cache = (self._written, data)
            if transaction.uuids is not None:
                now = self._written if index_text is not None else raw
                self._uuids = (now, self.journal.generation(), transaction.uuids)
        return written

    def _known_uuids(self, raw: bytes) -> dict[str, tuple[ComponentType, str]] | None:
        """The uuid map this handle's last write left, if no other write came since: the
        index is the bytes it wrote and the journal's generation is the one its commit made
        (any other zen write changes it). NOTE: a uuid lives in its component's file only,
        so without this every registration in a store of 10,000 read 10,000 files."""
        known = self._uuids
        if known is None or known[0] != raw or known[1] != self.journal.generation():
            return None
        return known[2]


_TYPES = {t.value: t for t in ComponentType}
#: The index file, bytes and parse that a handle of this process read last, shared with
#: the next handle on the same file while the bytes are the same (read-only, as the cache).
_LAST_PARSED: tuple[str, bytes, dict[str, Any]] | None = None


def _check_index(data: dict[str, Any]) -> None:
    """Every name and type in the index, checked as if typed (a bad one names the entry).

    The fast test runs on every name; the message is built only for a bad one: a big
    store's index holds thousands of names."""
    for type_name, entries in data["stack_components"].items():
        ctype = _TYPES.get(type_name) or ComponentType.parse(type_name)
        if entries is None:
            continue
        if not isinstance(entries, dict):
            raise InvalidDataError(f"'stack_components: {type_name}' is not a mapping.")
        for name, flavor in entries.items():
            if not is_valid_name(name):
                check_name(name, f"{ctype.display} name")
            if not isinstance(flavor, str) or not flavor:
                raise InvalidDataError(f"The {ctype.display} '{name}' has no flavor.")
    for stack_name, members in data["stacks"].items():
        if not is_valid_name(stack_name):
            check_name(stack_name, "stack name")
        if not isinstance(members, dict):
            raise InvalidDataError(f"Stack '{stack_name}' is not a mapping.")
        for type_name, name in list(members.items()):
            ctype = _TYPES.get(type_name) or ComponentType.parse(type_name)
            if name is None:  # ZenML <0.7 wrote explicit nulls for unused types
                del members[type_name]
            elif not is_valid_name(name):
                check_name(name, f"{ctype.display} name of stack '{stack_name}'")
    meta = data.get(META_KEY)
    if meta is not None and not isinstance(meta, dict):
        raise InvalidDataError(f"'{META_KEY}' is not a mapping.")


def _copy_index(data: dict[str, Any]) -> dict[str, Any]:
    """A copy of a checked index that a transaction may change without touching ``data``.

    NOTE: ~10x cheaper than parsing the file again, the main cost of a write to a big
    store. The big maps (stacks, components, stack times) map names to flat maps of
    strings and numbers, so a dict() of each entry copies them; deepcopy does the rest
    (accounts, small), taking the big maps' copies from its memo."""
    import copy

    meta = data.get(META_KEY)
    big = [data["stacks"], data["stack_components"],
           meta.get("stacks") if isinstance(meta, dict) else None]
    memo: dict[int, Any] = {
        id(mapping): {name: dict(entry) if isinstance(entry, dict) else copy.deepcopy(entry)
                      for name, entry in mapping.items()}
        for mapping in big if isinstance(mapping, dict)}
    return copy.deepcopy(data, memo)


#: How often a read starts over, because a commit was applied while it ran, before it
#: takes the lock (and makes writers wait) to read.
_OPTIMISTIC_READS = 3


class _MissingComponentFile(InvalidDataError):
    """A component file listed in the index is absent (maybe deleted since the index was read)."""


def _stable_uuid(path: Path) -> str:
    """A uuid for a component file written without one, stable across reads."""
    import uuid

    return str(uuid.uuid5(uuid.NAMESPACE_URL, path.as_uri()))


def _accounts(data: dict[str, Any]) -> Accounts:
    from zen_local_store.accounts import Accounts  # its records: for account commands only

    return Accounts(data)
