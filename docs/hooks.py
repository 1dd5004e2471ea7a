"""MkDocs hooks: the CLI reference imports zen's commands, so keep zen away from the
builder's own config folder (plugin discovery caches files there), and prepare the commands
for mkdocs-click (:func:`prepare_cli_reference`, which tests/test_cli_reference.py runs too)."""

from __future__ import annotations

import os
import tempfile
from typing import Any

_folder: tempfile.TemporaryDirectory | None = None


def on_startup(command: str, dirty: bool) -> None:
    global _folder
    if "ZENML_CONFIG_PATH" not in os.environ:
        _folder = tempfile.TemporaryDirectory(prefix="zen-docs-")
        os.environ["ZENML_CONFIG_PATH"] = _folder.name


def on_config(config: Any) -> Any:
    prepare_cli_reference()
    return config


def prepare_cli_reference() -> None:
    """Load every ``zenml`` command (core's lazy ones and the plugins') into the root group,
    and give each option without a default ``None`` as its default: click 8.3 marks "no
    default" with a sentinel that mkdocs-click would print as ``Sentinel.UNSET``. Only this
    process's commands change (the build's).

    NOTE: mkdocs-click documents a group's ``commands`` when it has any, and only then
    asks ``list_commands``: with the plugins' commands loaded and core's still lazy, the
    page would show ``zenml service`` alone."""
    import click

    from zen_core.cli.main import cli

    def walk(command: click.Command, ctx: click.Context) -> None:
        for param in command.get_params(ctx):  # with --help, made (and kept) here
            if isinstance(param, click.Option) and type(param.default).__name__ == "Sentinel":
                param.default = None
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                if sub is not None:
                    walk(sub, click.Context(sub, parent=ctx, info_name=name))

    root = click.Context(cli, info_name="zenml")
    for name in cli.list_commands(root):
        cli.add_command(cli.get_command(root, name), name)
    walk(cli, root)
