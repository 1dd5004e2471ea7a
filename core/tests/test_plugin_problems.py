"""Every plugin problem named and survived, seen through the CLI as a user sees it.

Test plugins are registered in-process (``plugin_manager_with``) as if installed from
distributions of their own, beside the installed ones (the local store among them).
"""

from __future__ import annotations

import json
import types

import click
import pytest

from zen_core.plugin import Flavor, FlavorConfig, StatusItem, StoreType, hookimpl
from zen_core.plugins import PluginInfo, PluginManager, plugin_manager_with, reset_plugin_manager
from zen_core.testing.cli import failed, ok


class Config(FlavorConfig):
    path: str = "/tmp"


def plugin(**hooks) -> types.ModuleType:
    module = types.ModuleType("test_plugin")
    for name, function in hooks.items():
        setattr(module, name, hookimpl(function))
    return module


def memory_type():
    yield StoreType(name="memory", description="d", store_class="zen_local_store.store:LocalStore",
                    default_url=lambda profile_dir: f"file://{profile_dir}")


def use(**plugins) -> PluginManager:
    """Install ``plugins`` (name -> (distribution, version, plugin)) for the next command."""
    manager = plugin_manager_with({})
    for name, (distribution, version, module) in plugins.items():
        manager.infos[name] = PluginInfo(name, distribution, version)
        manager.register(module, name=name)
    reset_plugin_manager(manager)
    return manager


def warnings(result) -> str:
    return " ".join(result.stderr.split())


def listed(zen, *args: str) -> dict[str, dict]:
    return {p["name"]: p for p in json.loads(ok(zen(["plugins", "-o", "json", *args])).stdout)}


def test_two_plugins_with_one_store_type_are_both_named_and_the_rest_works(zen):
    plugins = {"one": ("zen-one", "1.0", plugin(zen_store_types=memory_type)),
               "two": ("zen-two", "2.5", plugin(zen_store_types=memory_type)),
               "three": ("zen-three", "3.0", plugin(zen_store_types=memory_type))}
    use(**plugins)
    result = ok(zen("stack list"))
    assert "one (zen-one 1.0), two (zen-two 2.5), three (zen-three 3.0)" in warnings(result)
    use(**plugins)
    error = failed(zen("profile create p --store-type memory"))
    assert "The store type 'memory' is provided by several plugins: one (zen-one 1.0), " \
           "two (zen-two 2.5), three (zen-three 3.0)" in error
    use(**plugins)
    for name in ("one", "two", "three"):
        [problem] = listed(zen)[name]["problems"]
        assert "zen-one 1.0" in problem and "zen-three 3.0" in problem
        use(**plugins)


def test_two_plugins_with_one_flavor_are_both_named(zen):
    def flavor():
        yield Flavor(type="orchestrator", name="dup", config_model=Config)

    plugins = {"one": ("zen-one", "1.0", plugin(zen_component_flavors=flavor)),
               "two": ("zen-two", "2.0", plugin(zen_component_flavors=flavor))}
    use(**plugins)
    result = ok(zen("orchestrator flavor list -o json"))
    assert "dup" not in [f["name"] for f in json.loads(result.stdout)]
    assert "'orchestrator/dup' is provided by several plugins: one (zen-one 1.0), " \
           "two (zen-two 2.0)" in warnings(result)
    use(**plugins)
    error = failed(zen("orchestrator register o --flavor dup"))
    assert "one (zen-one 1.0), two (zen-two 2.0)" in error


def test_two_plugins_with_one_command_credit_neither_and_name_both(zen):
    def command(cli):
        @cli.command("hello")
        def hello():
            click.echo("hi")

    def other(cli):
        @cli.command("other")
        def other_command():
            click.echo("other")

    plugins = {"one": ("zen-one", "1.0", plugin(zen_register_commands=command)),
               "two": ("zen-two", "2.0", plugin(zen_register_commands=command)),
               "three": ("zen-three", "3.0", plugin(zen_register_commands=other))}
    use(**plugins)
    error = failed(zen("hello"))
    assert "The command 'hello' is provided by several plugins: one (zen-one 1.0), " \
           "two (zen-two 2.0)" in error
    use(**plugins)
    assert ok(zen("other")).stdout == "other\n"
    use(**plugins)
    found = listed(zen)
    assert found["three"]["contributes"] == ["command other"]
    assert found["one"]["contributes"] == found["two"]["contributes"] == []


def test_a_plugin_command_named_like_a_core_command_is_named_and_cores_runs(zen):
    def stack_command(cli):
        @cli.command("stack")
        def stack():
            click.echo("the plugin's")

    installed = {"shadow": ("zen-shadow", "0.3", plugin(zen_register_commands=stack_command))}
    use(**installed)
    assert "the plugin's" not in ok(zen("stack list")).stdout
    use(**installed)
    result = ok(zen("--help"))  # core commands alone never load plugin commands: help does
    assert "Plugin shadow (zen-shadow 0.3) adds the command 'stack', which is a zen-core " \
           "command" in warnings(result)


def test_a_hook_that_raises_is_a_warning_naming_the_plugin_and_the_rest_work(zen):
    def broken():
        raise RuntimeError("boom")
        yield  # pragma: no cover

    use(bad=("zen-bad", "0.1", plugin(zen_store_types=broken)),
        good=("zen-good", "1.0", plugin(zen_store_types=memory_type)))
    result = ok(zen("profile create p --store-type memory"))
    assert "Plugin bad (zen-bad 0.1) failed in zen_store_types: boom (RuntimeError)" \
        in warnings(result)
    use(bad=("zen-bad", "0.1", plugin(zen_store_types=broken)))
    [problem] = listed(zen)["bad"]["problems"]
    assert "boom (RuntimeError)" in problem


def test_a_bad_lazy_path_names_the_plugin_and_the_path_and_flavor_list_survives(zen):
    def flavors():
        yield Flavor(type="orchestrator", name="lazy", config_model="zen_nowhere.flavors:Cfg")

    def store_types():
        yield StoreType(name="lazy", description="d", store_class="zen_nowhere.store:Store",
                        default_url=lambda profile_dir: f"file://{profile_dir}")

    installed = {"lazy": ("zen-lazy", "0.2",
                          plugin(zen_component_flavors=flavors, zen_store_types=store_types))}
    use(**installed)
    result = ok(zen("orchestrator flavor list"))
    assert "kubeflow" in result.stdout  # the others are listed
    said = warnings(result)
    assert "orchestrator flavor 'lazy' of plugin lazy (zen-lazy 0.2) names " \
           "'zen_nowhere.flavors:Cfg', which cannot be loaded: No module named 'zen_nowhere' " \
           "(ModuleNotFoundError)" in said
    use(**installed)
    error = failed(zen("orchestrator register o --flavor lazy"))
    assert "lazy (zen-lazy 0.2)" in error and "'zen_nowhere.flavors:Cfg'" in error
    assert "Unexpected" not in error
    use(**installed)
    error = failed(zen("profile create p --store-type lazy"))
    assert "store type 'lazy' of plugin lazy (zen-lazy 0.2) names 'zen_nowhere.store:Store'" \
        in error
    assert "Unexpected" not in error


def test_plugins_shows_distribution_version_contributions_and_problems(zen):
    use(good=("zen-good", "1.0", plugin(zen_store_types=memory_type)))
    table = ok(zen("plugins")).stdout
    assert "PROBLEMS" in table and "zen-good" in table and "store types: memory" in table
    use(good=("zen-good", "1.0", plugin(zen_store_types=memory_type)))
    good = listed(zen)["good"]
    assert good == {"name": "good", "distribution": "zen-good", "version": "1.0",
                    "disabled": False, "error": None, "contributes": ["store type memory"],
                    "problems": []}


def test_disabled_plugins_are_not_loaded_and_are_listed(zen, monkeypatch):
    monkeypatch.setenv("ZENML_DISABLE_PLUGINS", "one, service")
    one = plugin(zen_store_types=memory_type)
    two = plugin(zen_store_types=memory_type)
    reset_plugin_manager(plugin_manager_with({"one": one, "two": two}, distribution="zen-x"))
    ok(zen("profile create p --store-type memory"))  # no conflict: one is switched off
    reset_plugin_manager(plugin_manager_with({"one": one, "two": two}, distribution="zen-x"))
    disabled = listed(zen, "--disabled")
    assert "one" in disabled and "two" not in disabled and disabled["one"]["disabled"]
    if "service" in disabled:  # an installed plugin is blocked by its entry point name
        reset_plugin_manager()
        assert "No such command 'service'" in failed(zen("service status"), 2)


def test_a_status_hook_is_a_row_of_status_and_json_no_scraping(zen):
    def status(config_directory):
        assert config_directory is not None
        yield StatusItem(name="probe", state="running", detail="at http://probe:1 (pid 42)",
                         data={"url": "http://probe:1", "pid": 42})

    def broken(config_directory):
        raise OSError("no state")

    installed = {"probe": ("zen-probe", "1.0", plugin(zen_status=status)),
                 "sick": ("zen-sick", "1.0", plugin(zen_status=broken))}
    use(**installed)
    data = json.loads(ok(zen("status -o json")).stdout)
    assert data["services"]["probe"] == {"url": "http://probe:1", "pid": 42,
                                         "status": "running",
                                         "detail": "at http://probe:1 (pid 42)"}
    use(**installed)
    result = ok(zen("status"))
    assert "running at http://probe:1 (pid 42)" in result.stdout
    assert "Plugin sick (zen-sick 1.0) failed in zen_status: no state (OSError)" \
        in warnings(result)


@pytest.mark.parametrize("hook", ["zen_store_types", "zen_component_flavors"])
def test_a_record_of_the_wrong_type_is_named(zen, hook):
    use(odd=("zen-odd", "1.0", plugin(**{hook: lambda: [{"name": "x"}]})))
    result = ok(zen("plugins -o json"))
    [odd] = [p for p in json.loads(result.stdout) if p["name"] == "odd"]
    assert f"gave {hook} {{'name': 'x'}}" in odd["problems"][0]
