"""Sessions. `nox` runs every default session below: the README's test command.

- ``lint``: ruff.
- ``tests``: every distribution installed together (editable), the whole suite.
- ``tests-core``, ``tests-sql``, ``tests-rest``: each distribution with only what it
  requires, so a hidden dependency on a sibling fails: zen-core with zen-local-store
  alone passes core's tests; zen-sql-store on top of them; zen-rest-store's own tests
  without zen-service installed.
- ``tests-redis``: ``examples/zen-redis-store``, a third-party store type built on
  ``zen_core.plugin`` alone, installed from its folder beside zen-core and
  zen-local-store, runs its own suite (zen's whole store contract) against the Redis
  at ``$ZEN_TEST_REDIS_URL`` (default 127.0.0.1:6379; ``ZEN_REQUIRE_SERVERS=1`` fails
  it without one).
- ``wheels``: builds every sdist and wheel, ``twine check``, installs the wheels
  with ``--no-index`` from a wheelhouse into fresh venvs (not editable) and runs
  ``tests/wheel_smoke.py`` there.
- ``docs``: the documentation site, ``mkdocs build --strict``.
- ``benchmarks`` (not a default): issue 23's speed targets (and 12's and 21's it keeps),
  each judged met or missed; the service is loaded with ``wrk`` (``apt-get install -y
  wrk``), without which its figures are SKIPPED.
- ``stress`` (not a default): lost writes under concurrent partial updates, per store type.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nox
import nox.project

nox.options.sessions = ["lint", "tests", "tests-core", "tests-sql", "tests-rest",
                        "tests-redis", "wheels", "docs"]
nox.options.error_on_missing_interpreters = True
nox.needs_version = ">=2025.2.9"  # nox.project.dependency_groups

ROOT = Path(__file__).parent
#: Every distribution of the workspace: its folder, and the extras the tests use.
CORE = "core"
LOCAL = "plugins/local_store"
SQL = "plugins/sql_store[mysql,postgres]"
REST = "plugins/rest_store"
SERVICE = "plugins/service"
DISTRIBUTIONS = [CORE, LOCAL, SQL, REST, SERVICE]
FOLDERS = [path.partition("[")[0] for path in DISTRIBUTIONS]
#: The worked example of the plugin guide: a distribution of its own, not one of zen's.
REDIS_EXAMPLE = "examples/zen-redis-store"

#: The dependency groups of the root pyproject.toml: test, pytest, lint, docs, packaging.
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")


def group(name: str) -> tuple[str, ...]:
    return nox.project.dependency_groups(PYPROJECT, name)


#: A test that needs a missing sibling distribution fails instead of skipping when set
#: (.ci/run sets it); the per-distribution sessions lack siblings on purpose.
REQUIRE_PLUGINS = "ZEN_REQUIRE_PLUGINS"


def install_editable(session: nox.Session, *paths: str) -> None:
    args = []
    for path in paths:
        args += ["-e", path]
    session.install(*args)


@nox.session
def lint(session: nox.Session) -> None:
    session.install(*group("lint"))
    session.run("ruff", "check", ".")


@nox.session
def tests(session: nox.Session) -> None:
    """The whole suite: every distribution's tests and the cross-distribution ones."""
    install_editable(session, *DISTRIBUTIONS)
    session.install(*group("test"))
    session.run("pytest", "-n", "2", *session.posargs)


def _run_alone(session: nox.Session, paths: list[str], test_folders: list[str],
               absent: list[str]) -> None:
    """Install only ``paths`` in a venv of their own and run ``test_folders``."""
    install_editable(session, *paths)
    session.install(*group("pytest"))
    for module in absent:
        session.run("python", "-c", f"import importlib.util, sys; "
                    f"sys.exit(importlib.util.find_spec({module!r}) is not None)",
                    silent=True)
    session.run("pytest", "-n", "2", *(session.posargs or test_folders),
                env={REQUIRE_PLUGINS: "0"})


@nox.session(name="tests-core")
def tests_core(session: nox.Session) -> None:
    """zen-core with zen-local-store alone (what `pip install zen-core` gives)."""
    _run_alone(session, [CORE, LOCAL], ["core/tests", "plugins/local_store/tests"],
               absent=["zen_sql_store", "zen_rest_store", "zen_service"])


@nox.session(name="tests-sql")
def tests_sql(session: nox.Session) -> None:
    """zen-sql-store on top of zen-core and zen-local-store."""
    _run_alone(session, [CORE, LOCAL, SQL],
               ["core/tests", "plugins/local_store/tests", "plugins/sql_store/tests"],
               absent=["zen_rest_store", "zen_service"])


@nox.session(name="tests-rest")
def tests_rest(session: nox.Session) -> None:
    """zen-rest-store's own tests without zen-service installed."""
    _run_alone(session, [CORE, LOCAL, REST], ["plugins/rest_store/tests"],
               absent=["zen_service", "zen_sql_store"])


@nox.session(name="tests-redis")
def tests_redis(session: nox.Session) -> None:
    """The Redis store example, installed from its folder as a third party's would be."""
    install_editable(session, CORE, LOCAL)
    session.install(f"{REDIS_EXAMPLE}[test]")
    session.install(*group("pytest"))
    session.run("pytest", "-n", "2", "-p", "no:cacheprovider",
                *(session.posargs or [f"{REDIS_EXAMPLE}/tests"]))


@nox.session
def wheels(session: nox.Session) -> None:
    """Build, check and install the wheels as a user would, then smoke-test them."""
    session.install(*group("packaging"))
    tmp = Path(session.create_tmp()).resolve()
    dist = tmp / "dist"
    wheelhouse = tmp / "wheelhouse"
    for folder in (dist, wheelhouse):
        session.run("python", "-c", f"import shutil; shutil.rmtree({str(folder)!r}, True)",
                    silent=True)
    for folder in FOLDERS:
        # an sdist, then the wheel built from it: proves the sdist is complete
        session.run("python", "-m", "build", "--outdir", str(dist), folder, silent=True)
    built = sorted(str(p) for p in dist.iterdir())
    session.run("twine", "check", "--strict", *built)
    session.run("python", "tests/wheel_smoke.py", "check-dist", str(dist))
    # The wheelhouse: our wheels and every dependency's. The index is used here, with
    # our wheels beside it: the public zen-core (an unrelated project) must not be
    # picked for any requirement.
    ours = sorted(str(p) for p in dist.glob("*.whl"))
    session.run("python", "-m", "pip", "wheel", "-q", "--wheel-dir", str(wheelhouse),
                "--find-links", str(dist),
                *[w + "[mysql,postgres]" if "zen_sql_store" in w else w for w in ours])
    session.run("python", "tests/wheel_smoke.py", "check-wheelhouse", str(wheelhouse))

    smoke = [("core", ["zen-core"]),
             ("core-sql", ["zen-core", "zen-sql-store"]),  # the card's own line
             ("all", ["zen-core", "zen-sql-store", "zen-rest-store", "zen-service"])]
    for name, requirements in smoke:
        venv = tmp / f"venv-{name}"
        session.run("python", "-m", "venv", "--clear", str(venv), silent=True)
        python = str(venv / ("Scripts" if os.name == "nt" else "bin") / "python")
        session.run(python, "-m", "pip", "install", "-q", "--no-index",
                    "--find-links", str(wheelhouse), *requirements, external=True)
        session.run(python, str(ROOT / "tests" / "wheel_smoke.py"), "run", name,
                    external=True)
    # A plugin without a matching zen-core: pip's own error, never the unrelated one.
    session.run("python", "tests/wheel_smoke.py", "refuse-unrelated", str(wheelhouse),
                str(tmp / "venv-refuse"))


@nox.session
def docs(session: nox.Session) -> None:
    """The documentation site from docs/ (mkdocs build --strict: no broken link)."""
    install_editable(session, *DISTRIBUTIONS)
    session.install(*group("docs"))
    # (docs/hooks.py points ZENML_CONFIG_PATH at a temporary folder: the CLI reference
    # imports the commands.)
    site = Path(session.create_tmp()).resolve() / "site"
    session.run("mkdocs", "build", "--strict", "--site-dir", str(site), *session.posargs,
                env={"NO_MKDOCS_2_WARNING": "1"})


#: What benchmarks/run.py measures: the local and SQL stores (PostgreSQL through psycopg),
#: the service, and requests for the hostile clients' probes (benchmarks/README.md says the
#: same); the service's load comes from wrk, a Debian package, not from pip.
BENCHMARK_DISTRIBUTIONS = [CORE, LOCAL, "plugins/sql_store[postgres]", SERVICE]


@nox.session
def benchmarks(session: nox.Session) -> None:
    """Issue 23's targets (and 12's and 21's it keeps), each judged MET/MISSED/SKIPPED:
    medians of paired ratios (A B A B in one run), CPU time beside wall time, the service
    loaded with wrk. Exit 0 even if targets are missed; ``-- --quick``, ``-- --smoke``,
    ``-- --only PART``, ``-- --json PATH``."""
    import shutil

    if shutil.which("wrk") is None:
        session.warn("wrk is not installed: the service's figures (rows e, f, g and the "
                     "storm) will be SKIPPED, never measured with a Python client. Install "
                     "it: apt-get install -y wrk (Debian's package; haproxy too for row g)")
    install_editable(session, *BENCHMARK_DISTRIBUTIONS)
    session.install("requests")
    session.run("python", "benchmarks/run.py", *session.posargs)


@nox.session
def stress(session: nox.Session) -> None:
    """Lost-write stress test: processes updating one component and one stack at once,
    on every store type available (exit 1 if a write is lost)."""
    install_editable(session, *DISTRIBUTIONS)
    session.run("python", "benchmarks/stress.py", *session.posargs)


if __name__ == "__main__":  # pragma: no cover - `python noxfile.py` is not how to run it
    sys.exit("Run the sessions with nox (see the README).")
