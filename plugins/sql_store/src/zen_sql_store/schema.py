"""The tables, as SQLAlchemy 2 ORM models. Alembic migrations create and change them.

::

    zen_components        id, type, name, flavor, uuid, config (JSON text),
                          revision, created, updated
                          unique (type, name); unique (id, type) for the key below
    zen_stacks            id, name (unique), revision, created, updated
    zen_stack_components  stack_id -> zen_stacks (cascade), component_type,
                          (component_id, component_type) -> zen_components (id, type)
                          primary key (stack_id, component_type): one component per type

``revision`` counts the writes of a record (1 when registered, and for rows
written before revisions were kept); ``created`` and ``updated`` are UTC times
(:class:`UtcTimestamp`), NULL on rows written before they were kept.

Stacks point at components by id, so renaming a component needs no update of
the stacks, and the database itself refuses a duplicate name, a stack member of
the wrong type or the deletion of a component a stack uses.

These models must stay equal to what the migrations create; a test compares
them. A change here needs a new revision in ``migrations/versions``.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
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
