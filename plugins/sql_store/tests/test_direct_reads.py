"""The rows the driver-only reads keep between reads (direct_reads.py: SQLite's
``PRAGMA data_version``, PostgreSQL's snapshot) never hide a commit: reads alternate
with writes made by another process, another store, the store itself and by hand in
SQL, and each read sees the write before it."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import text

from zen_core.changes import StackChange
from zen_core.models import Stack

WRITE_ELSEWHERE = (
    "import sys\n"
    "from zen_core.models import Stack\n"
    "from zen_sql_store.store import SqlStore\n"
    "SqlStore(sys.argv[1]).register_stack(Stack(sys.argv[2], {}))\n")

pytestmark = pytest.mark.parametrize("backend", ["sqlite", "postgres"])


def test_kept_rows_never_hide_a_commit(two_stacks, backend):
    from zen_sql_store.store import SqlStore

    store = two_stacks
    writer = SqlStore(store.url)
    try:
        for i in range(3):
            assert len(store.list_stacks()) == 2 + i  # read: kept from here on
            subprocess.run([sys.executable, "-c", WRITE_ELSEWHERE, store.url, f"p{i}"],
                           check=True, timeout=60)
            assert f"p{i}" in [s.name for s in store.list_stacks()]  # another process
            writer.update_stack(f"p{i}", StackChange(labels={"round": str(i)}))
            assert store.get_stack(f"p{i}").labels == {"round": str(i)}  # another store
            assert store.get_stack(f"p{i}").revision == 2
            store.update_stack(f"p{i}", StackChange(labels={"round": None}))
            assert store.get_stack(f"p{i}").revision == 3  # this store's own write
            with writer._ready().begin() as connection:  # by hand, in SQL: no zen history
                connection.execute(text("UPDATE zen_stacks SET revision = 9 WHERE name = :n"),
                                   {"n": f"p{i}"})
            assert store.get_stack(f"p{i}").revision == 9
            assert store.stack_names() == sorted(
                ["empty", "full", *(f"p{n}" for n in range(i + 1))])
    finally:
        writer.close()


def kept_between_reads(read, tries: int = 50):
    """What ``read`` gave twice in a row (kept, not read again), or None. On PostgreSQL a
    commit anywhere on the server (another test's, in its own database) moves the
    snapshot, so one pair of reads may miss; fifty in a row do not, unless the server
    commits without pause."""
    last = read()
    for _ in range(tries):
        again = read()
        if again is last:
            return again
        last = again
    return None


def test_reads_with_no_commit_between_share_their_rows(two_stacks, backend):
    store = two_stacks
    first = kept_between_reads(store._direct.stack_rows)
    assert first is not None
    store.register_stack(Stack("new", {}))
    again = store._direct.stack_rows()
    assert again is not first and len(again) == len(first) + 1


def test_a_stack_read_with_no_commit_between_is_the_same_record(two_stacks, backend):
    """A service reads one stack request after request: made once while nothing changed."""
    store = two_stacks
    first = kept_between_reads(lambda: store.get_stack("full"))
    assert first is not None
    store.update_stack("full", StackChange(labels={"seen": "yes"}))
    again = store.get_stack("full")
    assert again is not first and again.labels == {"seen": "yes"}
    assert again.revision == first.revision + 1
    assert kept_between_reads(lambda: store.get_stack("full")) == again
