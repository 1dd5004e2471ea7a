"""SQLite's stack reads without SQLAlchemy (sqlite_reads.py) answer as SQLAlchemy's do."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import psycopg2

from zen_core.exceptions import StackNotFoundError, StoreMissingError, StoreUnavailableError
from zen_core.models import Stack
from zen_sql_store import postgres_reads, sqlite_reads
from zen_sql_store.direct_reads import NotHere
from zen_sql_store.queries import COMPONENT_COLUMNS, COMPONENTS, STACKS, stacks_query
from zen_sql_store.rows import stack_records
from zen_sql_store.store import SqlStore


@pytest.mark.parametrize(("dialect", "reads"), [
    (sqlite.dialect(), sqlite_reads.SqliteReads),
    (psycopg2.dialect(paramstyle="format"), postgres_reads.PostgresReads),  # tuples, as sqlite3
], ids=["sqlite", "postgres"])
def test_the_sql_is_what_sqlalchemy_compiles_from_the_core_statements(dialect, reads):
    """Each database's driver-only reads (direct_reads.py) run the text SQLAlchemy makes."""
    def compiled(statement) -> str:
        return " ".join(str(statement.compile(dialect=dialect)).split())

    assert compiled(stacks_query()) == reads.STACKS_SQL
    assert compiled(stacks_query("x")) == reads.STACK_SQL
    assert compiled(select(STACKS.c.name)) == reads.STACK_NAMES_SQL
    assert compiled(select(*COMPONENT_COLUMNS)) == reads.COMPONENTS_SQL
    assert compiled(select(*COMPONENT_COLUMNS).where(COMPONENTS.c.type == "x")) == \
        reads.COMPONENTS_OF_TYPE_SQL


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
def store(two_stacks):
    return two_stacks


def sqlalchemy_reads(store: SqlStore):
    """The same reads through SQLAlchemy (what every other database uses)."""
    with store._ready().connect() as connection:
        every = stack_records(connection.execute(stacks_query()).all())
        one = stack_records(connection.execute(stacks_query("full")).all())
        names = sorted(connection.execute(select(STACKS.c.name)).scalars())
    return every, one, names


def test_records_are_those_sqlalchemy_reads(store):
    every, one, names = sqlalchemy_reads(store)
    fast = sqlite_reads.SqliteReads(store.location.sqlite_path, store.schema_head)
    listed = stack_records(fast.stack_rows())
    assert listed == every
    assert [(s.revision, s.created, s.updated) for s in listed] == [
        (s.revision, s.created, s.updated) for s in every]
    assert fast.find_stack("full") == one[0] and fast.find_stack("nope") is None
    assert fast.stack_names() == names == ["empty", "full"]
    assert store.get_stack("full").revision == 2


def test_a_missing_stack_names_the_others(store):
    with pytest.raises(StackNotFoundError, match="Available stacks: 'empty', 'full'\\."):
        store.get_stack("nope")


@pytest.mark.parametrize("version", ["0002", "9999"])
def test_a_schema_other_than_head_is_left_to_sqlalchemy(store, version):
    """Upgrading an older schema and refusing a newer one are SQLAlchemy's (and tested
    through the store in test_sql_migrations.py): the stdlib path does not answer."""
    store.close()
    connection = sqlite3.connect(store.location.sqlite_path)
    connection.execute("UPDATE zen_schema_version SET version_num = ?", (version,))
    connection.commit()
    connection.close()
    fast = sqlite_reads.SqliteReads(store.location.sqlite_path, store.schema_head)
    for read in (fast.stack_rows, fast.stack_names, lambda: fast.find_stack("full")):
        with pytest.raises(NotHere):
            read()


def test_a_file_that_is_no_database_is_left_to_sqlalchemy(tmp_path):
    path = tmp_path / "zenml.db"
    path.write_text("not a database")
    with pytest.raises(NotHere):
        sqlite_reads.SqliteReads(str(path), "0003").stack_rows()
    with pytest.raises(StoreUnavailableError):
        SqlStore(f"sqlite:///{path}").list_stacks()


def test_a_deleted_file_is_missing_and_not_recreated(store):
    store.close()
    path = Path(store.location.sqlite_path)
    path.unlink()
    with pytest.raises(StoreMissingError):
        SqlStore(store.url).list_stacks()
    assert not path.exists()


def test_reading_stacks_does_not_import_sqlalchemy(store):
    probe = (
        "import sys\n"
        "from zen_sql_store.store import SqlStore\n"
        f"store = SqlStore({store.url!r})\n"
        "print(len(store.list_stacks()), store.get_stack('full').name, store.stack_names())\n"
        "print('sqlalchemy' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["2 full ['empty', 'full']", "False"]


def test_a_read_with_no_commit_since_runs_no_query(store):
    store.list_stacks()
    connection = store._direct._connection()
    statements: list[str] = []
    connection.set_trace_callback(statements.append)

    def queries(read) -> int:
        statements.clear()
        read()
        assert statements[0] == "PRAGMA data_version"
        return sum(not s.startswith("PRAGMA") for s in statements)

    assert queries(store.list_stacks) == 0
    assert queries(lambda: store.get_stack("full")) == 1
    assert queries(lambda: store.get_stack("full")) == 0
    store.register_stack(Stack("new", {}))
    assert queries(store.list_stacks) == 1
