"""The hooks zen plugins implement.

A plugin is a module (found through the ``zen`` entry point group) with
functions decorated by :data:`zen_core.hookimpl`. Keep those modules light:
they are imported on every command, so point at heavy classes with lazy
``"module:Class"`` paths.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from pathlib import Path

    import click

    from zen_core.records import Flavor, SecretBackend, StoreType

_hookspec = pluggy.HookspecMarker("zen")


@_hookspec
def zen_store_types() -> Iterable[StoreType]:
    """Yield the store types this plugin adds.

    Example::

        @hookimpl
        def zen_store_types():
            yield StoreType(
                name="memory",
                description="keeps stacks in memory",
                store_class="my_plugin.store:MemoryStore",
                default_url=lambda profile_dir: "memory://",
            )
    """


@_hookspec
def zen_component_flavors() -> Iterable[Flavor]:
    """Yield the component flavors this plugin adds.

    Example::

        @hookimpl
        def zen_component_flavors():
            yield Flavor(
                type=ComponentType.ORCHESTRATOR,
                name="my_orchestrator",
                config_model="my_plugin.flavors:MyOrchestratorConfig",
                description="runs pipelines on my cluster",
            )
    """


@_hookspec
def zen_secret_backends() -> Iterable[SecretBackend]:
    """Yield the secret back-ends this plugin adds: configuration may then refer to
    ``{{NAME.KEY}}`` with NAME the back-end's name (added in zen 1.1).

    Example::

        import os

        from zen_core import hookimpl
        from zen_core.exceptions import InvalidDataError
        from zen_core.records import SecretBackend

        def read_vault(key: str) -> str:           # "{{vault.db/password}}" -> "db/password"
            path, _, field = key.rpartition("/")
            value = my_vault_client().read(path).get(field)
            if value is None:
                raise InvalidDataError(f"Vault has no '{field}' at '{path}'.")
            return value

        @hookimpl
        def zen_secret_backends():
            yield SecretBackend(name="vault", description="HashiCorp Vault's KV store",
                                resolver="my_plugin.vault:read_vault")
    """


@_hookspec
def zen_register_commands(cli: click.Group) -> None:
    """Add click commands or groups to the ``zenml`` command.

    Example::

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
    uses it. ``zenml profile rename`` and ``delete`` refuse with the first reason given.

    Example::

        @hookimpl
        def zen_profile_in_use(config_directory, profile):
            if (config_directory / f"{profile}.busy").exists():
                return f"My daemon serves profile '{profile}': stop it with `my-daemon stop`."
            return None
    """
