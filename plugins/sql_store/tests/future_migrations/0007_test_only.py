"""A revision only the tests know: stands for what a newer zen-sql-store would add.

Revision ID: 0007_test
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_test"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "zen_test_notes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("note", sa.String(100), nullable=False),
        mysql_engine="InnoDB",
    )
    op.add_column("zen_stacks", sa.Column("description", sa.String(200), nullable=True))


def downgrade() -> None:
    op.drop_column("zen_stacks", "description")
    op.drop_table("zen_test_notes")
