"""The pytest plugin (entry point ``pytest11``): fixtures every zen test suite can use.

- ``zen_home``: an isolated config folder, working folder and environment;
- ``zen``: run the CLI in-process, ``zen("stack list")``, stdout and stderr apart;
- ``zen_process``: run the installed ``zenml`` in a subprocess, as a user would;
- :func:`run_at_once`: several ``zenml`` processes released together, for races;
- ``zen_environment_stable`` (autouse): a test that leaves ``os.environ`` changed fails
  (as tox's ``check_os_environ_stable``): set variables with ``monkeypatch``.

and the marker ``zen_needs("zen_service", ...)``: the test needs those import
packages (see :mod:`zen_core.testing.require`).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from zen_core import env
from zen_core.plugins import reset_plugin_manager


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "zen_needs(*modules): the test needs these import packages installed; "
        "skipped without them, failed instead under ZEN_REQUIRE_PLUGINS=1",
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    from zen_core.testing.require import require_modules

    for marker in item.iter_markers("zen_needs"):
        require_modules(*marker.args)


#: What pytest itself changes between a test's phases.
_PYTEST_OWN = ("PYTEST_CURRENT_TEST",)


@pytest.fixture(autouse=True)
def zen_environment_stable() -> Iterator[None]:
    """Fail a test that leaves ``os.environ`` changed: the next test would run in it.

    Set up before any fixture a test asks for (plugin fixtures come first), so what
    ``monkeypatch`` set is undone before this looks."""
    before = dict(os.environ)
    yield
    after = dict(os.environ)
    for own in _PYTEST_OWN:
        before.pop(own, None)
        after.pop(own, None)
    if after != before:
        changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
        for name in changed:  # the next test starts clean either way
            if name in before:
                os.environ[name] = before[name]
            else:
                del os.environ[name]
        pytest.fail(f"The test left environment variables changed: {', '.join(changed)}. "
                    "Set them with monkeypatch.setenv, which undoes it.", pytrace=False)


#: Every variable zen reads, and NO_COLOR: a test sees none of the person's settings.
ZEN_ENVIRONMENT = (*env.ALL, "NO_COLOR")


@pytest.fixture
def zen_home(tmp_path, monkeypatch):
    """An isolated zen: config in ``tmp_path/config``, cwd ``tmp_path/work``, clean env."""
    for name in ZEN_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "config"
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.setenv("ZENML_CONFIG_PATH", str(config))
    monkeypatch.chdir(work)
    reset_plugin_manager()
    yield config
    reset_plugin_manager()


#: The ``zenml`` script of the running interpreter's environment.
ZENML = str(Path(sys.executable).parent / "zenml")


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stderr + self.stdout


@pytest.fixture
def zen():
    """``zen("stack list")`` runs the CLI in-process (click's CliRunner)."""
    from click.testing import CliRunner

    from zen_core.cli.main import cli

    runner = CliRunner()

    def run(args: str | list[str], input: str | None = None) -> CliResult:
        argv = shlex.split(args) if isinstance(args, str) else args
        r = runner.invoke(
            cli, argv, input=input, prog_name="zenml", terminal_width=200, catch_exceptions=False
        )
        return CliResult(r.exit_code, r.stdout, r.stderr)

    return run


@pytest.fixture
def zen_process():
    """``zen_process("stack list", cwd=..., env=..., input=...)`` runs ``zenml`` in a
    subprocess (``input``: its standard input)."""

    def run(
        args: str | list[str], cwd: Path | None = None, env: dict | None = None,
        timeout: float = 60, input: str | None = None,
    ) -> CliResult:
        argv = shlex.split(args) if isinstance(args, str) else args
        p = subprocess.run(
            [ZENML, *argv], capture_output=True, text=True, cwd=cwd,
            env={**os.environ, **(env or {})}, timeout=timeout, input=input,
        )
        return CliResult(p.returncode, p.stdout, p.stderr)

    return run


#: A ``zenml`` that imports everything first, says it is ready, and waits for the go file:
#: processes released together then start their work within milliseconds of each other.
_AT_ONCE = """
import os, sys, time
from zen_core.cli.main import main
import zen_core.client, zen_core.config, zen_core.legacy, zen_core.repository, zen_core.fileio
import filelock, yaml
ready, go = sys.argv[1:3]
open(ready, "w").close()
deadline = time.monotonic() + 120
while not os.path.exists(go) and time.monotonic() < deadline:
    time.sleep(0.0005)
sys.argv = ["zenml", *sys.argv[3:]]
main()
"""


def run_at_once(
    commands: list[str | list[str]], cwd: Path | None = None, env: dict | None = None,
    timeout: float = 120,
) -> list[CliResult]:
    """Run each ``zenml`` command in its own process, all released at the same moment
    (after their imports), so a race between them happens on every run, not by luck."""
    with tempfile.TemporaryDirectory() as sync:
        processes = []
        for i, args in enumerate(commands):
            argv = shlex.split(args) if isinstance(args, str) else args
            processes.append(subprocess.Popen(
                [sys.executable, "-c", _AT_ONCE, f"{sync}/ready{i}", f"{sync}/go", *argv],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd,
                env={**os.environ, **(env or {})},
            ))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not all(
            os.path.exists(f"{sync}/ready{i}") or p.poll() is not None
            for i, p in enumerate(processes)
        ):
            time.sleep(0.005)
        Path(sync, "go").touch()
        results = []
        for p in processes:
            out, err = p.communicate(timeout=max(1.0, deadline - time.monotonic()))
            results.append(CliResult(p.returncode, out, err))
    return results
