"""A service on a SQLite profile keeps a connection per thread for its stack reads
(zen_sql_store.sqlite_reads), and still reads every write of any process next: the
command line (this process) and the service (its own) take turns writing and reading,
and each sees the other's last write at once, on whichever thread answers."""

from __future__ import annotations

import shutil

import pytest
import requests

from zen_core.testing.cli import ok, row_named
from zen_core.testing.require import posix_only

pytestmark = [posix_only("the daemon tests"), pytest.mark.zen_needs("zen_sql_store")]
CORE = {"orchestrator": "default", "metadata_store": "default", "artifact_store": "default"}
#: Requests per read: each on a new connection, so the service's threads take turns.
READS = 6


def test_writes_anywhere_are_read_next_everywhere_on_sqlite(zen_home, zen):
    from zen_service.testing import bearer, running_service

    ok(zen("profile create db --store-type sql"))
    with running_service(zen_home, profile="db") as served:
        auth = bearer(served.token)
        api = f"{served.url}api/v1/stacks"

        def served_names() -> list[set[str]]:
            return [{s["name"] for s in requests.get(api, headers=auth, timeout=10)
                     .json()["items"]} for _ in range(READS)]

        for i in range(3):
            ok(zen(f"--profile db stack register cli-{i} -o default -m default -a default"))
            assert all(f"cli-{i}" in names for names in served_names())
            assert {requests.get(f"{api}/cli-{i}", headers=auth, timeout=10).status_code
                    for _ in range(READS)} == {200}

            created = requests.post(api, json={"name": f"svc-{i}", "components": CORE},
                                    headers=auth, timeout=10)
            assert created.status_code == 201, created.text
            assert row_named(ok(zen("--profile db stack list")).stdout, f"svc-{i}")

            ok(zen(f"--profile db stack delete cli-{i} -y"))
            assert all(f"cli-{i}" not in names for names in served_names())
            assert {requests.get(f"{api}/cli-{i}", headers=auth, timeout=10).status_code
                    for _ in range(READS)} == {404}


def test_a_replaced_database_file_is_read_at_once(tmp_path):
    """A kept connection would read the old file after a restore: it is opened again."""
    from zen_core.models import Stack
    from zen_sql_store import sqlite_reads
    from zen_sql_store.store import SqlStore

    for name, stacks in (("live", ["a"]), ("backup", ["b", "c"])):
        store = SqlStore(f"sqlite:///{tmp_path / name}.db")
        store.initialize()
        for stack in stacks:
            store.register_stack(Stack(stack, {}))
        store.close()
    reads = sqlite_reads.SqliteReads(str(tmp_path / "live.db"), SqlStore.schema_head)
    assert reads.stack_names() == ["a"]
    shutil.copy(tmp_path / "backup.db", tmp_path / "restored.db")
    (tmp_path / "restored.db").replace(tmp_path / "live.db")  # a restore: another file
    assert reads.stack_names() == ["b", "c"]
    reads.close()
