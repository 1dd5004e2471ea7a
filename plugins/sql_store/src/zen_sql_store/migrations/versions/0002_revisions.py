"""Revisions and times: every component and stack gets revision, created and updated.

Rows written before this revision get revision 1 and no times (NULL: when they
were written is not known); zen sets all three on every write from now on.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = ("zen_components", "zen_stacks")
# Spelled out here rather than imported (see 0001): PostgreSQL TIMESTAMP WITH TIME ZONE,
# MySQL/MariaDB DATETIME(6) holding UTC, SQLite DATETIME text; microseconds everywhere.
TIME_TYPE = sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def upgrade() -> None:
    for table in TABLES:
        # SQLite adds a column in place when it has a default: no table copy.
        op.add_column(table, sa.Column("revision", sa.Integer(), nullable=False,
                                       server_default="1"))
        op.add_column(table, sa.Column("created", TIME_TYPE, nullable=True))
        op.add_column(table, sa.Column("updated", TIME_TYPE, nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            for column in ("updated", "created", "revision"):
                batch.drop_column(column)
