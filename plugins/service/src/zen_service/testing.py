"""Helpers to run a real service from tests and benchmarks, and to give users keys::

    from zen_service.testing import add_user_key, running_service

    with running_service(config_directory, profile="default") as state:
        requests.get(state.url + "api/v1/stacks",
                     headers={"Authorization": f"Bearer {state.token}"})

    viewer_key = add_user_key(store, "vi", role="viewer")

The daemon is the one ``zenml service up`` starts (same server, same
settings), with its state file in ``config_directory``; its ``token`` is the
admin key it bootstrapped. It is stopped gracefully on exit.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from zen_core.account_records import ApiKey, RoleAssignment, User
from zen_core.store import BaseStore
from zen_core.writes import AssignRole, CreateApiKey, CreateUser, Write
from zen_service.manager import start_service, stop_service
from zen_service.options import ServeOptions
from zen_service.state import ServiceState

_KEY = re.compile(r"zen_([0-9a-f]{12})_([A-Za-z0-9_-]{20,100})")


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def add_user_key(store: BaseStore, user: str, role: str | None = None, *,
                 name: str = "test", key: str | None = None,
                 expires: str | None = None) -> str:
    """Give ``user`` (created if needed; with ``role`` if given) an API key and return it:
    ``key`` if given (``zen_<12 hex>_<secret>``, so a test can fix it), else a new one.
    ``expires`` is a stored expiry time (in the past for an expired key). Written directly
    to the store: a test's set-up, not an admin's action."""
    key = key or f"zen_{secrets.token_hex(6)}_{secrets.token_urlsafe(32)}"
    match = _KEY.fullmatch(key)
    if match is None:
        raise ValueError(f"not a zen API key: {key!r}")
    writes: list[Write] = []
    if user not in {u.name for u in store.list_users()}:
        writes.append(CreateUser(User(user)))
    if role is not None and RoleAssignment(role, user) not in store.list_role_assignments():
        writes.append(AssignRole(RoleAssignment(role, user)))
    digest = hashlib.sha256(match.group(2).encode()).hexdigest()
    writes.append(CreateApiKey(ApiKey(user, name, match.group(1), digest, expires=expires)))
    store.apply(writes, actor="test set-up")
    return key


@contextlib.contextmanager
def new_postgres_database(admin_url: str) -> Iterator[str]:
    """The URL of a new database on the PostgreSQL server of ``admin_url`` (a URL whose
    user may create databases), dropped on exit even while clients are connected. Needs
    zen-sql-store with its ``postgres`` extra."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from zen_sql_store.urls import parse

    name = f"zen_test_{secrets.token_hex(5)}"
    engine = create_engine(
        make_url(admin_url).set(drivername=parse(admin_url).sqlalchemy_drivername()),
        isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
        try:
            yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with engine.connect() as connection:
                connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    finally:
        engine.dispose()


@contextlib.contextmanager
def postgres_test_database() -> Iterator[tuple[str, str]]:
    """(admin URL, URL) of a new database on the server of ``$ZEN_TEST_POSTGRES_URL``,
    dropped on exit. Without that variable the test skips, or fails under
    ``ZEN_REQUIRE_SERVERS``; without zen-sql-store, likewise under ``ZEN_REQUIRE_PLUGINS``."""
    from zen_core.testing.require import require_modules, skip_or_fail

    admin_url = os.environ.get("ZEN_TEST_POSTGRES_URL", "").strip()
    if not admin_url:
        skip_or_fail("ZEN_TEST_POSTGRES_URL is not set: no PostgreSQL server to test against",
                     "ZEN_REQUIRE_SERVERS")
    require_modules("zen_sql_store")
    with new_postgres_database(admin_url) as url:
        yield admin_url, url


def wait_until_answers(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    """Poll ``url`` until it answers 200 (``/ready`` of a ``zenml service run``);
    AssertionError if ``process`` exits or ``timeout`` seconds pass first."""
    import requests

    deadline = time.monotonic() + timeout
    while True:
        assert process.poll() is None, f"it exited ({process.returncode}) before {url} answered"
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        assert time.monotonic() < deadline, f"{url} did not answer within {timeout:g} s"
        time.sleep(0.05)


@contextlib.contextmanager
def threads_until_stopped(targets: list[Callable[[], None]], stop: threading.Event,
                          join_seconds: float = 60) -> Iterator[None]:
    """Run each target in a thread of its own; on exit set ``stop`` and wait for them."""
    threads = [threading.Thread(target=target, daemon=True) for target in targets]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        for thread in threads:
            thread.join(join_seconds)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@contextlib.contextmanager
def running_service(
    config_directory: Path,
    profile: str | None = None,
    host: str = "127.0.0.1",
    port: int | None = None,
    enforce_rules: bool = True,
    tls: tuple[str | Path, str | Path] | None = None,
    options: ServeOptions | None = None,
) -> Iterator[ServiceState]:
    """Start a daemon serving ``profile`` of ``config_directory``; stop it on exit.

    ``enforce_rules=False``: without the flavors' schemas and stack rules, for the store
    contract suite, whose records use made-up configurations. ``tls``: the certificate
    and key files of an HTTPS service. ``options``: limits, trusted proxies, drain time."""
    state, started = start_service(profile, host=host, port=port or free_port(host),
                                   directory=Path(config_directory),
                                   enforce_rules=enforce_rules, tls=tls, options=options)
    if not started:
        raise RuntimeError(f"A zen service already runs for {config_directory}: {state.url}")
    try:
        yield state
    finally:
        stop_service(Path(config_directory))
