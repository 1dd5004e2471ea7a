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
    import click

    from zen_core.records import Flavor, StoreType

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
def zen_register_commands(cli: click.Group) -> None:
    """Add click commands or groups to the ``zenml`` command.

    Example::

        @hookimpl
        def zen_register_commands(cli):
            @cli.command()
            def hello():
                click.echo("hello")
    """
