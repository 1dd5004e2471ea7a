"""Helpers to run a real service from tests and benchmarks::

    from zen_service.testing import running_service

    with running_service(config_directory, profile="default") as state:
        requests.get(state.url + "api/v1/stacks",
                     headers={"Authorization": f"Bearer {state.token}"})

The daemon is the one ``zenml service up`` starts (waitress, same settings),
with its state file in ``config_directory``; it is stopped gracefully on exit.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from pathlib import Path

from zen_service.manager import start_service, stop_service
from zen_service.state import ServiceState


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_service(
    config_directory: Path,
    profile: str | None = None,
    host: str = "127.0.0.1",
    port: int | None = None,
    enforce_rules: bool = True,
) -> Iterator[ServiceState]:
    """Start a daemon serving ``profile`` of ``config_directory``; stop it on exit.

    ``enforce_rules=False``: without the flavors' schemas and stack rules, for the store
    contract suite, whose records use made-up configurations."""
    state, started = start_service(profile, host=host, port=port or free_port(host),
                                   directory=Path(config_directory),
                                   enforce_rules=enforce_rules)
    if not started:
        raise RuntimeError(f"A zen service already runs for {config_directory}: {state.url}")
    try:
        yield state
    finally:
        stop_service(Path(config_directory))
