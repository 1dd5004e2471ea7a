"""The hooks zen plugins implement (import what they need from :mod:`zen_core.plugin`).

A plugin is a module (found through the ``zen`` entry point group) with
functions decorated by ``hookimpl``. Keep those modules light: they are
imported on every command, so point at heavy classes with lazy
``"module:Class"`` paths. Each hook below has a complete example, and the zen
version that added it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from pathlib import Path

    import click

    from zen_core.records import Flavor, SecretBackend, StatusItem, StoreType

_hookspec = pluggy.HookspecMarker("zen")


@_hookspec
def zen_store_types() -> Iterable[StoreType]:
    """Yield the store types this plugin adds (added in zen 1.0).

    Example::

        from zen_core.plugin import StoreType, hookimpl

        @hookimpl
        def zen_store_types():
            yield StoreType(
                name="redis",
                description="Stacks in a Redis database.",
                store_class="zen_redis_store.store:RedisStore",   # a zen_core.plugin.BaseStore
                default_url=lambda profile_dir: "redis://127.0.0.1:6379/0",
            )
    """


@_hookspec
def zen_component_flavors() -> Iterable[Flavor]:
    """Yield the component flavors this plugin adds (added in zen 1.0).

    Example::

        from zen_core.plugin import ComponentType, Flavor, FlavorConfig, hookimpl

        class MyOrchestratorConfig(FlavorConfig):     # extra="forbid"
            cluster: str

        @hookimpl
        def zen_component_flavors():
            yield Flavor(
                type=ComponentType.ORCHESTRATOR,
                name="my_orchestrator",
                config_model=MyOrchestratorConfig,     # or "my_plugin.flavors:MyConfig"
                description="Runs pipelines on my cluster.",
            )
    """


@_hookspec
def zen_secret_backends() -> Iterable[SecretBackend]:
    """Yield the secret back-ends this plugin adds: configuration may then refer to
    ``{{NAME.KEY}}`` with NAME the back-end's name (added in zen 1.1).

    Example::

        import os

        from zen_core.plugin import InvalidDataError, SecretBackend, hookimpl

        def read_env(key: str) -> str:           # "{{env.DB_PASSWORD}}" -> "DB_PASSWORD"
            if key not in os.environ:
                raise InvalidDataError(f"No environment variable {key}.")
            return os.environ[key]

        @hookimpl
        def zen_secret_backends():
            yield SecretBackend(name="env", description="Environment variables.",
                                resolver=read_env)
    """


@_hookspec
def zen_register_commands(cli: click.Group) -> None:
    """Add click commands or groups to the ``zenml`` command (added in zen 1.0).

    A name zen-core uses (``stack``, ``status``...) or that another plugin adds too is
    left out, with a warning naming every plugin that adds it.

    Example::

        import click

        from zen_core.plugin import hookimpl

        @hookimpl
        def zen_register_commands(cli):
            @cli.command()
            def hello():
                click.echo("hello")
    """


@_hookspec
def zen_profile_in_use(config_directory: Path, profile: str) -> str | None:
    """Say why profile ``profile`` (of the zen config folder ``config_directory``) must not
    be renamed or deleted now, naming what to run first; None if nothing of this plugin
    uses it (added in zen 1.1). ``zenml profile rename`` and ``delete`` refuse with the
    first reason given.

    Example::

        from zen_core.plugin import hookimpl

        @hookimpl
        def zen_profile_in_use(config_directory, profile):
            if (config_directory / f"{profile}.busy").exists():
                return f"My daemon serves profile '{profile}': stop it with `my-daemon stop`."
            return None
    """


@_hookspec
def zen_status(config_directory: Path | None) -> Iterable[StatusItem]:
    """Yield what ``zenml status`` shows for this plugin (added in zen 1.1): one row per
    item, and under ``services`` in ``zenml status -o json``. ``config_directory`` is
    zen's config folder. Keep it quick: it runs on every ``zenml status``.

    Example::

        from zen_core.plugin import StatusItem, hookimpl

        @hookimpl
        def zen_status(config_directory):
            running = (config_directory / "my-daemon.pid").exists()
            yield StatusItem(name="my_daemon", state="running" if running else "not running",
                             detail="on port 9000" if running else "",
                             data={"port": 9000 if running else None})
    """
