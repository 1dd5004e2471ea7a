"""The schema version: check it on every open, upgrade it with Alembic, refuse a newer one.

A database records its revision in the table ``zen_schema_version`` (Alembic's
version table, renamed so that it cannot clash with an application's own
Alembic in a shared database). Opening a store:

* at :data:`HEAD` -> nothing to do (one cheap query; Alembic is not imported, nor
  SQLAlchemy by importing this module: SQLite's reads check the version without it);
* at an older revision -> upgrade to :data:`HEAD`, under a lock so that two
  processes opening it do not both upgrade;
* without zen tables -> create them, but only when the store is being
  initialized (``create=True``): at :data:`HEAD` in one step, without Alembic
  (:func:`_create_at_head`); any other open raises :class:`NoZenTables`, as the
  store's database has gone (dropped or re-created), and nothing is created in
  its place;
* at a revision this code does not know (a newer zen wrote it) -> refuse with
  :class:`StoreUnavailableError` before touching anything.

Maintainers write a new revision from the changed models with
``python -m zen_sql_store.migrate revision "what changes"``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from zen_core.exceptions import StoreUnavailableError
from zen_core.install import install_hint

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import Connection, Engine

    from zen_sql_store.urls import SqlUrl

#: The newest revision in ``migrations/versions`` (a test keeps the two equal).
HEAD = "0006"
VERSION_TABLE = "zen_schema_version"
MIGRATIONS = Path(__file__).parent / "migrations"

#: Key of the PostgreSQL advisory lock and name of the MySQL lock held while upgrading.
_PG_LOCK_KEY = 0x7A656E5F73716C  # "zen_sql"
_MYSQL_LOCK = "zen_sql_store_schema"
_LOCK_TIMEOUT = 60


class NoZenTables(Exception):
    """The database has no zen tables, and the store is not being initialized."""


def alembic_config(extra_locations: Sequence[str | Path] = ()) -> Config:
    """Alembic's configuration, built in code: no alembic.ini is needed."""
    from alembic.config import Config

    config = Config()
    # NOTE: option values go through configparser interpolation: a '%' must be doubled.
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    if extra_locations:
        locations = [MIGRATIONS / "versions", *map(Path, extra_locations)]
        config.set_main_option("path_separator", "os")
        config.set_main_option("version_path_separator", "os")  # alembic < 1.16
        config.set_main_option(
            "version_locations", os.pathsep.join(map(str, locations)).replace("%", "%%")
        )
    return config


def current_revisions(connection: Connection) -> set[str] | None:
    """The revisions the database records; None when it has no version table (new)."""
    from sqlalchemy import inspect, text

    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    return set(connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars())


def ensure_schema(
    engine: Engine,
    where: SqlUrl,
    head: str = HEAD,
    extra_locations: Sequence[str | Path] = (),
    *,
    create: bool,
) -> None:
    """Bring the database to ``head``, or refuse it if a newer zen wrote it.

    ``create``: make the tables in a database that has none (only
    ``initialize()`` does); else such a database raises :class:`NoZenTables`.
    """
    with engine.connect() as connection:
        revisions = current_revisions(connection)
        connection.rollback()
    if revisions == {head}:
        return
    if revisions is None and not create:
        raise NoZenTables()
    _upgrade(engine, where, head, extra_locations, create)


def _upgrade(engine: Engine, where: SqlUrl, head: str,
             extra_locations: Sequence[str | Path], create: bool) -> None:
    from zen_sql_store import __version__
    from zen_sql_store.engine import WRITE_OPTION

    with engine.connect() as connection:
        connection = connection.execution_options(**{WRITE_OPTION: True})
        with _schema_lock(connection), connection.begin():
            _take_transaction_lock(connection)
            revisions = current_revisions(connection)  # again: another process may have won
            if revisions == {head}:
                return
            if revisions is None and not create:
                raise NoZenTables()
            if revisions is None and head == HEAD:
                _create_at_head(connection)
                return
            from alembic import command
            from alembic.script import ScriptDirectory

            config = alembic_config(extra_locations)
            known = {script.revision
                     for script in ScriptDirectory.from_config(config).walk_revisions()}
            unknown = sorted((revisions or set()) - known)
            if unknown:
                raise StoreUnavailableError(
                    f"The {where.describe()} has schema version '{', '.join(unknown)}', which "
                    f"zen-sql-store {__version__} does not know: a newer version of zen wrote "
                    f"it. Upgrade zen-sql-store ({install_hint('zen-sql-store', upgrade=True)}) "
                    "to use it; "
                    "the database was left as it is."
                )
            config.attributes["connection"] = connection
            command.upgrade(config, head)


def _create_at_head(connection: Connection) -> None:
    """A new database's tables at :data:`HEAD` in one step, as the migrations leave them
    (a test compares the two on every database): the tables of ``schema.py``, the
    history's lock row that 0003 inserts, and Alembic's version table saying HEAD.
    Running each migration in turn, with Alembic imported for it, cost a new SQLite
    profile ~0.15 s of a ``profile copy``'s CPU time (issue 23)."""
    from sqlalchemy import Column, MetaData, PrimaryKeyConstraint, String, Table, insert

    from zen_sql_store.history import LOCK_NAME
    from zen_sql_store.schema import LOCKS, metadata, with_mysql_options

    tables = with_mysql_options() if connection.dialect.name in ("mysql", "mariadb") \
        else metadata
    tables.create_all(connection, checkfirst=False)
    connection.execute(insert(LOCKS).values(name=LOCK_NAME))
    # Alembic's own version table (alembic.ddl.impl.DefaultImpl.version_table_impl)
    version = Table(VERSION_TABLE, MetaData(),
                    Column("version_num", String(32), nullable=False),
                    PrimaryKeyConstraint("version_num", name=f"{VERSION_TABLE}_pkc"))
    version.create(connection, checkfirst=False)
    connection.execute(insert(version).values(version_num=HEAD))


@contextmanager
def _schema_lock(connection: Connection) -> Iterator[None]:
    """MySQL: a named lock around the upgrade (its DDL commits on its own)."""
    from sqlalchemy import text

    if connection.dialect.name not in ("mysql", "mariadb"):
        yield
        return
    got = connection.execute(
        text("SELECT GET_LOCK(:name, :timeout)"), {"name": _MYSQL_LOCK, "timeout": _LOCK_TIMEOUT}
    ).scalar()
    connection.commit()
    if got != 1:
        raise StoreUnavailableError(
            f"Another process has been upgrading the schema of the SQL store for more than "
            f"{_LOCK_TIMEOUT} seconds; try again."
        )
    try:
        yield
    finally:
        if connection.in_transaction():
            connection.rollback()
        connection.execute(text("SELECT RELEASE_LOCK(:name)"), {"name": _MYSQL_LOCK})
        connection.commit()


def _take_transaction_lock(connection: Connection) -> None:
    """PostgreSQL: an advisory lock until commit. (SQLite: BEGIN IMMEDIATE already locks.)"""
    from sqlalchemy import text

    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})


# --- for maintainers ---------------------------------------------------------------------
def new_revision(message: str) -> None:
    """Write a revision from the difference between the models and the newest migration."""
    import tempfile

    from alembic import command
    from sqlalchemy import create_engine

    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite:///{folder}/head.db")
        config = alembic_config()
        with engine.connect() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            connection.commit()
            number = len(list(_scripts(config))) + 1
            command.revision(config, message, autogenerate=True, rev_id=f"{number:04d}")
        engine.dispose()


def _scripts(config: Config):
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(config).walk_revisions()


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2 or args[0] != "revision":
        sys.exit('usage: python -m zen_sql_store.migrate revision "what changes"')
    new_revision(args[1])


if __name__ == "__main__":
    main()
