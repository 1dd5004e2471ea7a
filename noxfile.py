"""Sessions: `nox` runs lint and the whole test suite; `nox -s benchmarks` the benchmarks."""

from __future__ import annotations

import nox

nox.options.sessions = ["lint", "tests"]
nox.options.error_on_missing_interpreters = True

#: Every distribution of the workspace, installed editable for tests.
DISTRIBUTIONS = [
    "core",
    "plugins/local_store",
    "plugins/sql_store[mysql,postgres]",
    "plugins/rest_store",
    "plugins/service",
]
TEST_DEPENDENCIES = [
    "pytest>=8",
    "pytest-xdist>=3",
    "openapi-spec-validator>=0.7",
    "schemathesis>=4",
    "selenium>=4.20",
    "trustme>=1.1",
    "pexpect>=4.8",  # the CLI's terminal tests (a pseudo-terminal)
]


def install_workspace(session: nox.Session) -> None:
    args = []
    for path in DISTRIBUTIONS:
        args += ["-e", path]
    session.install(*args)


@nox.session
def lint(session: nox.Session) -> None:
    session.install("ruff>=0.6")
    session.run("ruff", "check", ".")


@nox.session
def tests(session: nox.Session) -> None:
    """The whole suite: every distribution's tests and the cross-distribution ones."""
    install_workspace(session)
    session.install(*TEST_DEPENDENCIES)
    session.run("pytest", "-n", "2", *session.posargs)


@nox.session
def benchmarks(session: nox.Session) -> None:
    """Timing and scaling figures (medians, ratios against a same-run baseline)."""
    install_workspace(session)
    session.run("python", "benchmarks/run.py", *session.posargs)


@nox.session
def stress(session: nox.Session) -> None:
    """Lost-write stress test: processes updating one component and one stack at once,
    on every store type available (exit 1 if a write is lost)."""
    install_workspace(session)
    session.run("python", "benchmarks/stress.py", *session.posargs)
