"""Skip a test whose prerequisite is missing, or fail it where a switch says it must run.

CI sets the switches (``.ci/run``) so that nothing it means to test skips quietly:

- ``ZEN_REQUIRE_PLUGINS``: the zen distributions a test needs (zen-service,
  zen-sql-store, ...) and the tools it drives (trustme, pexpect: the ``test``
  dependency group; programs such as ``bash``) are installed. Mark such a test
  ``@pytest.mark.zen_needs("zen_service")`` (import package names), or call
  :func:`require_modules` / :func:`require_programs`;
- ``ZEN_REQUIRE_DEFAULT_PORT``: the service's default port 8000 is free.

``ZEN_REQUIRE_SERVERS`` (the SQL servers), ``ZEN_REQUIRE_BROWSER`` (Chromium) and
``ZEN_REQUIRE_PROXY`` (haproxy) work the same way in their own tests. A switch is on
unless unset, empty or ``0``.

Tests of what exists only on POSIX (signals, pseudo-terminals, the daemon) are
marked :func:`posix_only`: the one skip that no switch turns into a failure, as
no switch can make Windows POSIX (the README lists it).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from typing import NoReturn

import pytest

PLUGINS = "ZEN_REQUIRE_PLUGINS"
DEFAULT_PORT = "ZEN_REQUIRE_DEFAULT_PORT"
SERVERS = "ZEN_REQUIRE_SERVERS"
#: The same, under the name ``zen_core.plugin`` gives it: a store of a server type skips
#: its tests without the server, and fails them under ``ZEN_REQUIRE_SERVERS=1``.
REQUIRE_SERVERS = SERVERS
BROWSER = "ZEN_REQUIRE_BROWSER"

#: import package -> distribution, for the messages
DISTRIBUTIONS = {
    "zen_core": "zen-core",
    "zen_local_store": "zen-local-store",
    "zen_sql_store": "zen-sql-store",
    "zen_rest_store": "zen-rest-store",
    "zen_service": "zen-service",
}


def required(switch: str) -> bool:
    """Whether ``switch`` is on in the environment."""
    return os.environ.get(switch, "").strip() not in ("", "0")


def skip_or_fail(reason: str, switch: str) -> NoReturn:
    """Skip with ``reason``; fail instead when ``switch`` is on."""
    if required(switch):
        pytest.fail(f"{reason}, and {switch} is set: this test must run.", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def require_modules(*modules: str) -> None:
    """Skip (fail under ``ZEN_REQUIRE_PLUGINS``) unless every import package is installed."""
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        names = ", ".join(DISTRIBUTIONS.get(m, m) for m in missing)
        skip_or_fail(f"needs {names}, which is not installed", PLUGINS)


def require_programs(*programs: str) -> None:
    """Skip (fail under ``ZEN_REQUIRE_PLUGINS``) unless every program is on the ``PATH``."""
    missing = [p for p in programs if shutil.which(p) is None]
    if missing:
        skip_or_fail(f"needs {', '.join(missing)}, which is not on the PATH", PLUGINS)


def posix_only(reason: str) -> pytest.MarkDecorator:
    """Mark a test (or a module, ``pytestmark = posix_only(...)``) that needs POSIX:
    ``reason`` says what (signals, pseudo-terminals...)."""
    return pytest.mark.skipif(os.name == "nt", reason=f"POSIX only: {reason}")
