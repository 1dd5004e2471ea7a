"""A third-party zen plugin, as a test fixture: a store type, a flavor and a command."""

from __future__ import annotations

import click

from zen_core import hookimpl
from zen_core.models import ComponentType
from zen_core.records import Flavor, StoreType


@hookimpl
def zen_store_types():
    yield StoreType(
        name="fake",
        description="A local store under another name.",
        store_class="zen_fake_plugin.store:FakeStore",
        default_url=lambda profile_dir: f"file://{profile_dir}",
    )


@hookimpl
def zen_component_flavors():
    yield Flavor(
        type=ComponentType.ORCHESTRATOR,
        name="fake_orchestrator",
        config_model="zen_fake_plugin.flavors:FakeOrchestratorConfig",
        description="Runs pipelines on a fake cluster.",
        # a third party's stack rules, declared the way the built-in flavors do
        requires=(ComponentType.SECRETS_MANAGER,),
        stack_check="zen_fake_plugin.flavors:needs_cloud_artifacts",
    )


@hookimpl
def zen_register_commands(cli):
    @cli.command("fake-hello")
    @click.argument("who", default="world")
    def fake_hello(who):
        """Say hello from the fake plugin."""
        click.echo(f"hello {who} from the fake plugin")
