"""``zenml`` on SQL profiles, end to end: the user guide's SQLite transcript, server
profiles with their password masked, and the errors a user meets."""

from __future__ import annotations

import sys
import time

import pytest
from sqlalchemy.engine import make_url

from zen_core.testing.cli import ACTIVE, failed, ok, row_named, rows

NO_ROOT = "Running without an active repository root."
PASSWORD = "s3cret-Pw"


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


@pytest.fixture
def home(zen, zen_home):
    """The config folder after the first run (the default profile exists)."""
    ok(zen("profile list"))
    return zen_home


# --- the user guide's SQLite transcript -------------------------------------------------
def test_the_guides_sqlite_transcript(zen, home, tmp_path):
    database = tmp_path / "zenml" / "zenml.db"
    url = f"sqlite://{database}"  # the guide's "sqlite:///tmp/zenml/zenml.db", in tmp_path
    created = ok(zen(["profile", "create", "--store-type", "sql", "--url", url,
                      "sqlite_profile"]))
    assert lines(created.stderr) == [
        NO_ROOT,
        "Running with active profile: 'default' (global)",
        "Initializing profile `sqlite_profile`...",
        "Profile 'sqlite_profile' successfully created.",
    ]
    assert database.is_file()  # folders created as needed

    listing = ok(zen("profile list"))
    assert lines(listing.stderr) == [NO_ROOT, "Running with active profile: 'default' (global)"]
    assert row_named(listing.stdout, "default")[0] == ACTIVE
    assert row_named(listing.stdout, "sqlite_profile") == ["", "sqlite_profile", "sql", url,
                                                           "default"]

    switched = ok(zen("profile set sqlite_profile"))
    assert lines(switched.stderr) == [
        NO_ROOT,
        "Running with active profile: 'default' (global)",
        "Active profile changed to: 'sqlite_profile'",
    ]

    stacks = ok(zen("stack list"))
    assert NO_ROOT in stacks.stderr
    assert rows(stacks.stdout) == [[ACTIVE, "default", "default", "default", "default"]]


def test_a_sql_profile_without_url_lives_in_its_folder(zen, home):
    ok(zen("profile create -t sql p"))
    database = home / "profiles" / "p" / "zenml.db"
    assert database.is_file()
    listing = ok(zen("profile list"))
    assert row_named(listing.stdout, "p")[3] == f"sqlite:///{database}"
    ok(zen("profile set p"))
    assert rows(ok(zen("stack list")).stdout)[0][1] == "default"


def test_every_stack_and_component_command_works(zen, home, backend, empty_database):
    ok(zen(["profile", "create", "-t", "sql", "--url", empty_database, "team"]))
    ok(zen("profile set team"))
    ok(zen("orchestrator register kf -t kubeflow"))
    ok(zen("artifact-store register bucket -t local --path=/data/bucket"))
    ok(zen("container-registry register reg -t default --uri=localhost:5000"))
    # a kubeflow orchestrator needs a container registry (the flavor's stack rule)
    ok(zen("stack register mine -o kf -m default -a bucket -c reg"))
    ok(zen("stack set mine"))
    ok(zen("orchestrator rename kf kubeflow"))
    described = ok(zen("stack describe mine"))
    assert "kubeflow" in described.stdout
    error = failed(zen("artifact-store delete bucket"))
    assert "'mine'" in error
    ok(zen("stack rename mine ours"))
    ok(zen("stack update ours -a default"))
    ok(zen("artifact-store delete bucket"))
    listing = ok(zen("stack list"))
    assert [r[1] for r in rows(listing.stdout)] == ["default", "ours"]
    assert row_named(listing.stdout, "ours")[0] == ACTIVE
    assert "'x'" in failed(zen("stack describe x"))


def test_a_write_tells_only_what_it_did(zen_process, zen_home, backend, empty_database):
    """Nothing from the drivers on a write's stderr (psycopg 3.3 warned "using a closure
    in a dumps/loads function may cause a resource leak" on each new connection). In a
    process of its own: a driver's warning goes to the logging module's last resort."""
    created = zen_process(["profile", "create", "-t", "sql", "--url", empty_database, "team"])
    assert created.exit_code == 0, created.output
    registered = zen_process("--profile team orchestrator register kf -t kubeflow")
    assert registered.exit_code == 0, registered.output
    assert lines(registered.stderr) == [
        NO_ROOT,
        "Running with active profile: 'team' (--profile)",
        "Registered stack component with type 'orchestrator' and name 'kf'.",
        "Successfully registered orchestrator `kf`.",
    ]


def test_a_local_profile_copied_into_a_database(zen, home, backend, empty_database):
    ok(zen("stack register second -o default -m default -a default"))
    ok(zen(["profile", "copy", "default", "team", "-t", "sql", "--url", empty_database]))
    ok(zen("profile set team"))
    assert [r[1] for r in rows(ok(zen("stack list")).stdout)] == ["default", "second"]


# --- servers, passwords --------------------------------------------------------------------
@pytest.fixture
def password_url(backend, empty_database, databases) -> str:
    """``empty_database`` reached with a user that has a password."""
    if backend == "mysql":
        return databases.new_mysql_user(empty_database, PASSWORD)
    # The test PostgreSQL trusts local connections: any password is accepted.
    return databases.server("postgres").url_for(
        make_url(empty_database).database, make_url(empty_database).username, PASSWORD)


@pytest.mark.parametrize("backend", ["mysql", "postgres"])
def test_a_server_profile_never_shows_its_password(zen, home, password_url):
    assert PASSWORD in password_url
    masked = password_url.replace(f":{PASSWORD}@", ":***@")
    created = ok(zen(["profile", "create", "--store-type", "sql", "--url", password_url,
                      "team"]))
    assert lines(created.stderr)[-2:] == [
        "Initializing profile `team`...", "Profile 'team' successfully created.",
    ]
    outputs = [created]
    for command in ("profile list", "profile describe team", "profile list --output json",
                    "profile describe team --output yaml"):
        outputs.append(ok(zen(command)))
    ok(zen("profile set team"))
    for command in ("profile list", "profile get", "profile describe", "stack list"):
        outputs.append(ok(zen(command)))
    for result in outputs:
        assert PASSWORD not in result.output
    assert row_named(outputs[1].stdout, "team")[3] == masked
    assert masked in outputs[3].stdout  # JSON: the whole URL, masked
    assert rows(outputs[-1].stdout) == [[ACTIVE, "default", "default", "default", "default"]]


# --- errors --------------------------------------------------------------------------------
def config_files(home) -> dict[str, bytes]:
    return {
        str(p.relative_to(home)): p.read_bytes()
        for p in sorted(home.rglob("*"))
        if p.is_file() and not p.name.endswith(".lock") and "cache" not in p.parts
    }


@pytest.mark.parametrize("scheme", ["mysql", "postgresql"])
def test_server_down(zen, home, scheme):
    before = config_files(home)
    start = time.monotonic()
    error = failed(zen(["profile", "create", "-t", "sql", "--url",
                        f"{scheme}://zenml:{PASSWORD}@127.0.0.1:1/zenml", "team"]))
    assert time.monotonic() - start < 10
    assert "database 'zenml' on 127.0.0.1:1" in error
    assert f"{scheme}://zenml:***@127.0.0.1:1/zenml" in error
    assert PASSWORD not in error
    assert config_files(home) == before  # no profile recorded
    assert "team" not in ok(zen("profile list")).stdout


def test_wrong_password(zen, home, databases):
    server = databases.server("mysql")
    admin = make_url(server.url)
    error = failed(zen(["profile", "create", "-t", "sql", "--url",
                        server.url_for(admin.database, admin.username, PASSWORD), "team"]))
    assert f"database '{admin.database}' on {admin.host}" in error
    assert "Access denied" in error and PASSWORD not in error


@pytest.mark.parametrize("backend", ["mysql", "postgres"])
def test_unknown_database(zen, home, databases, backend):
    server = databases.server(backend)
    error = failed(zen(["profile", "create", "-t", "sql", "--url",
                        server.url_for("zen_no_such_database"), "team"]))
    assert "database 'zen_no_such_database'" in error
    assert "CREATE DATABASE zen_no_such_database" in error


def test_missing_driver(zen, home, monkeypatch):
    for module in ("pymysql", "MySQLdb"):
        monkeypatch.setitem(sys.modules, module, None)
    error = failed(zen(["profile", "create", "-t", "sql", "--url",
                        f"mysql://zenml:{PASSWORD}@10.11.12.13/zenml", "mysql_profile"]))
    assert 'pip install "./plugins/sql_store[mysql]"' in error
    assert '--find-links WHEELHOUSE "zen-sql-store[mysql]"' in error
    assert "database 'zenml' on 10.11.12.13" in error
    assert PASSWORD not in error


def test_not_a_sql_url(zen, home):
    error = failed(zen("profile create -t sql --url http://localhost:8000 p"))
    assert "Invalid URL for store type 'sql'" in error
    assert "sqlite:////path/to/zenml.db" in error


def test_a_database_of_a_newer_zen(zen, home, tmp_path):
    from test_sql_migrations import FutureSqlStore

    url = f"sqlite:///{tmp_path / 'future.db'}"
    FutureSqlStore(url).initialize()
    error = failed(zen(["profile", "create", "-t", "sql", "--url", url, "p"]))
    assert "schema version '0007_test'" in error
    assert "pip install --upgrade ./plugins/sql_store" in error


def test_a_profile_whose_server_went_away(zen, home, tmp_path):
    url = f"sqlite:///{tmp_path / 'gone' / 'zenml.db'}"
    ok(zen(["profile", "create", "-t", "sql", "--url", url, "p"]))
    ok(zen("profile set p"))
    (tmp_path / "gone" / "zenml.db").write_bytes(b"garbage " * 1000)
    for suffix in ("-wal", "-shm"):
        (tmp_path / "gone" / f"zenml.db{suffix}").unlink(missing_ok=True)
    error = failed(zen("stack list"))
    assert f"SQLite database {tmp_path / 'gone' / 'zenml.db'}" in error


# --- the installed command ---------------------------------------------------------------
def test_the_installed_zenml_command(zen_process, zen_home, tmp_path):
    url = f"sqlite:///{tmp_path / 'db' / 'zenml.db'}"
    created = zen_process(["profile", "create", "--store-type", "sql", "--url", url, "p"])
    assert created.exit_code == 0, created.output
    assert "Profile 'p' successfully created." in created.stderr
    listing = zen_process("stack list", env={"ZENML_ACTIVATED_PROFILE": "p"})
    assert listing.exit_code == 0, listing.output
    assert rows(listing.stdout) == [[ACTIVE, "default", "default", "default", "default"]]
    down = zen_process(["profile", "create", "-t", "sql", "--url",
                        f"mysql://zenml:{PASSWORD}@127.0.0.1:1/zenml", "q"], timeout=30)
    assert down.exit_code == 1
    errors = [line for line in down.stderr.splitlines() if line.startswith("Error: ")]
    assert errors == [down.stderr.splitlines()[-1]]
    assert "database 'zenml' on 127.0.0.1:1" in errors[0]
    assert PASSWORD not in down.output
