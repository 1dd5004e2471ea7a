"""Adds ``zenml service``. Imported on every command, so it imports nothing heavy."""

from __future__ import annotations

from zen_core import hookimpl


@hookimpl
def zen_register_commands(cli):
    from zen_service.cli import service

    cli.add_command(service)
