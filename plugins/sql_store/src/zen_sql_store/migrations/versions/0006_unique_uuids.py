"""A uuid is one record's identity: unique among the components, and among the secrets.

A database that already holds two components (or two secrets) with one uuid is refused
before anything changes, naming them: which of the two keeps it is the user's choice
(a secret's sealed values are bound to its uuid, so none is given a new one here).
Nothing else is touched.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _refuse_shared_uuids()
    # Unique indexes, not constraints: SQLite adds an index in place, where a constraint
    # would copy the table (and zen_stack_components refers to zen_components).
    op.create_index("uq_zen_components_uuid", "zen_components", ["uuid"], unique=True)
    op.create_index("uq_zen_secrets_uuid", "zen_secrets", ["uuid"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_zen_secrets_uuid", "zen_secrets")
    op.drop_index("uq_zen_components_uuid", "zen_components")


def _refuse_shared_uuids() -> None:
    from zen_core.exceptions import StoreUnavailableError

    shared = [f"{what} {', '.join(holders)} share uuid {uuid}"
              for what, table, columns in (("components", "zen_components", "type, name"),
                                           ("secrets", "zen_secrets", "name"))
              for uuid, holders in _sharing(table, columns).items()]
    if shared:
        raise StoreUnavailableError(
            f"A uuid is one record's identity, and in this SQL store {'; '.join(shared)}. "
            "With the previous zen-sql-store, delete all but one of each and register them "
            "again without a uuid (a new one is made); then open the store again. Nothing "
            "was changed.")


def _sharing(table: str, columns: str) -> dict[str, list[str]]:
    """Each uuid that several rows of ``table`` hold -> those rows, e.g. "orchestrator 'a'"."""
    rows = op.get_bind().execute(sa.text(
        f"SELECT uuid, {columns} FROM {table} WHERE uuid IN "
        f"(SELECT uuid FROM {table} GROUP BY uuid HAVING COUNT(*) > 1)")).all()
    found: dict[str, list[str]] = {}
    for uuid, *holder in sorted(rows):
        found.setdefault(uuid, []).append(" ".join([*holder[:-1], f"'{holder[-1]}'"]))
    return found
