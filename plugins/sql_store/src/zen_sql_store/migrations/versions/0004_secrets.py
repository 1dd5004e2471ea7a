"""Secrets (store contract v3): a name with a revision and times, and one row per key.

A value is kept as the store is given it (the domain layer encrypts it first), as
TEXT (MEDIUMTEXT on MySQL/MariaDB, whose TEXT stops at 64 KiB). Deleting a secret
deletes its values (ON DELETE CASCADE). Nothing else is touched.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Spelled out here rather than imported (see 0001, 0002 and 0003).
MYSQL_TABLE_OPTIONS = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
}
TIME_TYPE = sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
VALUE_TYPE = sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")
NAME = sa.String(100)


def upgrade() -> None:
    op.create_table(
        "zen_secrets",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", NAME, nullable=False),
        sa.Column("uuid", NAME, nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("created", TIME_TYPE, nullable=True),
        sa.Column("updated", TIME_TYPE, nullable=True),
        sa.UniqueConstraint("name", name="uq_zen_secrets_name"),
        **MYSQL_TABLE_OPTIONS,
    )
    op.create_table(
        "zen_secret_values",
        sa.Column("secret_id", sa.Integer(), nullable=False),
        sa.Column("key", NAME, nullable=False),
        sa.Column("value", VALUE_TYPE, nullable=False),
        sa.PrimaryKeyConstraint("secret_id", "key"),
        sa.ForeignKeyConstraint(["secret_id"], ["zen_secrets.id"],
                                name="fk_zen_secret_values_secret", ondelete="CASCADE"),
        **MYSQL_TABLE_OPTIONS,
    )


def downgrade() -> None:
    op.drop_table("zen_secret_values")
    op.drop_table("zen_secrets")
