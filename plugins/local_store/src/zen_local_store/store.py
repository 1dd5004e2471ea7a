"""The local store: ``stacks.yaml`` plus one YAML file per component (ZenML 0.7's layout).

::

    <root>/stacks.yaml                  {stacks: {stack: {type: component}},
                                         stack_components: {type: {component: flavor}}}
    <root>/<type plural>/<name>.yaml    {name, uuid, <configuration fields>}

Every change holds a lock on ``stacks.yaml``, re-reads it, writes component
files and then the index, each atomically. Nothing is cached across calls
except the parsed index, reused only while the file's bytes are unchanged, so
a long-running process always sees what another process wrote.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from zen_core.exceptions import InvalidDataError, StoreUnavailableError
from zen_core.fileio import (
    dump_yaml_as_json,
    locked,
    parse_yaml,
    read_yaml,
    write_text_atomic,
    write_yaml,
)
from zen_core.models import Component, ComponentType, Stack
from zen_core.store import BaseStore
from zen_local_store.plugin import path_from_url

INDEX_FILE = "stacks.yaml"

_T = TypeVar("_T")


class LocalStore(BaseStore):
    type_name = "local"

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.root = path_from_url(url)
        self.index_path = self.root / INDEX_FILE
        self._cache: tuple[bytes, dict[str, Any]] | None = None

    # --- files -------------------------------------------------------------------
    def initialize(self) -> None:
        if not self.index_path.exists():
            with self._lock():  # creates the folder
                if not self.index_path.exists():
                    write_yaml(self.index_path, {"stacks": {}, "stack_components": {}})

    def _read_raw_index(self) -> bytes | None:
        try:
            return self.index_path.read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            if self.root.exists() and not self.root.is_dir():
                raise StoreUnavailableError(
                    f"The store folder {self.root} is not a folder."
                ) from None
            return None
        except OSError as err:
            raise StoreUnavailableError(f"Cannot read {self.index_path}: {err.strerror}.") from None

    def _parse_index(self, raw: bytes | None) -> dict[str, Any]:
        if raw is None:
            return {"stacks": {}, "stack_components": {}}
        data = parse_yaml(raw.decode("utf-8"), self.index_path) or {}
        if not isinstance(data, dict):
            raise InvalidDataError(f"{self.index_path} is not a YAML mapping. Fix that file.")
        for key in ("stacks", "stack_components"):
            if not isinstance(data.get(key), dict):
                if data.get(key) is not None:
                    raise InvalidDataError(
                        f"'{key}' in {self.index_path} is not a mapping. Fix that file."
                    )
                data[key] = {}
        return data

    def _read_index(self) -> dict[str, Any]:
        """The index for reading only: callers must not modify it (it may be shared)."""
        raw = self._read_raw_index()
        # Parsing is the cost, reading is cheap: reuse the parse while the bytes are the same.
        cache = self._cache
        if cache is not None and cache[0] == raw:
            return cache[1]
        data = self._parse_index(raw)
        if raw is not None:
            self._cache = (raw, data)
        return data

    def _fresh_index(self) -> dict[str, Any]:
        """A private copy of the index to modify, never shared with readers."""
        return self._parse_index(self._read_raw_index())

    def _write_index(self, data: dict[str, Any]) -> None:
        # Drop empty per-type maps so the file stays like ZenML 0.7's.
        data["stack_components"] = {t: c for t, c in data["stack_components"].items() if c}
        # NOTE: written in JSON syntax (still YAML, as 0.7 reads it): parsing and writing
        # the index is every operation's main cost, and json is ~30x faster than PyYAML.
        write_text_atomic(self.index_path, dump_yaml_as_json(data))

    def _component_path(self, type: ComponentType, name: str) -> Path:
        return self.root / type.plural / f"{name}.yaml"

    def _lock(self):
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise StoreUnavailableError(
                f"Cannot create or use the store folder {self.root}: {err.strerror}."
            ) from None
        return locked(self.index_path)

    # --- stacks ----------------------------------------------------------------------
    def list_stacks(self) -> list[Stack]:
        stacks = self._read_index()["stacks"]
        return [self._stack(name, stacks[name]) for name in sorted(stacks)]

    def _stack(self, name: str, components: Any) -> Stack:
        if not isinstance(components, dict):
            raise InvalidDataError(f"Stack '{name}' in {self.index_path} is not a mapping.")
        return Stack(name, components)

    def get_stack(self, name: str) -> Stack:
        stacks = self._read_index()["stacks"]
        if name not in stacks:
            raise self.stack_not_found(name, stacks)
        return self._stack(name, stacks[name])

    def _check_components(self, data: dict[str, Any], stack: Stack) -> None:
        for ctype, cname in stack.components.items():
            known = data["stack_components"].get(ctype.value) or {}
            if cname not in known:
                raise self.component_not_found(ctype, cname, known)

    def register_stack(self, stack: Stack) -> None:
        with self._lock():
            data = self._fresh_index()
            if stack.name in data["stacks"]:
                raise self.stack_exists(stack.name)
            self._check_components(data, stack)
            data["stacks"][stack.name] = {t.value: n for t, n in stack.components.items()}
            self._write_index(data)

    def update_stack(self, name: str, stack: Stack) -> None:
        with self._lock():
            data = self._fresh_index()
            if name not in data["stacks"]:
                raise self.stack_not_found(name, data["stacks"])
            if stack.name != name and stack.name in data["stacks"]:
                raise self.stack_exists(stack.name)
            self._check_components(data, stack)
            del data["stacks"][name]
            data["stacks"][stack.name] = {t.value: n for t, n in stack.components.items()}
            self._write_index(data)

    def delete_stack(self, name: str) -> None:
        with self._lock():
            data = self._fresh_index()
            if name not in data["stacks"]:
                raise self.stack_not_found(name, data["stacks"])
            del data["stacks"][name]
            self._write_index(data)

    # --- components ----------------------------------------------------------------
    def _load_component(self, type: ComponentType, name: str, flavor: str) -> Component:
        path = self._component_path(type, name)
        content = read_yaml(path, default=None)
        if content is None:
            raise _MissingComponentFile(
                f"The file of {type.display} '{name}' is missing: {path}. "
                "Restore it or delete the component."
            )
        if not isinstance(content, dict):
            raise InvalidDataError(f"{path} is not a YAML mapping. Fix that file.")
        config = {k: v for k, v in content.items() if k not in ("name", "uuid")}
        return Component(type, flavor, name, config, uuid=content.get("uuid") or _stable_uuid(path))

    def _read_consistently(self, read: Callable[[], _T]) -> _T:
        """Run ``read`` (the index, then component files) again if a file it needed went away.

        Readers take no lock: between reading the index and a component file,
        another process may delete or rename that component. Then the index has
        changed and a second read sees the new state; a file missing from an
        unchanged index is really missing.
        """
        for attempt in range(_READ_ATTEMPTS):
            key = _file_key(self.index_path)
            try:
                return read()
            except _MissingComponentFile as err:
                if attempt == _READ_ATTEMPTS - 1 or _file_key(self.index_path) == key:
                    raise InvalidDataError(str(err)) from None
        raise AssertionError("unreachable")

    def list_components(self, type: ComponentType | None = None) -> list[Component]:
        types = [type] if type is not None else list(ComponentType)

        def read() -> list[Component]:
            index = self._read_index()["stack_components"]
            found = []
            for ctype in types:
                entries = index.get(ctype.value) or {}
                found.extend(self._load_component(ctype, n, entries[n]) for n in sorted(entries))
            return found

        return self._read_consistently(read)

    def get_component(self, type: ComponentType, name: str) -> Component:
        def read() -> Component:
            entries = self._read_index()["stack_components"].get(type.value) or {}
            if name not in entries:
                raise self.component_not_found(type, name, entries)
            return self._load_component(type, name, entries[name])

        return self._read_consistently(read)

    def _write_component(self, component: Component) -> None:
        content = {"name": component.name, "uuid": component.uuid, **component.config}
        write_yaml(self._component_path(component.type, component.name), content)

    def register_component(self, component: Component) -> None:
        with self._lock():
            data = self._fresh_index()
            entries = data["stack_components"].setdefault(component.type.value, {})
            if component.name in entries:
                raise self.component_exists(component.type, component.name)
            self._write_component(component)
            entries[component.name] = component.flavor
            self._write_index(data)

    def update_component(self, type: ComponentType, name: str, component: Component) -> None:
        with self._lock():
            data = self._fresh_index()
            entries = data["stack_components"].setdefault(type.value, {})
            if name not in entries:
                raise self.component_not_found(type, name, entries)
            renamed = component.name != name
            if renamed and component.name in entries:
                raise self.component_exists(type, component.name)
            self._write_component(component)
            del entries[name]
            entries[component.name] = component.flavor
            if renamed:
                for stack in data["stacks"].values():
                    if stack.get(type.value) == name:
                        stack[type.value] = component.name
            self._write_index(data)
            if renamed:
                self._component_path(type, name).unlink(missing_ok=True)

    def delete_component(self, type: ComponentType, name: str) -> None:
        with self._lock():
            data = self._fresh_index()
            entries = data["stack_components"].get(type.value) or {}
            if name not in entries:
                raise self.component_not_found(type, name, entries)
            users = [s for s, comps in data["stacks"].items() if comps.get(type.value) == name]
            if users:
                raise self.component_in_use(type, name, users)
            del entries[name]
            self._write_index(data)
            self._component_path(type, name).unlink(missing_ok=True)

    def stacks_using(self, type: ComponentType, name: str) -> list[str]:
        stacks = self._read_index()["stacks"]
        return sorted(s for s, comps in stacks.items() if comps.get(type.value) == name)

    def is_empty(self) -> bool:
        return not self._read_index()["stacks"]


#: How often a read starts over because concurrent writes removed a file it needed.
_READ_ATTEMPTS = 20


class _MissingComponentFile(InvalidDataError):
    """A component file listed in the index is absent (maybe deleted since the index was read)."""


def _file_key(path: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def _stable_uuid(path: Path) -> str:
    """A uuid for a component file written without one, stable across reads."""
    import uuid

    return str(uuid.uuid5(uuid.NAMESPACE_URL, path.as_uri()))
