"""The service's state file and the processes it names (standard library only).

``<config dir>/service.json``, mode 0600, replaced atomically::

    {"url": "http://localhost:8000/", "host": "127.0.0.1", "port": 8000,
     "profile": "default", "pid": 1234, "token": "zen_...", "instance": "...",
     "tls_cert": null, "tls_key": null, "options": {"max_body_mib": 16, ...}}

``token`` is an admin API key of the served store's local user, made by the
first ``zenml service up``; it stays while the service is stopped and is used
again at the next start while it is valid, so the clients that have it keep
working. ``instance`` is the secret of the current run: ``/health?challenge=C``
answers :func:`instance_proof` of it, so that a client on this machine can
tell the service from another program listening on its port before it sends
the key. ``pid`` is null while the service is stopped.

The file's name, the local host names and the proof live in
:mod:`zen_core.local_service`, shared with the ``rest`` store, which reads this file
to find the key of the service on the same machine.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from zen_core.config import config_dir
from zen_core.exceptions import InvalidDataError, ZenError
from zen_core.fileio import write_text_atomic
from zen_core.local_service import (
    STATE_FILE,
    instance_id,
    instance_proof,
    is_local_host,
    probe_host,
)

__all__ = ["STATE_FILE", "instance_id", "instance_proof", "is_local_host", "probe_host"]
LOG_FILE = "service.log"
SERVICE_NAME = "zen_service"
#: A word of the daemon's command line, to tell our process from a reused pid.
DAEMON_MODULE = "zen_service.daemon"

class ServiceError(ZenError):
    """The service could not be started, stopped or reached."""


@dataclass
class ServiceState:
    host: str
    port: int
    profile: str
    #: The admin API key of the service's local user ("" before one was made).
    token: str
    pid: int | None = None
    #: The secret of the current run ("" for a state file written by an older zen).
    instance: str = ""
    #: The certificate and key files of a service that speaks HTTPS.
    tls_cert: str | None = None
    tls_key: str | None = None
    #: The run's limits, proxies and drain time (``ServeOptions`` as a mapping); None in a
    #: state file of an older zen.
    options: dict[str, Any] | None = None

    @property
    def tls(self) -> tuple[str, str] | None:
        return (self.tls_cert, self.tls_key) if self.tls_cert and self.tls_key else None

    @property
    def url(self) -> str:
        """Where people and clients reach it: ``http://localhost:8000/``."""
        return display_url(self.host, self.port, https=self.tls is not None)

    def to_dict(self) -> dict[str, Any]:
        return {"url": self.url, **asdict(self)}

    @classmethod
    def from_dict(cls, data: Any, source: Path) -> ServiceState:
        try:
            pid = data.get("pid")
            return cls(
                host=str(data["host"]),
                port=int(data["port"]),
                profile=str(data["profile"]),
                token=str(data["token"]),
                pid=int(pid) if pid is not None else None,
                instance=str(data.get("instance") or ""),
                tls_cert=_optional_text(data.get("tls_cert")),
                tls_key=_optional_text(data.get("tls_key")),
                options=dict(data["options"]) if data.get("options") else None,
            )
        except (AttributeError, KeyError, TypeError, ValueError):
            raise InvalidDataError(
                f"{source} is not a zen service state file. Fix or remove that file."
            ) from None


def _optional_text(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(value)
    return value or None


def state_path(directory: Path | None = None) -> Path:
    return (directory or config_dir()) / STATE_FILE


def log_path(directory: Path | None = None) -> Path:
    return (directory or config_dir()) / LOG_FILE


def read_state(directory: Path | None = None) -> ServiceState | None:
    path = state_path(directory)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as err:
        raise ServiceError(f"Cannot read {path}: {err.strerror}.") from None
    try:
        data = json.loads(text)
    except ValueError:
        raise InvalidDataError(f"Cannot parse {path}. Fix or remove that file.") from None
    return ServiceState.from_dict(data, path)


def write_state(state: ServiceState, directory: Path | None = None) -> None:
    write_text_atomic(state_path(directory), json.dumps(state.to_dict(), indent=2) + "\n")


def new_instance() -> str:
    """The secret of a new run of the service."""
    return secrets.token_urlsafe(32)


def display_url(host: str, port: int, https: bool = False) -> str:
    if is_local_host(host):
        host = "localhost"
    elif ":" in host:
        host = f"[{host}]"
    return f"{'https' if https else 'http'}://{host}:{port}/"


# --- processes ------------------------------------------------------------------------
def _reap(pid: int) -> None:
    """Collect ``pid`` if it is our own exited child (else it stays a zombie that looks alive)."""
    if os.name == "nt":
        return
    try:
        os.waitpid(pid, os.WNOHANG)
    except (ChildProcessError, OSError):
        pass


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if os.name == "nt":  # pragma: no cover - exercised on Windows only
        import ctypes

        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        try:
            ok = kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        finally:
            kernel32.CloseHandle(handle)
        return bool(ok) and code.value == 259  # STILL_ACTIVE
    _reap(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    try:
        # "pid (comm) S ...": a zombie (Z) or dead (X) process has exited.
        return stat.read_text().rpartition(")")[2].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return True


def is_service_process(pid: int | None) -> bool:
    """Whether ``pid`` is alive and, where we can tell (``/proc``), is a zen service daemon."""
    if not pid or not pid_alive(pid):
        return False
    cmdline = Path(f"/proc/{pid}/cmdline")
    try:
        return DAEMON_MODULE.encode() in cmdline.read_bytes()
    except OSError:
        return True  # no /proc (macOS, Windows): a live pid is taken as ours


def terminate(pid: int) -> None:
    """Ask the daemon to stop gracefully (it finishes the requests in flight)."""
    if os.name == "nt":  # pragma: no cover - the daemon runs in its own process group
        os.kill(pid, signal.CTRL_BREAK_EVENT)
    else:
        os.kill(pid, signal.SIGTERM)


def kill(pid: int) -> None:
    try:
        if os.name == "nt":  # pragma: no cover
            os.kill(pid, signal.SIGTERM)  # TerminateProcess
        else:
            os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


def daemon_command(profile: str, host: str, port: int, enforce_rules: bool = True,
                   tls: tuple[str, str] | None = None,
                   options: Sequence[str] = ()) -> list[str]:
    """The daemon's command line; ``options``: more of its arguments
    (``ServeOptions.arguments()``)."""
    command = [sys.executable, "-m", DAEMON_MODULE, "--profile", profile,
               "--host", host, "--port", str(port), *options]
    if tls is not None:
        command += ["--tls-cert", tls[0], "--tls-key", tls[1]]
    return command if enforce_rules else [*command, "--without-flavor-rules"]


def serving(directory: Path, profile: str) -> str | None:
    """Why ``profile`` cannot be renamed or deleted: the service of ``directory`` serves it
    and runs (its clients would be left without a store); else None."""
    try:
        state = read_state(directory)
    except ZenError:  # a broken state file is ``zenml service``'s to report
        return None
    if state is None or state.pid is None or state.profile != profile:
        return None
    if not is_service_process(state.pid):
        return None
    return (f"Profile '{profile}' is served by the zen service at {state.url} (pid "
            f"{state.pid}): stop it first with `zenml service down`.")
