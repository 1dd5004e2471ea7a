"""Adds ``zenml service``, and keeps a served profile from being renamed or deleted.
Imported on every command, so it imports nothing heavy."""

from __future__ import annotations

from zen_core import hookimpl


@hookimpl
def zen_register_commands(cli):
    from zen_service.cli import service

    cli.add_command(service)


@hookimpl
def zen_profile_in_use(config_directory, profile):
    from zen_service.state import serving

    return serving(config_directory, profile)
