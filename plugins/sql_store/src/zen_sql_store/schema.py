"""The tables, as SQLAlchemy 2 ORM models. Alembic migrations create and change them.

::

    zen_components        id, type, name, flavor, uuid, config (JSON text),
                          revision, created, updated
                          unique (type, name); unique (id, type) for the key below
    zen_stacks            id, name (unique), revision, created, updated
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
                          action, target, name, revision, details (JSON)
                          indexed by (actor, seq) and (target, name, seq)
    zen_locks             name (primary key): one row, 'events', that every writing
                          transaction with events locks to number them (see history.py)

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
nullable keys and a CHECK, which MySQL refuses on columns with a cascade).

These models must stay equal to what the migrations create; a test compares
them. A change here needs a new revision in ``migrations/versions``.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects import mysql, sqlite
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

#: MySQL/MariaDB: InnoDB for foreign keys and transactions, and a binary collation so
#: that names compare as they do everywhere else ('Prod' and 'prod' are two stacks).
MYSQL_TABLE_OPTIONS = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
}

NAME_LENGTH = 100  # zen_core.names allows 100 characters
TYPE_LENGTH = 32
#: A component's configuration, JSON. MySQL's TEXT stops at 64 KiB.
CONFIG_TYPE = Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")


#: The time format of the models (``zen_core.models.utc_now``): ISO 8601, UTC, microseconds.
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


class _SqliteTimeText(sqlite.DATETIME):
    """SQLite's DATETIME, handed over as its text: :class:`UtcTimestamp` converts it with
    string operations instead of a parse into a datetime and a format back."""

    def bind_processor(self, dialect: Any) -> None:
        return None

    def result_processor(self, dialect: Any, coltype: Any) -> None:
        return None


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
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        if dialect.name == "sqlite":
            return _SqliteTimeText()
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: Any, dialect: Any) -> datetime | str | None:
        if value is None:
            return None
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


class RawTimestamp(UtcTimestamp):
    """:class:`UtcTimestamp` as the driver returns it, for a value that repeats on many
    rows (a stack's times, on each of its member rows): :func:`time_text` it once."""

    cache_ok = True

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        return value


def time_text(value: datetime | str | None) -> str | None:
    """A timestamp as the database returned it, as ``utc_now()`` writes it."""
    # NOTE: runs on every row read: string operations and isoformat (C), no strftime.
    if value is None:
        return None
    if isinstance(value, str):  # SQLite
        if len(value) == 26 and value[10] == " ":
            return f"{value[:10]}T{value[11:]}Z"
        value = datetime.fromisoformat(value)  # written by hand, or by another program
    if value.tzinfo is None:
        return value.isoformat(timespec="microseconds") + "Z"
    if value.utcoffset():
        value = value.astimezone(timezone.utc)
    return value.isoformat(timespec="microseconds")[:-6] + "Z"  # without "+00:00"


def parse_time(value: str) -> datetime:
    """A time as the models write it (``...Z``, or any ISO 8601 with a zone) as a datetime."""
    text = value[:-1] + "+00:00" if value.endswith("Z") else value
    return datetime.fromisoformat(text)


class Base(DeclarativeBase):
    pass


def _revision() -> Any:
    return mapped_column(Integer, nullable=False, server_default="1")


def _time() -> Any:
    return mapped_column(UtcTimestamp(), nullable=True)


class ComponentRow(Base):
    __tablename__ = "zen_components"
    __table_args__ = (
        UniqueConstraint("type", "name", name="uq_zen_components_type_name"),
        UniqueConstraint("id", "type", name="uq_zen_components_id_type"),
        MYSQL_TABLE_OPTIONS,
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    type: Mapped[str] = mapped_column(String(TYPE_LENGTH))
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    flavor: Mapped[str] = mapped_column(String(NAME_LENGTH))
    uuid: Mapped[str] = mapped_column(String(NAME_LENGTH))  # a UUID; older files may hold others
    config: Mapped[str] = mapped_column(CONFIG_TYPE)
    revision: Mapped[int] = _revision()
    created: Mapped[str | None] = _time()
    updated: Mapped[str | None] = _time()


class StackRow(Base):
    __tablename__ = "zen_stacks"
    __table_args__ = (
        UniqueConstraint("name", name="uq_zen_stacks_name"),
        MYSQL_TABLE_OPTIONS,
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    revision: Mapped[int] = _revision()
    created: Mapped[str | None] = _time()
    updated: Mapped[str | None] = _time()


class StackComponentRow(Base):
    __tablename__ = "zen_stack_components"
    __table_args__ = (
        # No ON DELETE: a component that a stack uses cannot be deleted.
        ForeignKeyConstraint(
            ["component_id", "component_type"],
            ["zen_components.id", "zen_components.type"],
            name="fk_zen_stack_components_component",
        ),
        Index("ix_zen_stack_components_component", "component_id", "component_type"),
        MYSQL_TABLE_OPTIONS,
    )

    stack_id: Mapped[int] = mapped_column(
        ForeignKey("zen_stacks.id", name="fk_zen_stack_components_stack", ondelete="CASCADE"),
        primary_key=True,
    )
    component_type: Mapped[str] = mapped_column(String(TYPE_LENGTH), primary_key=True)
    component_id: Mapped[int] = mapped_column()


# --- accounts ------------------------------------------------------------------------------
ROLE_LENGTH = 32
KEY_ID_LENGTH = 32  # zen makes 12 hex digits
HASH_LENGTH = 128  # a SHA-256 in hex is 64


class UserRow(Base):
    __tablename__ = "zen_users"
    __table_args__ = (
        UniqueConstraint("name", name="uq_zen_users_name"),
        MYSQL_TABLE_OPTIONS,
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    uuid: Mapped[str] = mapped_column(String(NAME_LENGTH))
    created: Mapped[str | None] = _time()


class TeamRow(Base):
    __tablename__ = "zen_teams"
    __table_args__ = (
        UniqueConstraint("name", name="uq_zen_teams_name"),
        MYSQL_TABLE_OPTIONS,
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    created: Mapped[str | None] = _time()


def _user_id(table: str, primary_key: bool = False) -> Any:
    return mapped_column(
        ForeignKey("zen_users.id", name=f"fk_{table}_user", ondelete="CASCADE"),
        primary_key=primary_key,
    )


def _team_id(table: str) -> Any:
    return mapped_column(
        ForeignKey("zen_teams.id", name=f"fk_{table}_team", ondelete="CASCADE"),
        primary_key=True,
    )


class TeamMemberRow(Base):
    __tablename__ = "zen_team_members"
    __table_args__ = (
        # for the cascade from zen_users (the primary key starts with team_id)
        Index("ix_zen_team_members_user", "user_id"),
        MYSQL_TABLE_OPTIONS,
    )

    team_id: Mapped[int] = _team_id("zen_team_members")
    user_id: Mapped[int] = _user_id("zen_team_members", primary_key=True)


class UserRoleRow(Base):
    __tablename__ = "zen_user_roles"
    __table_args__ = (MYSQL_TABLE_OPTIONS,)

    user_id: Mapped[int] = _user_id("zen_user_roles", primary_key=True)
    role: Mapped[str] = mapped_column(String(ROLE_LENGTH), primary_key=True)
    created: Mapped[str | None] = _time()


class TeamRoleRow(Base):
    __tablename__ = "zen_team_roles"
    __table_args__ = (MYSQL_TABLE_OPTIONS,)

    team_id: Mapped[int] = _team_id("zen_team_roles")
    role: Mapped[str] = mapped_column(String(ROLE_LENGTH), primary_key=True)
    created: Mapped[str | None] = _time()


class ApiKeyRow(Base):
    """A key's public id and the hash of its secret: the key itself is never stored."""

    __tablename__ = "zen_api_keys"
    __table_args__ = (
        UniqueConstraint("user_id", "name", name="uq_zen_api_keys_user_name"),
        MYSQL_TABLE_OPTIONS,
    )

    #: The primary key: finding the key a request presents is one lookup in it.
    key_id: Mapped[str] = mapped_column(String(KEY_ID_LENGTH), primary_key=True)
    user_id: Mapped[int] = _user_id("zen_api_keys")
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    secret_hash: Mapped[str] = mapped_column(String(HASH_LENGTH))
    created: Mapped[str | None] = _time()
    expires: Mapped[str | None] = _time()
    last_used: Mapped[str | None] = _time()


# --- history -------------------------------------------------------------------------------
class EventRow(Base):
    """One change. ``seq`` is given by the store (not a sequence: see history.py)."""

    __tablename__ = "zen_events"
    __table_args__ = (
        # the filters of list_events, each in newest-first order
        Index("ix_zen_events_actor", "actor", "seq"),
        Index("ix_zen_events_target_name", "target", "name", "seq"),
        MYSQL_TABLE_OPTIONS,
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    time: Mapped[str] = mapped_column(UtcTimestamp(), nullable=False)
    actor: Mapped[str | None] = mapped_column(String(NAME_LENGTH), nullable=True)
    action: Mapped[str] = mapped_column(String(TYPE_LENGTH))
    target: Mapped[str] = mapped_column(String(TYPE_LENGTH))
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    revision: Mapped[int | None] = mapped_column(Integer, nullable=True)
    details: Mapped[Any] = mapped_column(JSON, nullable=False)


class LockRow(Base):
    """Rows that writers lock to take turns (``events``: numbering the history)."""

    __tablename__ = "zen_locks"
    __table_args__ = (MYSQL_TABLE_OPTIONS,)

    name: Mapped[str] = mapped_column(String(TYPE_LENGTH), primary_key=True)
