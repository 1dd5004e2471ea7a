"""The plugin manager: finds plugins, loads them safely, aggregates their records.

Core's own hook implementations are registered from an explicit list; third
parties come through the ``zen`` entry point group. A plugin that fails to
import is remembered (and reported by name and version) while the rest work.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pluggy

from zen_core import hookspecs
from zen_core.exceptions import InvalidDataError, PluginError
from zen_core.models import ComponentType
from zen_core.records import Contribution, Flavor, SecretBackend, StoreType

ENTRY_POINT_GROUP = "zen"

#: Core's own plugins, registered before any entry point.
BUILTIN_PLUGINS = ("zen_core.flavors.plugin", "zen_core.secret_backends")


@dataclass
class PluginInfo:
    """A loaded (or failed) plugin: where it comes from and what it adds."""

    name: str
    distribution: str
    version: str
    error: str | None = None
    contributions: list[Contribution] = field(default_factory=list)


class PluginManager(pluggy.PluginManager):
    def __init__(self) -> None:
        super().__init__("zen")
        self.add_hookspecs(hookspecs)
        self.infos: dict[str, PluginInfo] = {}
        self._store_types: dict[str, StoreType] | None = None
        self._flavors: dict[tuple[ComponentType, str], Flavor] | None = None
        self._secret_backends: dict[str, SecretBackend] | None = None

    # --- loading -------------------------------------------------------------
    def load_builtins(self, modules: Iterable[str] = BUILTIN_PLUGINS) -> None:
        from zen_core import __version__

        for module_name in modules:
            self.register(importlib.import_module(module_name), name=module_name)
            self.infos[module_name] = PluginInfo(module_name, "zen-core", __version__)

    def load_entrypoints(self, group: str = ENTRY_POINT_GROUP, cached: bool = True) -> None:
        from zen_core.entrypoints import discover, scan
        from zen_core.records import load_object

        found = discover(group, _cache_dir()) if cached else scan(group)
        for ep in found:
            if self.has_plugin(ep.name) or ep.name in self.infos:
                continue
            info = PluginInfo(ep.name, ep.distribution, ep.version)
            self.infos[ep.name] = info
            try:
                self.register(load_object(ep.value), name=ep.name)
            except Exception as err:  # a broken plugin must not break the CLI
                info.error = f"{type(err).__name__}: {err}"
                if failure_reporter is not None:
                    failure_reporter(info)
        self.check_pending()

    def failures(self) -> list[PluginInfo]:
        return [info for info in self.infos.values() if info.error]

    # --- aggregation -----------------------------------------------------------
    def _collect(self, hook: Any, kind: str, key: Callable[[Any], Any]) -> dict[Any, Any]:
        """Call each implementation of a registry hook; refuse duplicate names."""
        found: dict[Any, tuple[Any, list[str]]] = {}
        for impl in hook.get_hookimpls():
            info = self.infos.get(impl.plugin_name)
            try:
                records = list(impl.function() or ())
            except Exception as err:
                if info is not None:
                    info.error = f"{type(err).__name__} in {hook.name}: {err}"
                continue
            for record in records:
                providers = found.setdefault(key(record), (record, []))[1]
                providers.append(impl.plugin_name)
                if info is not None:
                    info.contributions.append(Contribution(kind, _record_label(record)))
        duplicates = {k: p for k, (_, p) in found.items() if len(p) > 1}
        if duplicates:
            k, providers = next(iter(duplicates.items()))
            raise PluginError(
                f"The {kind} {_key_label(k)} is provided by several plugins: "
                f"{', '.join(providers)}. Uninstall all but one."
            )
        return {k: record for k, (record, _) in sorted(found.items(), key=lambda kv: str(kv[0]))}

    def store_types(self) -> dict[str, StoreType]:
        if self._store_types is None:
            self._store_types = self._collect(
                self.hook.zen_store_types, "store type", lambda r: r.name
            )
        return self._store_types

    def flavors(self) -> dict[tuple[ComponentType, str], Flavor]:
        if self._flavors is None:
            self._flavors = self._collect(
                self.hook.zen_component_flavors, "flavor", lambda r: (r.type, r.name)
            )
        return self._flavors

    def secret_backends(self) -> dict[str, SecretBackend]:
        if self._secret_backends is None:
            self._secret_backends = self._collect(
                self.hook.zen_secret_backends, "secret back-end", lambda r: r.name
            )
        return self._secret_backends

    def add_commands(self, cli: Any) -> None:
        """Let every plugin add its commands; record who added what."""
        for impl in self.hook.zen_register_commands.get_hookimpls():
            before = set(cli.commands)
            info = self.infos.get(impl.plugin_name)
            try:
                impl.function(cli=cli)
            except Exception as err:
                if info is not None:
                    info.error = f"{type(err).__name__} in zen_register_commands: {err}"
                continue
            if info is not None:
                for name in sorted(set(cli.commands) - before):
                    info.contributions.append(Contribution("command", name))

    def profile_in_use(self, config_directory: Any, profile: str) -> str | None:
        """The first reason a plugin gives why ``profile`` must not be renamed or deleted
        now (:func:`zen_core.hookspecs.zen_profile_in_use`); a hook that fails is recorded
        against its plugin and gives none."""
        for impl in self.hook.zen_profile_in_use.get_hookimpls():
            try:
                reason = impl.function(config_directory=config_directory, profile=profile)
            except Exception as err:
                info = self.infos.get(impl.plugin_name)
                if info is not None:
                    info.error = f"{type(err).__name__} in zen_profile_in_use: {err}"
                continue
            if reason:
                return str(reason)
        return None

    # --- look-ups with helpful errors --------------------------------------------
    def store_type(self, name: str) -> StoreType:
        types = self.store_types()
        if name in types:
            return types[name]
        hint = _KNOWN_STORE_PACKAGES.get(name)
        if hint:
            raise InvalidDataError(
                f"Store type '{name}' is not installed: `pip install {hint}` adds it."
            )
        raise InvalidDataError(
            f"Unknown store type '{name}'. Choose one of: {', '.join(types) or 'none'}."
        )

    def flavor(self, type: ComponentType, name: str) -> Flavor:
        flavors = self.flavors()
        if (type, name) in flavors:
            return flavors[(type, name)]
        choices = ", ".join(f.name for (t, _), f in flavors.items() if t is type)
        raise InvalidDataError(
            f"Unknown {type.display} flavor '{name}'. Choose one of: {choices or 'none'}."
        )


#: Store types that first-party packages add, to name the package when missing.
_KNOWN_STORE_PACKAGES = {
    "local": "zen-local-store",
    "sql": "zen-sql-store",
    "rest": "zen-rest-store",
}


def _record_label(record: Any) -> str:
    if isinstance(record, Flavor):
        return f"{record.type.value}/{record.name}"
    return getattr(record, "name", repr(record))


def _key_label(key: Any) -> str:
    if isinstance(key, tuple):
        return f"'{key[0].value}/{key[1]}'"
    return f"'{key}'"


_manager: PluginManager | None = None

#: Called with each plugin that fails to load (the CLI prints a warning).
failure_reporter: Callable[[PluginInfo], None] | None = None


def _cache_dir():
    from zen_core.config import config_dir

    return config_dir() / "cache"


def get_plugin_manager(cached: bool = True) -> PluginManager:
    """The process-wide plugin manager, with built-ins and entry points loaded.

    ``cached=False`` scans the installed distributions afresh (``zenml plugins``).
    """
    global _manager
    if _manager is None or not cached:
        manager = PluginManager()
        manager.load_builtins()
        manager.load_entrypoints(cached=cached)
        _manager = manager
    return _manager


def reset_plugin_manager(manager: PluginManager | None = None) -> None:
    """Drop (or replace) the process-wide manager; tests use this."""
    global _manager
    _manager = manager
