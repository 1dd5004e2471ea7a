"""The initial schema: components, stacks and the components of each stack.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Spelled out here rather than imported: the models may change in later revisions.
MYSQL_TABLE_OPTIONS = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
}
CONFIG_TYPE = sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")


def upgrade() -> None:
    op.create_table(
        "zen_components",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("flavor", sa.String(100), nullable=False),
        sa.Column("uuid", sa.String(100), nullable=False),
        sa.Column("config", CONFIG_TYPE, nullable=False),
        sa.UniqueConstraint("type", "name", name="uq_zen_components_type_name"),
        sa.UniqueConstraint("id", "type", name="uq_zen_components_id_type"),
        **MYSQL_TABLE_OPTIONS,
    )
    op.create_table(
        "zen_stacks",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.UniqueConstraint("name", name="uq_zen_stacks_name"),
        **MYSQL_TABLE_OPTIONS,
    )
    op.create_table(
        "zen_stack_components",
        sa.Column("stack_id", sa.Integer(), nullable=False),
        sa.Column("component_type", sa.String(32), nullable=False),
        sa.Column("component_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("stack_id", "component_type"),
        sa.ForeignKeyConstraint(
            ["stack_id"], ["zen_stacks.id"],
            name="fk_zen_stack_components_stack", ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["component_id", "component_type"],
            ["zen_components.id", "zen_components.type"],
            name="fk_zen_stack_components_component",
        ),
        **MYSQL_TABLE_OPTIONS,
    )
    op.create_index(
        "ix_zen_stack_components_component",
        "zen_stack_components",
        ["component_id", "component_type"],
    )


def downgrade() -> None:
    op.drop_table("zen_stack_components")
    op.drop_table("zen_stacks")
    op.drop_table("zen_components")
