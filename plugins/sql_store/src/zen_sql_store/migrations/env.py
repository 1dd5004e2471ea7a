"""Alembic's environment: runs on the connection that zen_sql_store.migrate hands over."""

from __future__ import annotations

from alembic import context

from zen_sql_store.migrate import VERSION_TABLE
from zen_sql_store.schema import with_mysql_options

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "zen-sql-store runs its migrations from code (zen_sql_store.migrate), "
        "with a connection; there is no alembic.ini."
    )

context.configure(
    connection=connection,
    target_metadata=with_mysql_options(),
    version_table=VERSION_TABLE,
    # SQLite cannot ALTER much: later revisions use batch operations.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)

with context.begin_transaction():
    context.run_migrations()
