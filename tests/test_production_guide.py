"""docs/guide/production.md, run: the first admin's commands, the systemd unit's and the
container's command lines, and the backup commands, on a PostgreSQL database of the test's
own (``ZEN_TEST_POSTGRES_URL``). Only the addresses, ports, folders and database names of
the page are replaced by the test's. (Its haproxy configuration runs in
test_service_scale_out.py; what the Dockerfile installs is what the wheels session checks.)
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from zen_core.testing.require import skip_or_fail

pytestmark = pytest.mark.skipif(os.name == "nt", reason="signals: POSIX only")

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "guide" / "production.md"
EXAMPLES = ROOT / "docs" / "examples"
ZENML = str(Path(sys.executable).parent / "zenml")
#: The page's database URL, and its server's.
PAGE_URL = "postgresql://zen:PASSWORD@db.internal/zen"


def code_blocks(text: str) -> list[str]:
    return re.findall(r"^```[a-z]*\n(.*?)^```", text, re.S | re.M)


def block_with(needle: str) -> list[str]:
    """The lines of the page's code block holding ``needle``."""
    [block] = [b for b in code_blocks(PAGE.read_text()) if needle in b]
    return [line for line in block.splitlines() if line.strip()]


def unit_command() -> list[str]:
    unit = (EXAMPLES / "zen-service.service").read_text()
    [line] = [x for x in unit.splitlines() if x.startswith("ExecStart=")]
    return shlex.split(line.removeprefix("ExecStart="))


def container_command() -> list[str]:
    text = (EXAMPLES / "Dockerfile").read_text().replace("\\\n", "")
    [line] = [x for x in text.splitlines() if x.startswith("CMD ")]
    return json.loads(line.removeprefix("CMD "))


@pytest.fixture
def database():
    from zen_service.testing import postgres_test_database

    with postgres_test_database() as urls:
        yield urls


@pytest.fixture
def team(zen_process, zen_home, database):
    """The page's first steps in ``zen_home``: the `team` profile on the database, the first
    admin and their key (returned)."""
    _, url = database
    results = []
    for line in block_with("zenml profile create team"):
        argv = shlex.split(line.replace(PAGE_URL, url))
        assert argv[0] == "zenml"
        result = zen_process(argv[1:])
        assert result.exit_code == 0, result.stderr
        results.append(result)
    key = results[-1].stdout.strip()
    assert re.fullmatch(r"zen_[0-9a-f]{12}_\S+", key), results[-1].stdout
    return key


def _serve(argv: list[str], zen_home: Path, key: str) -> str:
    """Run the page's command line (the test's port, on this machine only), check it
    serves the key's user, stop it as systemd and docker do; its log."""
    from zen_service.testing import free_port, wait_until_answers

    port = free_port()
    assert argv[0].endswith("zenml") and argv[1:3] == ["service", "run"]
    argv = [ZENML, *argv[1:]]
    argv[argv.index("--host") + 1] = "127.0.0.1"
    argv[argv.index("--port") + 1] = str(port)
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env={**os.environ, "ZENML_CONFIG_PATH": str(zen_home)})
    try:
        wait_until_answers(f"http://127.0.0.1:{port}/ready", process)
        me = requests.get(f"http://127.0.0.1:{port}/api/v1/me",
                          headers={"Authorization": f"Bearer {key}"}, timeout=5)
        assert me.status_code == 200 and me.json()["user"] == "ops", me.text
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    return err


def test_the_page_runs_what_the_unit_runs():
    [line] = block_with("zenml service run")
    assert shlex.split(line)[1:] == unit_command()[1:]


def test_the_systemd_unit_serves_and_stops_gracefully(team, zen_home):
    log = _serve(unit_command(), zen_home, team)
    assert "Serving profile 'team'" in log and log.rstrip().endswith("Stopped.")


def test_the_container_serves_and_stops_gracefully(team, zen_home):
    log = _serve(container_command(), zen_home, team)
    assert "Serving profile 'team'" in log and log.rstrip().endswith("Stopped.")


def test_the_backup_commands(team, database, zen_process, tmp_path):
    from sqlalchemy.engine import make_url

    if shutil.which("pg_dump") is None:
        skip_or_fail("pg_dump (PostgreSQL's client programs) is not installed",
                     "ZEN_REQUIRE_SERVERS")
    admin_url, url = database
    server = make_url(admin_url)
    source = make_url(url).database
    restored = f"{source}_restored"
    env = {**os.environ, "PGHOST": server.host or "127.0.0.1",
           "PGPORT": str(server.port or 5432), "PGUSER": server.username or "postgres"}
    if server.password:
        env["PGPASSWORD"] = server.password
    assert zen_process(["--profile", "team", "stack", "register", "kept", "-o", "default",
                        "-a", "default", "-m", "default"]).exit_code == 0
    try:
        restored_url = make_url(url).set(database=restored).render_as_string(
            hide_password=False)
        for line in block_with("pg_dump"):
            line = line.replace(f"{PAGE_URL}_restored", restored_url)
            line = re.sub(r"\bzen_restored\b", restored, line)
            argv = shlex.split(re.sub(r"(?<=[\s=])zen(?=\s|$)", source, line))
            if argv[0] == "zenml":
                argv = [ZENML, *argv[1:]]
            done = subprocess.run(argv, capture_output=True, text=True, cwd=tmp_path,
                                  env=env, timeout=120)
            assert done.returncode == 0, (argv, done.stderr)
        assert "kept" in done.stdout  # the last command lists the restored stacks
    finally:
        subprocess.run(["dropdb", "--if-exists", "--force", restored], env=env,
                       capture_output=True, timeout=60)
