"""The local store: ``stacks.yaml`` plus one YAML file per component (ZenML 0.7's layout).

::

    <root>/stacks.yaml                  {stacks: {stack: {type: component}},
                                         stack_components: {type: {component: flavor}}}
    <root>/<type plural>/<name>.yaml    {name, uuid, <configuration fields>}

Every change holds a lock on ``stacks.yaml``, re-reads it, writes component
files and then the index, each atomically. Nothing is cached across calls
except the parsed index, keyed on the file's identity, so a long-running
process always sees what another process wrote.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from zen_core.exceptions import InvalidDataError, StoreUnavailableError
from zen_core.fileio import locked, read_yaml, write_yaml
from zen_core.models import Component, ComponentType, Stack
from zen_core.store import BaseStore
from zen_local_store.plugin import path_from_url

INDEX_FILE = "stacks.yaml"


class LocalStore(BaseStore):
    type_name = "local"

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.root = path_from_url(url)
        self.index_path = self.root / INDEX_FILE
        self._cache: tuple[tuple[int, int, int], dict[str, Any]] | None = None

    # --- files -------------------------------------------------------------------
    def initialize(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise StoreUnavailableError(
                f"Cannot create the store folder {self.root}: {err.strerror}."
            ) from None
        if not self.index_path.exists():
            with locked(self.index_path):
                if not self.index_path.exists():
                    write_yaml(self.index_path, {"stacks": {}, "stack_components": {}})

    def _read_index(self) -> dict[str, Any]:
        try:
            st = os.stat(self.index_path)
        except FileNotFoundError:
            if self.root.exists() and not self.root.is_dir():
                raise StoreUnavailableError(
                    f"The store folder {self.root} is not a folder."
                ) from None
            return {"stacks": {}, "stack_components": {}}
        key = (st.st_ino, st.st_mtime_ns, st.st_size)
        if self._cache and self._cache[0] == key:
            return self._cache[1]
        data = read_yaml(self.index_path, default={})
        if not isinstance(data, dict):
            raise InvalidDataError(f"{self.index_path} is not a YAML mapping. Fix that file.")
        data.setdefault("stacks", {})
        data.setdefault("stack_components", {})
        if data["stacks"] is None:
            data["stacks"] = {}
        if data["stack_components"] is None:
            data["stack_components"] = {}
        self._cache = (key, data)
        return data

    def _fresh_index(self) -> dict[str, Any]:
        """A private copy of the index to modify (the cached one stays intact)."""
        self._cache = None
        data = self._read_index()
        self._cache = None
        return data

    def _write_index(self, data: dict[str, Any]) -> None:
        # Drop empty per-type maps so the file stays like ZenML 0.7's.
        data["stack_components"] = {t: c for t, c in data["stack_components"].items() if c}
        write_yaml(self.index_path, data)

    def _component_path(self, type: ComponentType, name: str) -> Path:
        return self.root / type.plural / f"{name}.yaml"

    def _lock(self):
        self.root.mkdir(parents=True, exist_ok=True)
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
            raise InvalidDataError(
                f"The file of {type.display} '{name}' is missing: {path}. "
                "Restore it or delete the component."
            )
        if not isinstance(content, dict):
            raise InvalidDataError(f"{path} is not a YAML mapping. Fix that file.")
        config = {k: v for k, v in content.items() if k not in ("name", "uuid")}
        return Component(type, flavor, name, config, uuid=content.get("uuid") or _stable_uuid(path))

    def list_components(self, type: ComponentType | None = None) -> list[Component]:
        index = self._read_index()["stack_components"]
        types = [type] if type is not None else list(ComponentType)
        found = []
        for ctype in types:
            entries = index.get(ctype.value) or {}
            found.extend(self._load_component(ctype, n, entries[n]) for n in sorted(entries))
        return found

    def get_component(self, type: ComponentType, name: str) -> Component:
        entries = self._read_index()["stack_components"].get(type.value) or {}
        if name not in entries:
            raise self.component_not_found(type, name, entries)
        return self._load_component(type, name, entries[name])

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


def _stable_uuid(path: Path) -> str:
    """A uuid for a component file written without one, stable across reads."""
    import uuid

    return str(uuid.uuid5(uuid.NAMESPACE_URL, path.as_uri()))
