"""Labels on stacks and components: a ``labels`` column on each, JSON text, NULL for none;
and ``zen_events.state``, a stack or component as each write left it (JSON, NULL before).

Rows written before keep NULL (no labels, no state). Nothing else is touched.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("zen_components", sa.Column("labels", sa.Text(), nullable=True))
    op.add_column("zen_stacks", sa.Column("labels", sa.Text(), nullable=True))
    op.add_column("zen_events", sa.Column("state", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("zen_events") as batch:
        batch.drop_column("state")
    with op.batch_alter_table("zen_stacks") as batch:
        batch.drop_column("labels")
    with op.batch_alter_table("zen_components") as batch:
        batch.drop_column("labels")
