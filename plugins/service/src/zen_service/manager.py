"""Start, inspect and stop the service daemon (what ``zenml service up/status/down`` do).

Standard library only, so the commands stay quick::

    from zen_service import manager

    state, started = manager.start_service("default", port=8000)
    print(state.url, state.pid, state.token)
    manager.service_status()          # ("running", state)
    manager.stop_service()

Every change of the state file holds its lock; a failed start leaves nothing
behind (no state file change, no process).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.request
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from zen_core.config import config_dir
from zen_core.fileio import locked
from zen_service.state import (
    ServiceError,
    ServiceState,
    daemon_command,
    is_service_process,
    kill,
    log_path,
    new_token,
    pid_alive,
    probe_host,
    read_state,
    state_path,
    terminate,
    write_state,
)

#: How long ``up`` waits for ``/health`` to answer.
START_TIMEOUT = 15.0
#: How long ``down`` waits for a graceful stop before killing the process.
STOP_TIMEOUT = 25.0

RUNNING, STOPPED, GONE, NOT_RESPONDING = "running", "not running", "gone", "not responding"

Reporter = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


#: Probes go straight to this machine, whatever $HTTP_PROXY says.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def health(host: str, port: int, timeout: float = 1.0) -> dict[str, Any] | None:
    """The ``/health`` answer of a service at ``host:port``, or None."""
    address = probe_host(host)
    if ":" in address:
        address = f"[{address}]"
    try:
        with _DIRECT.open(f"http://{address}:{port}/health", timeout=timeout) as r:
            data = json.loads(r.read())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def service_status(directory: Path | None = None) -> tuple[str, ServiceState | None]:
    """``(RUNNING | STOPPED | GONE | NOT_RESPONDING, state)``.

    A service whose process died (``kill -9``, a reboot) is GONE: its pid is
    cleared from the state file.
    """
    state = read_state(directory)
    if state is None or state.pid is None:
        return STOPPED, state
    if not is_service_process(state.pid):
        with locked(state_path(directory)):
            current = read_state(directory)
            if current is not None and current.pid == state.pid:
                current.pid = None
                write_state(current, directory)
        return GONE, state
    answer = health(state.host, state.port)
    if answer is not None and answer.get("pid") == state.pid:
        return RUNNING, state
    return NOT_RESPONDING, state


def servable_profile(client: Any, profile_name: str | None,
                     last_served: str | None = None) -> Any:
    """The profile a service may serve: ``profile_name`` or the client's active one.

    Refuses an unknown profile, one whose store type is not installed, and one
    whose store type is not servable (a ``rest`` profile: a service serves a
    store, not another service).
    """
    from zen_core.exceptions import InvalidDataError
    from zen_core.plugins import get_plugin_manager

    profile = client.get_profile(profile_name) if profile_name else client.profile
    plugins = get_plugin_manager()
    kind = plugins.store_type(profile.store_type)  # raises if not installed
    if not kind.servable:
        hint = ""
        if last_served and last_served != profile.name and client.config.has_profile(last_served):
            hint = f" (`--profile {last_served}` serves the profile it served last time)"
        servable = " or ".join(sorted(n for n, t in plugins.store_types().items() if t.servable))
        raise InvalidDataError(
            f"Profile '{profile.name}' uses the {kind.name} store type: a zen service serves "
            f"a {servable} profile, not another service. Choose one with --profile{hint}."
        )
    return profile


def start_service(
    profile: str | None = None,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    directory: Path | None = None,
    timeout: float = START_TIMEOUT,
    report: Reporter = _quiet,
    enforce_rules: bool = True,
) -> tuple[ServiceState, bool]:
    """Start the daemon serving ``profile`` (default: the active one).

    Returns the state and whether it was started (False: one already runs and
    is returned). Raises a ``ZenError`` with a one-line message on failure,
    having stopped the process and left the state file as it was. The profile
    must exist: creating the default one is the CLI's explicit first-run step
    (``Client().prepare()``). ``enforce_rules=False`` is for the store contract
    suite only (see :func:`zen_service.app.create_app`).
    """
    directory = directory or config_dir()
    with locked(state_path(directory)):
        state = read_state(directory)
        if state is not None and state.pid is not None and is_service_process(state.pid):
            return state, False
        from zen_core.client import Client

        name = servable_profile(Client(directory), profile,
                                state.profile if state else None).name
        token = state.token if state is not None and state.token else new_token()
        report("Provisioning resources for service 'zen_service'.")
        process = _spawn(name, host, port, token, directory, enforce_rules)
        try:
            _wait_until_ready(process, host, port, timeout, log_path(directory))
        except BaseException:
            _stop_process(process)
            raise
        new = ServiceState(host=host, port=port, profile=name, token=token, pid=process.pid)
        write_state(new, directory)
    return new, True


def _spawn(profile: str, host: str, port: int, token: str,
           directory: Path, enforce_rules: bool = True) -> subprocess.Popen:
    directory.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "ZENML_CONFIG_PATH": str(directory), "PYTHONUNBUFFERED": "1"}
    env.pop("ZEN_SERVICE_TOKEN", None)
    kwargs: dict[str, Any] = {}
    if os.name == "nt":  # pragma: no cover - its own group, so CTRL_BREAK reaches it alone
        kwargs["creationflags"] = (subprocess.CREATE_NEW_PROCESS_GROUP
                                   | subprocess.CREATE_NO_WINDOW)
    else:
        kwargs["start_new_session"] = True  # survives the terminal that started it
    log = log_path(directory)
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as log_file:
        process = subprocess.Popen(
            daemon_command(profile, host, port, enforce_rules),
            stdin=subprocess.PIPE, stdout=log_file, stderr=subprocess.STDOUT,
            cwd=str(directory), env=env, close_fds=True, **kwargs,
        )
    assert process.stdin is not None
    try:
        process.stdin.write(token.encode() + b"\n")
        process.stdin.close()
    except OSError:  # it died at once; _wait_until_ready reports why
        pass
    return process


def _wait_until_ready(process: subprocess.Popen, host: str, port: int,
                      timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while True:
        code = process.poll()
        if code is not None:
            raise ServiceError(_failure_from_log(log, code))
        answer = health(host, port, timeout=0.5)
        if answer is not None and answer.get("pid") == process.pid:
            return
        if time.monotonic() > deadline:
            raise ServiceError(
                f"The zen service did not answer at {host}:{port} within {timeout:.0f} s; "
                f"it was stopped. Its log is {log}."
            )
        time.sleep(0.05)


def _failure_from_log(log: Path, code: int) -> str:
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        lines = []
    errors = [line[len("Error: "):] for line in lines if line.startswith("Error: ")]
    if errors:
        return errors[-1]
    return f"The zen service stopped as it started (exit code {code}). Its log is {log}."


def _stop_process(process: subprocess.Popen) -> None:
    if process.poll() is None:
        kill(process.pid)
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:  # pragma: no cover
        pass


def stop_service(
    directory: Path | None = None, timeout: float = STOP_TIMEOUT
) -> tuple[str, ServiceState | None]:
    """Stop the daemon gracefully; ``(RUNNING, state)`` if it was running and is now stopped,
    ``(STOPPED | GONE, state)`` if there was nothing to stop."""
    directory = directory or config_dir()
    with locked(state_path(directory)):
        state = read_state(directory)
        if state is None or state.pid is None:
            return STOPPED, state
        was = RUNNING
        if is_service_process(state.pid):
            try:
                terminate(state.pid)
            except OSError:  # no way to ask it (Windows without a shared console)
                timeout = 0
            if not _wait_for_exit(state.pid, timeout):
                kill(state.pid)
                _wait_for_exit(state.pid, 5)
        else:
            was = GONE
        write_state(replace(state, pid=None), directory)
    return was, state


def _wait_for_exit(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while pid_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True
