"""Adds ``zenml service`` and its row of ``zenml status``, and keeps a served profile from
being renamed or deleted. Imported on every command, so it imports nothing heavy."""

from __future__ import annotations

from zen_core.plugin import hookimpl


@hookimpl
def zen_register_commands(cli):
    from zen_service.cli import service

    cli.add_command(service)


@hookimpl
def zen_profile_in_use(config_directory, profile):
    from zen_service.state import serving

    return serving(config_directory, profile)


@hookimpl
def zen_status(config_directory):
    from zen_core.plugin import StatusItem
    from zen_service import manager
    from zen_service.state import state_path

    status, state = manager.service_status(config_directory)
    data = {"url": None, "pid": None, "profile": None, "host": None, "port": None,
            "state_file": str(state_path(config_directory))}
    detail = ""
    if state is not None and status in (manager.RUNNING, manager.NOT_RESPONDING):
        data.update(url=state.url, pid=state.pid, profile=state.profile, host=state.host,
                    port=state.port)
        where = f"at {state.url} " if status == manager.RUNNING else ""
        detail = f"{where}(pid {state.pid}), serving profile '{state.profile}'"
    else:
        status = manager.STOPPED
    yield StatusItem(name="service", state=status, detail=detail, data=data)
