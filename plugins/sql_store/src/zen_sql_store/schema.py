"""The tables, as SQLAlchemy Core tables. Alembic migrations create and change them.

::

    zen_components        id, type, name, flavor, uuid, config (JSON text),
                          revision, created, updated, labels (JSON text or NULL)
                          unique (type, name); unique (id, type) for the key below;
                          unique (uuid): a uuid is one component's identity
    zen_stacks            id, name (unique), revision, created, updated,
                          labels (JSON text or NULL: none)
    zen_stack_components  stack_id -> zen_stacks (cascade), component_type,
                          (component_id, component_type) -> zen_components (id, type)
                          primary key (stack_id, component_type): one component per type

    zen_users             id, name (unique), uuid, created
    zen_teams             id, name (unique), created
    zen_team_members      team_id -> zen_teams, user_id -> zen_users (both cascade)
                          primary key (team_id, user_id)
    zen_user_roles        user_id -> zen_users (cascade), role, created
                          primary key (user_id, role): a role is held once
    zen_team_roles        team_id -> zen_teams (cascade), role, created
                          primary key (team_id, role)
    zen_api_keys          key_id (primary key), user_id -> zen_users (cascade), name,
                          secret_hash, created, expires, last_used; unique (user_id, name)
    zen_events            seq (primary key, 1, 2, ... in commit order), time, actor,
                          action, target, name, revision, details (JSON),
                          state (JSON: a stack or component as the write left it)
                          indexed by (actor, seq) and (target, name, seq)
    zen_locks             name (primary key): one row, 'events', that every writing
                          transaction with events locks to number them (see history.py)

    zen_secrets           id, name (unique), uuid (unique), revision, created, updated
    zen_secret_values     secret_id -> zen_secrets (cascade), key, value (as given: text)
                          primary key (secret_id, key): a key is held once

``revision`` counts the writes of a record (1 when registered, and for rows
written before revisions were kept); ``created`` and ``updated`` are UTC times
(:class:`UtcTimestamp`), NULL on rows written before they were kept.

Stacks point at components by id, so renaming a component needs no update of
the stacks, and the database itself refuses a duplicate name, a stack member of
the wrong type or the deletion of a component a stack uses. Deleting a user takes
their team memberships, roles and API keys with it, deleting a team its
memberships and roles: ON DELETE CASCADE, so the database does it (one
statement) and another program deleting a row cannot leave orphans. Role
assignments are two tables, one per kind of holder, so that each has a real
foreign key and its primary key says "held once" (one table would need two
nullable keys and a CHECK, which MySQL refuses on columns with a cascade). A
secret's values are rows of their own, one per key, so an update sets and
unsets its keys' rows only: updates of different keys never overwrite each
other (see secrets.py).

These tables must stay equal to what the migrations create; a test compares
them. A change here needs a new revision in ``migrations/versions``.

Core only, no ORM: every command on a SQL profile imports this module, and
SQLAlchemy's ORM would add about a third to SQLAlchemy's import time. The
MySQL dialect (which imports asyncio and every MySQL driver module) is imported
only when a MySQL/MariaDB database is used.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    func,
    literal_column,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeEngine

from zen_sql_store.rows import parse_time, time_text

#: MySQL/MariaDB: InnoDB for foreign keys and transactions, and a binary collation so
#: that names compare as they do everywhere else ('Prod' and 'prod' are two stacks).
#: The migrations create every table with them; :func:`with_mysql_options` adds them to
#: the tables below.
MYSQL_TABLE_OPTIONS = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
}

NAME_LENGTH = 100  # zen_core.names allows 100 characters
TYPE_LENGTH = 32


class LongText(TypeDecorator[str]):
    """TEXT, but MEDIUMTEXT on MySQL/MariaDB, whose TEXT stops at 64 KiB: a component's
    configuration (JSON text), a secret's value (up to ``MAX_STORED_LENGTH`` characters)."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> TypeEngine[Any]:
        if dialect.name in ("mysql", "mariadb"):
            from sqlalchemy.dialects import mysql

            return dialect.type_descriptor(mysql.MEDIUMTEXT())
        return self.impl_instance


CONFIG_TYPE = LongText()


def _sqlite_time_text() -> TypeEngine[Any]:
    """SQLite's DATETIME, handed over as its text: :class:`UtcTimestamp` converts it with
    string operations instead of a parse into a datetime and a format back."""
    global _SQLITE_TIME_TEXT
    if _SQLITE_TIME_TEXT is None:
        from sqlalchemy.dialects import sqlite  # loaded with the engine of a SQLite URL

        class SqliteTimeText(sqlite.DATETIME):
            def bind_processor(self, dialect: Any) -> None:
                return None

            def result_processor(self, dialect: Any, coltype: Any) -> None:
                return None

        _SQLITE_TIME_TEXT = SqliteTimeText()
    return _SQLITE_TIME_TEXT


_SQLITE_TIME_TEXT: TypeEngine[Any] | None = None


class UtcTimestamp(TypeDecorator[str]):
    """A UTC time to the microsecond, given and returned as ``utc_now()``'s ISO 8601 string.

    Stored as a real timestamp of each database (see docs/decisions.md):
    PostgreSQL ``TIMESTAMP WITH TIME ZONE``; MySQL/MariaDB ``DATETIME(6)``
    holding UTC (``TIMESTAMP`` would convert through the session's time zone and
    ends in 2038); SQLite ``DATETIME``, which is text: ``YYYY-MM-DD
    HH:MM:SS.ffffff`` in UTC, as SQLAlchemy writes it (so it sorts, and SQLite's
    date functions read it).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name in ("mysql", "mariadb"):
            from sqlalchemy.dialects import mysql

            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        if dialect.name == "sqlite":
            return _sqlite_time_text()
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: Any, dialect: Any) -> datetime | str | None:
        if value is None:
            return None
        if (dialect.name == "sqlite" and isinstance(value, str) and len(value) == 27
                and value[10] == "T" and value[26] == "Z"):
            # utc_now()'s own format, on every row a batch writes: string operations
            # (what time_text undoes), no parse and format.
            return f"{value[:10]} {value[11:26]}"
        moment = value if isinstance(value, datetime) else parse_time(value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        if dialect.name == "postgresql":  # the only one that keeps a zone
            return moment
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)  # the UTC wall time
        if dialect.name == "sqlite":
            return moment.isoformat(sep=" ", timespec="microseconds")
        return moment

    def process_result_value(self, value: Any, dialect: Any) -> str | None:
        return time_text(value)

    def bulk_bind(self, dialect: Any) -> Callable[[Any], Any]:
        """What the bind processor gives the driver, for the set-wise inserts (bulk.py):
        ``utc_now()``'s own format by string operations, anything else through the
        processor. SQLite and MySQL/MariaDB take the UTC wall time as text
        (``YYYY-MM-DD HH:MM:SS.ffffff``, as the processor writes it or PyMySQL quotes
        its datetime); PostgreSQL the ISO text itself, which the compiled INSERT casts
        to ``TIMESTAMP WITH TIME ZONE`` (its ``Z`` names the zone)."""
        process = self.dialect_impl(dialect).bind_processor(dialect)
        assert process is not None
        as_is = dialect.name == "postgresql"

        def bind(value: Any) -> Any:
            if (isinstance(value, str) and len(value) == 27 and value[10] == "T"
                    and value[26] == "Z"):
                return value if as_is else f"{value[:10]} {value[11:26]}"
            return process(value)

        return bind


class RawTimestamp(UtcTimestamp):
    """:class:`UtcTimestamp` as the driver returns it, for a value that repeats on many
    rows (a stack's times, on each of its member rows): :func:`time_text` it once."""

    cache_ok = True

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        return value


class TimeText(FunctionElement[str]):
    """A :class:`UtcTimestamp` column as ``utc_now()``'s text, formatted by the database
    itself where it can: on a list of stacks the driver then parses no datetimes and
    :func:`time_text` has nothing left to do (a stack's times repeat on each member row).
    SQLite stores the text already (:func:`time_text` turns its space into the ``T``)."""

    type = String()
    name = "time_text"
    inherit_cache = True


@compiles(TimeText)
def _time_as_stored(element: TimeText, compiler: Any, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(TimeText, "postgresql")
def _time_text_postgresql(element: TimeText, compiler: Any, **kw: Any) -> str:
    column = func.timezone(literal_column("'UTC'"), *element.clauses)
    return compiler.process(
        func.to_char(column, literal_column("""'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'""")), **kw)


@compiles(TimeText, "mysql")
@compiles(TimeText, "mariadb")
def _time_text_mysql(element: TimeText, compiler: Any, **kw: Any) -> str:
    # DATETIME(6) holds the UTC wall time. A literal column, so that the compiler doubles
    # the percent signs as this driver's parameter style needs.
    return compiler.process(
        func.date_format(*element.clauses, literal_column("'%Y-%m-%dT%H:%i:%s.%fZ'")), **kw)


#: Every zen table (Alembic compares it with the migrations).
metadata = MetaData()


def _revision() -> Column[int]:
    return Column("revision", Integer, nullable=False, server_default="1")


def _time(name: str) -> Column[str]:
    return Column(name, UtcTimestamp(), nullable=True)


def _id() -> Column[int]:
    return Column("id", Integer, primary_key=True, autoincrement=True)


def _name(name: str = "name", length: int = NAME_LENGTH) -> Column[str]:
    return Column(name, String(length), nullable=False)


COMPONENTS = Table(
    "zen_components", metadata,
    _id(),
    _name("type", TYPE_LENGTH),
    _name(),
    _name("flavor"),
    _name("uuid"),  # a UUID; older files may hold others
    Column("config", CONFIG_TYPE, nullable=False),
    _revision(),
    _time("created"),
    _time("updated"),
    Column("labels", Text, nullable=True),
    UniqueConstraint("type", "name", name="uq_zen_components_type_name"),
    UniqueConstraint("id", "type", name="uq_zen_components_id_type"),
    Index("uq_zen_components_uuid", "uuid", unique=True),
)

STACKS = Table(
    "zen_stacks", metadata,
    _id(),
    _name(),
    _revision(),
    _time("created"),
    _time("updated"),
    Column("labels", Text, nullable=True),
    UniqueConstraint("name", name="uq_zen_stacks_name"),
)

MEMBERS = Table(
    "zen_stack_components", metadata,
    Column("stack_id", Integer, ForeignKey(
        "zen_stacks.id", name="fk_zen_stack_components_stack", ondelete="CASCADE"),
        primary_key=True),
    Column("component_type", String(TYPE_LENGTH), primary_key=True),
    Column("component_id", Integer, nullable=False),
    # No ON DELETE: a component that a stack uses cannot be deleted.
    ForeignKeyConstraint(
        ["component_id", "component_type"],
        ["zen_components.id", "zen_components.type"],
        name="fk_zen_stack_components_component",
    ),
    Index("ix_zen_stack_components_component", "component_id", "component_type"),
)

# --- accounts ------------------------------------------------------------------------------
ROLE_LENGTH = 32
KEY_ID_LENGTH = 32  # zen makes 12 hex digits
HASH_LENGTH = 128  # a SHA-256 in hex is 64


def _user_id(table: str, primary_key: bool = False) -> Column[int]:
    return Column("user_id", Integer, ForeignKey(
        "zen_users.id", name=f"fk_{table}_user", ondelete="CASCADE"),
        primary_key=primary_key, nullable=False)


def _team_id(table: str) -> Column[int]:
    return Column("team_id", Integer, ForeignKey(
        "zen_teams.id", name=f"fk_{table}_team", ondelete="CASCADE"), primary_key=True)


USERS = Table(
    "zen_users", metadata,
    _id(),
    _name(),
    _name("uuid"),
    _time("created"),
    UniqueConstraint("name", name="uq_zen_users_name"),
)

TEAMS = Table(
    "zen_teams", metadata,
    _id(),
    _name(),
    _time("created"),
    UniqueConstraint("name", name="uq_zen_teams_name"),
)

TEAM_MEMBERS = Table(
    "zen_team_members", metadata,
    _team_id("zen_team_members"),
    _user_id("zen_team_members", primary_key=True),
    # for the cascade from zen_users (the primary key starts with team_id)
    Index("ix_zen_team_members_user", "user_id"),
)

USER_ROLES = Table(
    "zen_user_roles", metadata,
    _user_id("zen_user_roles", primary_key=True),
    Column("role", String(ROLE_LENGTH), primary_key=True),
    _time("created"),
)

TEAM_ROLES = Table(
    "zen_team_roles", metadata,
    _team_id("zen_team_roles"),
    Column("role", String(ROLE_LENGTH), primary_key=True),
    _time("created"),
)

#: A key's public id and the hash of its secret: the key itself is never stored.
API_KEYS = Table(
    "zen_api_keys", metadata,
    #: The primary key: finding the key a request presents is one lookup in it.
    Column("key_id", String(KEY_ID_LENGTH), primary_key=True),
    _user_id("zen_api_keys"),
    _name(),
    _name("secret_hash", HASH_LENGTH),
    _time("created"),
    _time("expires"),
    _time("last_used"),
    UniqueConstraint("user_id", "name", name="uq_zen_api_keys_user_name"),
)

# --- secrets -------------------------------------------------------------------------------
SECRETS = Table(
    "zen_secrets", metadata,
    _id(),
    _name(),
    _name("uuid"),
    _revision(),
    _time("created"),
    _time("updated"),
    UniqueConstraint("name", name="uq_zen_secrets_name"),
    Index("uq_zen_secrets_uuid", "uuid", unique=True),
)

#: One row per key of a secret; the value as the store was given it (never read).
SECRET_VALUES = Table(
    "zen_secret_values", metadata,
    Column("secret_id", Integer, ForeignKey(
        "zen_secrets.id", name="fk_zen_secret_values_secret", ondelete="CASCADE"),
        primary_key=True),
    Column("key", String(NAME_LENGTH), primary_key=True),
    Column("value", LongText(), nullable=False),
)

# --- history -------------------------------------------------------------------------------
#: One change. ``seq`` is given by the store (not a sequence: see history.py).
EVENTS = Table(
    "zen_events", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("time", UtcTimestamp(), nullable=False),
    Column("actor", String(NAME_LENGTH), nullable=True),
    _name("action", TYPE_LENGTH),
    _name("target", TYPE_LENGTH),
    _name(),
    Column("revision", Integer, nullable=True),
    Column("details", JSON, nullable=False),
    Column("state", JSON, nullable=True),
    # the filters of list_events, each in newest-first order
    Index("ix_zen_events_actor", "actor", "seq"),
    Index("ix_zen_events_target_name", "target", "name", "seq"),
)

#: Rows that writers lock to take turns (``events``: numbering the history).
LOCKS = Table(
    "zen_locks", metadata,
    Column("name", String(TYPE_LENGTH), primary_key=True),
)


def with_mysql_options() -> MetaData:
    """:data:`metadata` with :data:`MYSQL_TABLE_OPTIONS` on every table, for Alembic (its
    comparisons, new revisions). Added on demand: declaring a ``mysql_`` option loads
    SQLAlchemy's MySQL dialect (every MySQL driver module and asyncio), which a SQLite or
    PostgreSQL store never needs."""
    for table in metadata.tables.values():
        table.dialect_kwargs.update(MYSQL_TABLE_OPTIONS)
    return metadata
