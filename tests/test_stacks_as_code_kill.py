"""An apply killed half-way (kill -9) leaves all of its plan or nothing, on local, SQLite and
PostgreSQL (issue 19). The batch machinery guarantees it (contract_kill); this proves that
`zenml apply` gives the store its whole plan as that one batch.

As in the contract's kill test, one whole apply is timed first, then a fresh profile's
apply is killed at moments spread over that time; each profile must then hold every
record of the file, or none.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from zen_core.testing.cli import ok

pytestmark = pytest.mark.skipif(os.name == "nt", reason="kill -9: POSIX only")

ZENML = str(Path(sys.executable).parent / "zenml")
#: Components of each required type, and stacks, in the file (one batch of 4 x N writes).
N = 100
KILL_AT = (0.5, 0.75, 0.9)
SET = "kill"


def stacks_file(path: Path) -> Path:
    lines = [f"set: {SET}", "components:"]
    for i in range(N):
        lines += [f"  - {{type: orchestrator, flavor: local, name: o{i}}}",
                  f"  - {{type: metadata_store, flavor: sqlite, name: m{i}, "
                  f"configuration: {{uri: /data/m{i}.db}}}}",
                  f"  - {{type: artifact_store, flavor: local, name: a{i}, "
                  f"configuration: {{path: /data/a{i}}}}}"]
    lines.append("stacks:")
    lines += [f"  - {{name: s{i}, components: {{orchestrator: o{i}, metadata_store: m{i}, "
              f"artifact_store: a{i}}}}}" for i in range(N)]
    path.write_text("\n".join(lines) + "\n")
    return path


def held(zen, profile: str) -> tuple[int, ...]:
    counts = []
    for kind in ("stack", "orchestrator", "metadata-store", "artifact-store"):
        found = json.loads(ok(zen(f"{kind} list -l {'zen.dev/apply-set'}={SET} -o json "
                                  f"--profile {profile}")).stdout)
        counts.append(len(found))
    return tuple(counts)


def timed_apply(path: Path, profile: str) -> float:
    started = time.monotonic()
    subprocess.run([ZENML, "apply", "-f", str(path), "-y", "-q", "--profile", profile],
                   check=True, capture_output=True, timeout=300)
    return time.monotonic() - started


def killed_apply(path: Path, profile: str, after: float) -> None:
    process = subprocess.Popen([ZENML, "apply", "-f", str(path), "-y", "-q",
                                "--profile", profile],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        process.wait(after)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(params=["local", "sqlite", "postgres"])
def make_profile(request, zen):
    """Makes empty profiles of one store type: ``make_profile(name)``."""
    created: list[str] = []
    server = None
    if request.param == "postgres":
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        from zen_core.testing.require import SERVERS, skip_or_fail

        admin = os.environ.get("ZEN_TEST_POSTGRES_URL", "").strip()
        if not admin:
            skip_or_fail("ZEN_TEST_POSTGRES_URL is not set: no postgres server", SERVERS)
        server = create_engine(make_url(admin).set(drivername="postgresql+psycopg"),
                               isolation_level="AUTOCOMMIT")

    def make(name: str) -> str:
        if request.param == "local":
            ok(zen(f"profile create {name}"))
        elif request.param == "sqlite":
            ok(zen(f"profile create {name} --type sql"))
        else:
            database = f"zen_test_{int(time.time())}_{uuid.uuid4().hex[:8]}"
            with server.connect() as connection:
                connection.execute(text(f"CREATE DATABASE {database}"))
            created.append(database)
            url = make_url(os.environ["ZEN_TEST_POSTGRES_URL"]).set(database=database)
            ok(zen(f"profile create {name} --type sql --url "
                   f"{url.render_as_string(hide_password=False)}"))
        return name

    yield make
    if server is not None:
        with server.connect() as connection:
            for database in created:
                connection.execute(text(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
        server.dispose()


def test_an_apply_killed_half_way_leaves_all_or_nothing(zen, zen_home, make_profile):
    path = stacks_file(zen_home.parent / "many.yaml")
    whole = timed_apply(path, make_profile("timed"))
    assert held(zen, "timed") == (N, N, N, N)
    outcomes = []
    for i, fraction in enumerate(KILL_AT):
        profile = make_profile(f"killed{i}")
        killed_apply(path, profile, whole * fraction)
        counts = held(zen, profile)
        assert counts in ((0, 0, 0, 0), (N, N, N, N)), (fraction, counts)
        outcomes.append(counts[0])
        # the store takes the apply afterwards, and then nothing differs
        ok(zen(f"apply -f {path} -y -q --profile {profile}"))
        assert zen(f"diff -f {path} -q --profile {profile}").exit_code == 0
    print(f"whole apply {whole:.2f} s; stacks held after each kill: {outcomes}")
