"""``zenml plugin init``: start a plugin distribution (see :mod:`zen_core.plugin_template`)."""

from __future__ import annotations

from pathlib import Path

import click

from zen_core.cli.options import examples
from zen_core.plugin_template import KINDS


@click.group(epilog=examples("zenml plugin init my-plugin"))
def plugin() -> None:
    """Write new plugins (`zenml plugins` lists the installed ones)."""


@plugin.command(epilog=examples("zenml plugin init my-plugin",
                                "zenml plugin init my-store --kind store",
                                "zenml plugin init my-plugin --path ~/src/zen-my-plugin"))
@click.argument("name")
@click.option("--kind", type=click.Choice(KINDS), default="flavor", show_default=True,
              help="What the plugin adds: a component flavor, or a store type (its records "
                   "in one JSON file, passing zen's whole store contract).")
@click.option("--path", type=click.Path(file_okay=True, path_type=Path), default=None,
              help="The folder to write (default: ./NAME); it must be new or empty.")
def init(name: str, kind: str, path: Path | None) -> None:
    """Write a new plugin distribution NAME: pyproject.toml with its `zen` entry point,
    src/ with its hooks built on zen_core.plugin, tests/ and a README."""
    from zen_core.cli.output import success
    from zen_core.plugin_template import render

    target = render(name, kind, path)
    success(f"Wrote the {kind} plugin '{name}' in {target}.\n"
                f"Next: pip install -e \"{target}[test]\" && pytest {target}")
