"""Alembic migrations of the SQL store's schema, run from code by :mod:`zen_sql_store.migrate`.

A new revision goes into ``versions/`` (``python -m zen_sql_store.migrate revision
"what changes"`` writes one from the models), and ``HEAD`` in
``zen_sql_store.migrate`` names it. Keep revisions self-contained: they must
not import the models, which describe only the newest schema.
"""
