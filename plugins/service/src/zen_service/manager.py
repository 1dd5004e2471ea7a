"""Start, inspect and stop the service daemon (what ``zenml service up/status/down`` do).

Standard library only, so the commands stay quick::

    from zen_service import manager

    state, started = manager.start_service("default", port=8000)
    print(state.url, state.pid, state.token)
    manager.service_status()          # ("running", state)
    manager.stop_service()

Every change of the state file holds its lock; a failed start leaves nothing
behind (no state file change, no process). Starting also makes sure the state
file holds an admin API key of the served profile's active user
(:func:`zen_core.services.keys.bootstrap_admin_key`), so that the service
works on one machine with no set-up.
"""

from __future__ import annotations

import json
import os
import secrets
import ssl
import subprocess
import time
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

from zen_core.config import config_dir
from zen_core.fileio import locked
from zen_service.options import ServeOptions
from zen_service.state import (
    ServiceError,
    ServiceState,
    daemon_command,
    instance_id,
    instance_proof,
    is_service_process,
    kill,
    log_path,
    new_instance,
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


def _opener(https: bool) -> urllib.request.OpenerDirector:
    """Probes go straight to this machine, whatever $HTTP_PROXY says. Over HTTPS the
    certificate is not checked: the probe sends nothing secret, and the service proves
    who it is with the instance secret (:func:`is_our_service`)."""
    handlers: list[Any] = [urllib.request.ProxyHandler({})]
    if https:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        handlers.append(urllib.request.HTTPSHandler(context=context))
    return urllib.request.build_opener(*handlers)


def health(host: str, port: int, timeout: float = 1.0, https: bool = False,
           challenge: str | None = None) -> dict[str, Any] | None:
    """The ``/health`` answer of a service at ``host:port``, or None."""
    address = probe_host(host)
    if ":" in address:
        address = f"[{address}]"
    url = f"{'https' if https else 'http'}://{address}:{port}/health"
    if challenge:
        url += f"?challenge={quote(challenge)}"
    try:
        with _opener(https).open(url, timeout=timeout) as r:
            data = json.loads(r.read())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def is_our_service(state: ServiceState, timeout: float = 1.0) -> bool:
    """Whether the service answering at the state's address is the run it records."""
    challenge = secrets.token_urlsafe(24)
    answer = health(state.host, state.port, timeout, state.tls is not None, challenge)
    if answer is None or answer.get("pid") != state.pid:
        return False
    if not state.instance:  # a state file of an older zen: the pid is all there is
        return True
    return answer.get("instance") == instance_id(state.instance) and \
        answer.get("proof") == instance_proof(state.instance, challenge)


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
    if is_our_service(state):
        return RUNNING, state
    return NOT_RESPONDING, state


def start_service(
    profile: str | None = None,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    directory: Path | None = None,
    timeout: float = START_TIMEOUT,
    report: Reporter = _quiet,
    enforce_rules: bool = True,
    tls: tuple[str | Path, str | Path] | None = None,
    options: ServeOptions | None = None,
) -> tuple[ServiceState, bool]:
    """Start the daemon serving ``profile`` (default: the active one); with ``tls``, the
    certificate and private key files, over HTTPS only; ``options``: its limits, trusted
    proxies and drain time.

    Returns the state and whether it was started (False: one already runs and
    is returned). Raises a ``ZenError`` with a one-line message on failure,
    having stopped the process and left the state file as it was. The profile
    must exist: creating the default one is the CLI's explicit first-run step
    (``zen_core.services.setup.prepare``). The state file's admin key is kept while it is
    valid for the served store, else a new one is made. ``enforce_rules=False``
    is for the store contract suite only (see :func:`zen_service.app.create_app`).
    """
    directory = directory or config_dir()
    files = _tls_files(tls) if tls is not None else None
    with locked(state_path(directory)):
        state = read_state(directory)
        if state is not None and state.pid is not None and is_service_process(state.pid):
            return state, False
        from zen_core.config import GlobalConfig
        from zen_core.services import serving

        config = GlobalConfig(directory)
        served = serving.servable_profile(config, profile, state.profile if state else None)
        instance = new_instance()
        report("Provisioning resources for service 'zen_service'.")
        process = _spawn(served.name, host, port, instance, directory, enforce_rules, files,
                         options or ServeOptions())
        try:
            _wait_until_ready(process, host, port, timeout, log_path(directory),
                              files is not None)
            token = serving.admin_key(config, served, state.token if state else "")
        except BaseException:
            _stop_process(process)
            raise
        new = ServiceState(host=host, port=port, profile=served.name, token=token,
                           pid=process.pid, instance=instance,
                           tls_cert=files[0] if files else None,
                           tls_key=files[1] if files else None,
                           options=asdict(options or ServeOptions()))
        write_state(new, directory)
    return new, True


def differences(state: ServiceState, asked: dict[str, Any]) -> list[str]:
    """What of ``asked`` (the options given to ``up``: profile, host, port, tls_cert,
    tls_key and the ``ServeOptions`` fields) differs from the running service ``state``,
    in words; what the state file does not record (an older zen's) is not compared."""
    running: dict[str, Any] = {"profile": state.profile, "host": state.host,
                               "port": state.port, "tls_cert": state.tls_cert,
                               "tls_key": state.tls_key, **(state.options or {})}
    found = []
    for name, value in asked.items():
        if name not in running:
            continue
        if name in ("tls_cert", "tls_key") and value is not None:
            value = str(Path(value).expanduser().resolve())
        if value != running[name]:
            option = "--" + name.replace("_", "-")
            found.append(f"{option} {value} (it runs with {running[name]})")
    return found


def _tls_files(tls: tuple[str | Path, str | Path]) -> tuple[str, str]:
    """The certificate and key as absolute paths, checked: ServiceError if unusable."""
    from zen_service.daemon import tls_error_message
    from zen_service.server import TLSFilesError, tls_adapter

    cert, key = (str(Path(p).expanduser().resolve()) for p in tls)
    try:
        tls_adapter(cert, key)
    except TLSFilesError as err:
        raise ServiceError(tls_error_message(str(err), cert, key)) from None
    return cert, key


def _spawn(profile: str, host: str, port: int, instance: str, directory: Path,
           enforce_rules: bool, tls: tuple[str, str] | None,
           options: ServeOptions) -> subprocess.Popen:
    directory.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "ZENML_CONFIG_PATH": str(directory), "PYTHONUNBUFFERED": "1"}
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
            daemon_command(profile, host, port, enforce_rules, tls, options.arguments()),
            stdin=subprocess.PIPE, stdout=log_file, stderr=subprocess.STDOUT,
            cwd=str(directory), env=env, close_fds=True, **kwargs,
        )
    assert process.stdin is not None
    try:
        process.stdin.write(instance.encode() + b"\n")
        process.stdin.close()
    except OSError:  # it died at once; _wait_until_ready reports why
        pass
    return process


def _wait_until_ready(process: subprocess.Popen, host: str, port: int,
                      timeout: float, log: Path, https: bool = False) -> None:
    deadline = time.monotonic() + timeout
    while True:
        code = process.poll()
        if code is not None:
            raise ServiceError(_failure_from_log(log, code))
        answer = health(host, port, timeout=0.5, https=https)
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
