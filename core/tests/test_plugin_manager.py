"""The plugin manager: built-ins, aggregation of records, duplicates, broken hooks."""

from __future__ import annotations

import types

import pytest

from zen_core import hookimpl
from zen_core.exceptions import InvalidDataError, PluginError
from zen_core.models import ComponentType
from zen_core.plugins import PluginInfo, PluginManager
from zen_core.records import Flavor, StoreType


def plugin_module(name: str, **hooks) -> types.ModuleType:
    module = types.ModuleType(name)
    for hook_name, function in hooks.items():
        setattr(module, hook_name, hookimpl(function))
    return module


@pytest.fixture
def manager() -> PluginManager:
    """A fresh manager with core's built-ins and no entry points."""
    pm = PluginManager()
    pm.load_builtins()
    return pm


def register(pm: PluginManager, name: str, **hooks) -> None:
    pm.register(plugin_module(name, **hooks), name=name)
    pm.infos[name] = PluginInfo(name, f"dist-{name}", "1.0")


def memory_store(name="memory"):
    return StoreType(name=name, description="d", store_class="x:Y")


def test_builtin_flavors_cover_every_component_type(manager):
    types_with_flavors = {t for t, _ in manager.flavors()}
    assert types_with_flavors == set(ComponentType)


def test_store_types_from_plugins_are_collected(manager):
    register(manager, "one", zen_store_types=lambda: [memory_store()])
    assert list(manager.store_types()) == ["memory"]
    assert manager.store_type("memory").store_class == "x:Y"


def test_a_duplicate_name_is_left_out_and_an_error_naming_every_provider(manager):
    register(manager, "one", zen_store_types=lambda: [memory_store()])
    register(manager, "two", zen_store_types=lambda: [memory_store()])
    register(manager, "three", zen_store_types=lambda: [memory_store()])
    assert "memory" not in manager.store_types()
    with pytest.raises(PluginError) as err:
        manager.store_type("memory")
    for name in ("one", "two", "three"):
        assert f"{name} (dist-{name} 1.0)" in str(err.value)
        assert str(err.value) in manager.infos[name].problems


def test_a_flavor_that_core_has_stays_cores(manager):
    duplicate = Flavor(type="orchestrator", name="local", config_model="x:Y")
    register(manager, "mine", zen_component_flavors=lambda: [duplicate])
    assert manager.flavor(ComponentType.ORCHESTRATOR, "local").provider.startswith(
        "zen_core.flavors.plugin (zen-core ")
    [problem] = manager.infos["mine"].problems
    assert "mine (dist-mine 1.0)" in problem and "orchestrator/local" in problem


def test_a_hook_that_raises_is_reported_and_the_others_still_count(manager):
    def broken():
        raise RuntimeError("boom")

    register(manager, "bad", zen_store_types=broken)
    register(manager, "good", zen_store_types=lambda: [memory_store()])
    assert list(manager.store_types()) == ["memory"]
    assert "boom" in manager.infos["bad"].problems[0]
    assert [i.name for i in manager.failures()] == ["bad"]


def test_unknown_names_list_the_choices_and_name_the_package(manager):
    register(manager, "one", zen_store_types=lambda: [memory_store()])
    with pytest.raises(InvalidDataError, match="Choose one of: memory"):
        manager.store_type("nope")
    with pytest.raises(InvalidDataError, match=r"pip install \./plugins/sql_store"):
        manager.store_type("sql")
    with pytest.raises(InvalidDataError, match=r"Choose one of: .*kubeflow"):
        manager.flavor(ComponentType.ORCHESTRATOR, "nope")


@pytest.mark.parametrize("bad", ["", "Has-Caps", "a b", "../x", None])
def test_records_validate_their_names(bad):
    with pytest.raises(PluginError):
        StoreType(name=bad, description="d", store_class="x:Y")
    with pytest.raises(PluginError):
        Flavor(type="orchestrator", name=bad, config_model="x:Y")


def test_a_flavor_of_an_unknown_component_type_is_refused():
    with pytest.raises(InvalidDataError, match="Unknown component type 'robot'"):
        Flavor(type="robot", name="x", config_model="x:Y")


def test_entry_points_are_loaded_with_distribution_and_version(monkeypatch):
    from zen_core import entrypoints

    monkeypatch.setattr(entrypoints, "scan", lambda group: [
        entrypoints.EntryPointInfo("good", "zen_core.flavors.plugin", "zen-good", "2.0"),
        entrypoints.EntryPointInfo("bad", "no_such_module_anywhere", "zen-bad", "0.1"),
    ])
    pm = PluginManager()
    pm.load_entrypoints(cached=False)
    assert pm.infos["good"].distribution == "zen-good" and pm.infos["good"].error is None
    assert pm.infos["bad"].version == "0.1"
    assert "ModuleNotFoundError" in pm.infos["bad"].error


def test_every_hook_is_documented_with_an_example():
    from zen_core import hookspecs

    hooks = [name for name in dir(hookspecs) if name.startswith("zen_")]
    assert sorted(hooks) == ["zen_component_flavors", "zen_profile_in_use",
                             "zen_register_commands", "zen_secret_backends", "zen_status",
                             "zen_store_types"]
    for name in hooks:
        doc = getattr(hookspecs, name).__doc__ or ""
        assert "Example::" in doc and "@hookimpl" in doc, name
        assert "from zen_core.plugin import" in doc, name  # complete: with its imports
        assert "(added in zen 1." in doc, name


def test_every_hook_is_described_in_the_readme():
    from pathlib import Path

    from zen_core import hookspecs

    readme = (Path(__file__).parents[2] / "README.md").read_text()
    for name in (n for n in dir(hookspecs) if n.startswith("zen_")):
        assert f"def {name}" in readme, name


def test_errors_map_back_from_their_names():
    from zen_core import exceptions as e

    assert e.error_class("ComponentNotFoundError") is e.ComponentNotFoundError
    assert e.error_class("SomethingElse") is e.ZenError


def test_a_remote_store_is_one_trait():
    remote = StoreType(name="far", description="d", store_class="x:Y", remote=True)
    near = StoreType(name="near", description="d", store_class="x:Y")
    assert (remote.authorizes, remote.registers_default_stack, remote.servable) == \
        (True, False, False)
    assert (near.authorizes, near.registers_default_stack, near.servable) == (False, True, True)



@pytest.mark.parametrize(("found", "expected"), [
    ([], {}),             # nothing to find: pydantic need not look
    (["logfire"], None),  # a pydantic plugin is installed: pydantic finds and loads it
])
def test_pydantic_skips_its_plugin_scan_only_when_it_would_find_none(
        monkeypatch, tmp_path, found, expected):
    from pydantic.plugin import _loader

    from zen_core import entrypoints

    monkeypatch.setattr(entrypoints, "scan", lambda group: [
        entrypoints.EntryPointInfo(name, f"{name}:plugin", name, "1.0") for name in found
    ] if group == "pydantic" else [])
    monkeypatch.setattr(_loader, "_plugins", None)  # pydantic has not looked yet
    entrypoints.skip_pydantics_empty_plugin_scan(tmp_path)
    assert _loader._plugins == expected
    monkeypatch.setattr(_loader, "_plugins", {"x": object()})  # it looked: left alone
    entrypoints.skip_pydantics_empty_plugin_scan(tmp_path)
    assert list(_loader._plugins) == ["x"]
