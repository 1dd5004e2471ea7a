"""The tables, as SQLAlchemy 2 ORM models. Alembic migrations create and change them.

::

    zen_components        id, type, name, flavor, uuid, config (JSON text)
                          unique (type, name); unique (id, type) for the key below
    zen_stacks            id, name (unique)
    zen_stack_components  stack_id -> zen_stacks (cascade), component_type,
                          (component_id, component_type) -> zen_components (id, type)
                          primary key (stack_id, component_type): one component per type

Stacks point at components by id, so renaming a component needs no update of
the stacks, and the database itself refuses a duplicate name, a stack member of
the wrong type or the deletion of a component a stack uses.

These models must stay equal to what the migrations create; a test compares
them. A change here needs a new revision in ``migrations/versions``.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, ForeignKeyConstraint, Index, String, Text, UniqueConstraint
from sqlalchemy.dialects import mysql
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


class Base(DeclarativeBase):
    pass


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


class StackRow(Base):
    __tablename__ = "zen_stacks"
    __table_args__ = (
        UniqueConstraint("name", name="uq_zen_stacks_name"),
        MYSQL_TABLE_OPTIONS,
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))


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
