"""The plugin manager: finds plugins, loads them safely, aggregates what they add.

Core's own hook implementations are registered from an explicit list; third
parties come through the ``zen`` entry point group, minus those named in
``ZENML_DISABLE_PLUGINS``. Every plugin problem is named and survived: a plugin
that fails to import, a hook that raises, a record that is not valid, and a name
that two plugins (or a plugin and zen-core) both claim are each a *problem* on
the plugin's :class:`PluginInfo`, reported once as a warning naming the plugin,
its distribution and its version; the rest keep working.

Conflicts: zen-core's own store types, flavors and commands win over a plugin's
(the plugin's one is left out); between plugins, nobody wins: the name is left
out, and using it is an error naming every provider.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

from zen_core import env, hookspecs
from zen_core.exceptions import InvalidDataError, PluginError
from zen_core.models import ComponentType
from zen_core.records import Contribution, StoreType, set_provider

if TYPE_CHECKING:
    from zen_core.hook_records import Flavor, SecretBackend, StatusItem

ENTRY_POINT_GROUP = "zen"

#: Core's own plugins, registered before any entry point.
BUILTIN_PLUGINS = ("zen_core.flavors.plugin", "zen_core.secret_backends")
CORE_DISTRIBUTION = "zen-core"


@dataclass
class PluginInfo:
    """A plugin: where it comes from, what it adds, and what went wrong with it."""

    name: str
    distribution: str
    version: str
    #: Why it could not be loaded (it then adds nothing).
    error: str | None = None
    contributions: list[Contribution] = field(default_factory=list)
    #: Everything else that went wrong: a hook that raised, a conflict, a bad record.
    problems: list[str] = field(default_factory=list)
    #: Blocked by ``ZENML_DISABLE_PLUGINS``: not even imported.
    disabled: bool = False

    @property
    def label(self) -> str:
        """How messages name it: ``redis_store (zen-redis-store 0.1.0)``."""
        return f"{self.name} ({self.distribution} {self.version})"

    @property
    def builtin(self) -> bool:
        return self.distribution == CORE_DISTRIBUTION


def disabled_names(value: str | None = None) -> set[str]:
    """The plugin names ``ZENML_DISABLE_PLUGINS`` (or ``value``) blocks."""
    raw = os.environ.get(env.DISABLE_PLUGINS, "") if value is None else value
    return {name.strip() for name in raw.split(",") if name.strip()}


class PluginManager(pluggy.PluginManager):
    def __init__(self) -> None:
        super().__init__("zen")
        self.add_hookspecs(hookspecs)
        self.infos: dict[str, PluginInfo] = {}
        self._store_types: dict[str, StoreType] | None = None
        self._flavors: dict[tuple[ComponentType, str], Flavor] | None = None
        self._secret_backends: dict[str, SecretBackend] | None = None
        self._commands: dict[str, Any] | None = None
        #: (kind, key) -> the labels of every plugin providing it: left out, named on use.
        self.conflicts: dict[tuple[str, Any], list[str]] = {}
        self._reported: set[str] = set()
        #: Whether the entry points were scanned afresh, not taken from the cache.
        self.scanned = False

    # --- problems -----------------------------------------------------------------
    def problem(self, info: PluginInfo | None, message: str) -> None:
        """Record a problem on ``info`` and warn once (through :data:`reporter`)."""
        if info is not None and message not in info.problems:
            info.problems.append(message)
        if message not in self._reported:
            self._reported.add(message)
            if reporter is not None:
                reporter(message)

    def failures(self) -> list[PluginInfo]:
        return [info for info in self.infos.values() if info.error or info.problems]

    def _info(self, plugin_name: str) -> PluginInfo:
        info = self.infos.get(plugin_name)
        if info is None:  # registered by hand (tests, programs): name it as it is
            info = self.infos[plugin_name] = PluginInfo(plugin_name, "?", "?")
        return info

    # --- loading -------------------------------------------------------------------
    def load_builtins(self, modules: Iterable[str] = BUILTIN_PLUGINS) -> None:
        from zen_core import __version__

        for module_name in modules:
            self.register(importlib.import_module(module_name), name=module_name)
            self.infos[module_name] = PluginInfo(module_name, CORE_DISTRIBUTION, __version__)

    def load_entrypoints(self, group: str = ENTRY_POINT_GROUP, cached: bool = True,
                         disabled: set[str] | None = None) -> None:
        from zen_core.entrypoints import discover, scan
        from zen_core.records import load_object

        blocked = disabled_names() if disabled is None else disabled
        found = discover(group, cache_dir()) if cached else scan(group)
        self.scanned = self.scanned or not cached
        for ep in found:
            if self.has_plugin(ep.name) or ep.name in self.infos:
                continue
            info = PluginInfo(ep.name, ep.distribution, ep.version)
            self.infos[ep.name] = info
            if ep.name in blocked or ep.distribution in blocked:
                info.disabled = True
                continue
            try:
                self.register(load_object(ep.value), name=ep.name)
            except Exception as err:  # a broken plugin must not break the CLI
                info.error = f"{type(err).__name__}: {err}"
                self.problem(None, f"Failed to load plugin {info.label}: {info.error}")
        self.check_pending()

    def disabled(self) -> list[PluginInfo]:
        return [info for info in self.infos.values() if info.disabled]

    # --- calling hooks -------------------------------------------------------------
    def _results(self, hook: Any, **kwargs: Any) -> Iterable[tuple[PluginInfo, list[Any]]]:
        """Each implementation's results, one plugin at a time; a plugin whose hook raises
        (or yields a record that is not valid) is a problem, and the others go on."""
        for impl in hook.get_hookimpls():  # in registration order
            info = self._info(impl.plugin_name)
            try:
                results = impl.function(**{a: kwargs[a] for a in impl.argnames})
                yield info, list(results or ())
            except Exception as err:
                self.problem(info, f"Plugin {info.label} failed in {hook.name}: "
                                   f"{_why(err)}. What it adds there is left "
                                   "out; everything else works.")

    def _collect(self, hook: Any, kind: str, record_type: type,
                 key: Callable[[Any], Any]) -> dict[Any, Any]:
        """Every record of a registry hook by key; core wins a conflict with a plugin,
        and a conflict between plugins leaves the key out (named by :meth:`conflict`)."""
        found: dict[Any, list[tuple[PluginInfo, Any]]] = {}
        for info, records in self._results(hook):
            for record in records:
                if not isinstance(record, record_type):
                    self.problem(info, f"Plugin {info.label} gave {hook.name} {record!r}, "
                                       f"not a {record_type.__name__}: it is left out.")
                    continue
                set_provider(record, info.label)
                found.setdefault(key(record), []).append((info, record))
        chosen: dict[Any, Any] = {}
        for k, providers in found.items():
            core = [(i, r) for i, r in providers if i.builtin]
            if len(providers) == 1 or len(core) == 1:
                winner, record = core[0] if core else providers[0]
                chosen[k] = record
                winner.contributions.append(Contribution(kind, _record_label(k)))
                for info, _ in providers:
                    if info is not winner:
                        self.problem(info, f"Plugin {info.label} adds the {kind} "
                                           f"{_key_label(k)}, which zen-core provides: "
                                           "its one is left out.")
                continue
            labels = [i.label for i, _ in providers]
            self.conflicts[(kind, k)] = labels
            for info, _ in providers:
                self.problem(info, self.conflict_message(kind, k))
        return dict(sorted(chosen.items(), key=lambda kv: str(kv[0])))

    def conflict_message(self, kind: str, key: Any) -> str:
        labels = self.conflicts[(kind, key)]
        return (f"The {kind} {_key_label(key)} is provided by several plugins: "
                f"{', '.join(labels)}; zen uses none of them. Uninstall all but one, or "
                f"disable the others with {env.DISABLE_PLUGINS}=NAME,...")

    def store_types(self) -> dict[str, StoreType]:
        if self._store_types is None:
            self._store_types = self._collect(
                self.hook.zen_store_types, "store type", StoreType, lambda r: r.name)
        return self._store_types

    def flavors(self) -> dict[tuple[ComponentType, str], Flavor]:
        if self._flavors is None:
            from zen_core.hook_records import Flavor

            self._flavors = self._collect(
                self.hook.zen_component_flavors, "flavor", Flavor, lambda r: (r.type, r.name))
        return self._flavors

    def secret_backends(self) -> dict[str, SecretBackend]:
        if self._secret_backends is None:
            from zen_core.hook_records import SecretBackend

            self._secret_backends = self._collect(
                self.hook.zen_secret_backends, "secret back-end", SecretBackend,
                lambda r: r.name)
        return self._secret_backends

    def commands(self, reserved: Iterable[str] = ()) -> dict[str, Any]:
        """The commands plugins add, by name. Each plugin adds its own to a group of its
        own, so each is credited to the plugin that added it; a name in ``reserved``
        (core's commands) or added by several plugins is left out and named."""
        if self._commands is None:
            import click

            found: dict[str, list[tuple[PluginInfo, Any]]] = {}
            for impl in self.hook.zen_register_commands.get_hookimpls():
                info = self._info(impl.plugin_name)
                scratch = click.Group("zenml")
                try:
                    impl.function(cli=scratch)
                except Exception as err:
                    self.problem(info, f"Plugin {info.label} failed in zen_register_commands: "
                                       f"{_why(err)}. Its commands are left "
                                       "out; everything else works.")
                    continue
                for name, command in scratch.commands.items():
                    found.setdefault(name, []).append((info, command))
            self._commands = self._choose_commands(found, set(reserved))
        return self._commands

    def _choose_commands(self, found: dict[str, list[tuple[PluginInfo, Any]]],
                         reserved: set[str]) -> dict[str, Any]:
        chosen = {}
        for name, providers in sorted(found.items()):
            if name in reserved:
                for info, _ in providers:
                    self.problem(info, f"Plugin {info.label} adds the command '{name}', "
                                       "which is a zen-core command: it is left out.")
            elif len(providers) > 1:
                self.conflicts[("command", name)] = [i.label for i, _ in providers]
                for info, _ in providers:
                    self.problem(info, self.conflict_message("command", name))
            else:
                info, chosen[name] = providers[0]
                info.contributions.append(Contribution("command", name))
        return chosen

    def status_items(self, config_directory: Path | None) -> list[tuple[PluginInfo, StatusItem]]:
        """What each plugin reports for ``zenml status`` (hook ``zen_status``)."""
        from zen_core.hook_records import StatusItem

        found = []
        for info, items in self._results(self.hook.zen_status,
                                         config_directory=config_directory):
            for item in items:
                if isinstance(item, StatusItem):
                    found.append((info, item))
                else:
                    self.problem(info, f"Plugin {info.label} gave zen_status {item!r}, not a "
                                       "StatusItem: it is left out.")
        return found

    def describe(self, reserved: Iterable[str] = ()) -> list[PluginInfo]:
        """Every plugin, after collecting everything they add (``zenml plugins``)."""
        self.store_types()
        self.flavors()
        self.secret_backends()
        self.commands(reserved)
        for impl in self.hook.zen_status.get_hookimpls():
            info = self._info(impl.plugin_name)
            if not any(c.kind == "status" for c in info.contributions):
                info.contributions.append(Contribution("status", "row"))
        return list(self.infos.values())

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
        if ("store type", name) in self.conflicts:
            raise PluginError(self.conflict_message("store type", name))
        from zen_core.install import STORE_TYPE_DISTRIBUTIONS, install_hint

        distribution = STORE_TYPE_DISTRIBUTIONS.get(name)
        if distribution:
            raise InvalidDataError(
                f"Store type '{name}' is not installed: {distribution} adds it "
                f"({install_hint(distribution)})."
            )
        raise InvalidDataError(
            f"Unknown store type '{name}'. Choose one of: {', '.join(types) or 'none'}."
        )

    def flavor(self, type: ComponentType, name: str) -> Flavor:
        flavors = self.flavors()
        if (type, name) in flavors:
            return flavors[(type, name)]
        if ("flavor", (type, name)) in self.conflicts:
            raise PluginError(self.conflict_message("flavor", (type, name)))
        choices = ", ".join(f.name for (t, _), f in flavors.items() if t is type)
        raise InvalidDataError(
            f"Unknown {type.display} flavor '{name}'. Choose one of: {choices or 'none'}."
        )


def _why(err: BaseException) -> str:
    """``boom (RuntimeError)``: the class last, so no line reads like zen's own "Error:"."""
    return f"{err} ({type(err).__name__})" if str(err) else type(err).__name__


def _record_label(key: Any) -> str:
    """A record's name in ``zenml plugins``, from its key: a flavor's is (type, name)."""
    return f"{key[0].value}/{key[1]}" if isinstance(key, tuple) else str(key)


def _key_label(key: Any) -> str:
    return f"'{_record_label(key)}'"


_manager: PluginManager | None = None

#: Called with each plugin problem, once (the CLI prints it as a warning).
reporter: Callable[[str], None] | None = None


def cache_dir() -> Path:
    from zen_core.config import config_dir

    return config_dir() / "cache"


def get_plugin_manager(cached: bool = True) -> PluginManager:
    """The process-wide plugin manager, with built-ins and entry points loaded.

    ``cached=False`` scans the installed distributions afresh (``zenml plugins``), unless
    the manager in place did already.
    """
    global _manager
    if _manager is None or not (cached or _manager.scanned):
        manager = PluginManager()
        manager.load_builtins()
        manager.load_entrypoints(cached=cached)
        _manager = manager
    return _manager


def reset_plugin_manager(manager: PluginManager | None = None) -> None:
    """Drop (or replace) the process-wide manager; tests use this."""
    global _manager
    _manager = manager


def plugin_manager_with(plugins: Mapping[str, Any], entry_points: bool = True,
                        distribution: str = "test", version: str = "0") -> PluginManager:
    """A manager with core's built-ins, the installed entry points (unless told not to),
    and ``plugins`` (name -> module or object with hook implementations) registered as
    if installed from ``distribution``: what a plugin's own tests register in-process
    (``reset_plugin_manager(plugin_manager_with({...}))``)."""
    manager = PluginManager()
    manager.load_builtins()
    blocked = disabled_names()
    for name, plugin in plugins.items():
        info = manager.infos[name] = PluginInfo(name, distribution, version)
        if name in blocked:
            info.disabled = True
        else:
            manager.register(plugin, name=name)
    if entry_points:
        manager.load_entrypoints(cached=False, disabled=blocked)
    return manager
