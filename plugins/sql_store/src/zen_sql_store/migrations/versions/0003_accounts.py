"""Accounts and history: users, teams, their members, roles, API keys, and the events.

Deleting a user removes their team memberships, roles and API keys; deleting a
team its memberships and roles (ON DELETE CASCADE). ``zen_events.seq`` is
numbered by the store under the ``events`` row of ``zen_locks``, which this
revision inserts. Existing stacks and components are not touched and get no
events (their history starts now).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Spelled out here rather than imported (see 0001 and 0002).
MYSQL_TABLE_OPTIONS = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
}
TIME_TYPE = sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
NAME = sa.String(100)
SHORT = sa.String(32)


def _user_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["user_id"], ["zen_users.id"], name=f"fk_{table}_user",
                                   ondelete="CASCADE")


def _team_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["team_id"], ["zen_teams.id"], name=f"fk_{table}_team",
                                   ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "zen_users",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", NAME, nullable=False),
        sa.Column("uuid", NAME, nullable=False),
        sa.Column("created", TIME_TYPE, nullable=True),
        sa.UniqueConstraint("name", name="uq_zen_users_name"),
        **MYSQL_TABLE_OPTIONS,
    )
    op.create_table(
        "zen_teams",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", NAME, nullable=False),
        sa.Column("created", TIME_TYPE, nullable=True),
        sa.UniqueConstraint("name", name="uq_zen_teams_name"),
        **MYSQL_TABLE_OPTIONS,
    )
    op.create_table(
        "zen_team_members",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id"),
        _team_fk("zen_team_members"),
        _user_fk("zen_team_members"),
        **MYSQL_TABLE_OPTIONS,
    )
    op.create_index("ix_zen_team_members_user", "zen_team_members", ["user_id"])
    op.create_table(
        "zen_user_roles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", SHORT, nullable=False),
        sa.Column("created", TIME_TYPE, nullable=True),
        sa.PrimaryKeyConstraint("user_id", "role"),
        _user_fk("zen_user_roles"),
        **MYSQL_TABLE_OPTIONS,
    )
    op.create_table(
        "zen_team_roles",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("role", SHORT, nullable=False),
        sa.Column("created", TIME_TYPE, nullable=True),
        sa.PrimaryKeyConstraint("team_id", "role"),
        _team_fk("zen_team_roles"),
        **MYSQL_TABLE_OPTIONS,
    )
    op.create_table(
        "zen_api_keys",
        sa.Column("key_id", SHORT, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", NAME, nullable=False),
        sa.Column("secret_hash", sa.String(128), nullable=False),
        sa.Column("created", TIME_TYPE, nullable=True),
        sa.Column("expires", TIME_TYPE, nullable=True),
        sa.Column("last_used", TIME_TYPE, nullable=True),
        sa.PrimaryKeyConstraint("key_id"),
        sa.UniqueConstraint("user_id", "name", name="uq_zen_api_keys_user_name"),
        _user_fk("zen_api_keys"),
        **MYSQL_TABLE_OPTIONS,
    )
    op.create_table(
        "zen_events",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("time", TIME_TYPE, nullable=False),
        sa.Column("actor", NAME, nullable=True),
        sa.Column("action", SHORT, nullable=False),
        sa.Column("target", SHORT, nullable=False),
        sa.Column("name", NAME, nullable=False),
        sa.Column("revision", sa.Integer(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        **MYSQL_TABLE_OPTIONS,
    )
    op.create_index("ix_zen_events_actor", "zen_events", ["actor", "seq"])
    op.create_index("ix_zen_events_target_name", "zen_events", ["target", "name", "seq"])
    locks = op.create_table(
        "zen_locks",
        sa.Column("name", SHORT, nullable=False),
        sa.PrimaryKeyConstraint("name"),
        **MYSQL_TABLE_OPTIONS,
    )
    op.bulk_insert(locks, [{"name": "events"}])


def downgrade() -> None:
    for table in ("zen_locks", "zen_events", "zen_api_keys", "zen_team_roles",
                  "zen_user_roles", "zen_team_members", "zen_teams", "zen_users"):
        op.drop_table(table)
