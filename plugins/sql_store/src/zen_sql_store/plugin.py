"""Registers the ``sql`` store type. Imported on every command, so it stays light:
no SQLAlchemy here, the store class is named lazily."""

from __future__ import annotations

from pathlib import Path

from zen_core import hookimpl
from zen_core.records import StoreType


def check_url(url: str) -> None:
    """Refuse a URL the SQL store cannot use (the parser is imported only for this)."""
    from zen_sql_store.urls import check_url as check

    check(url)

DATABASE_FILE = "zenml.db"


def default_url(profile_dir: Path) -> str:
    """A SQLite file in the profile's folder, as ZenML 0.7 made it."""
    return f"sqlite:///{Path(profile_dir).as_posix()}/{DATABASE_FILE}"


@hookimpl
def zen_store_types():
    yield StoreType(
        name="sql",
        description=(
            "A SQL database through SQLAlchemy: a SQLite file, or a MySQL/MariaDB or "
            "PostgreSQL server a team shares."
        ),
        store_class="zen_sql_store.store:SqlStore",
        default_url=default_url,
        check_url=check_url,
        reports_default_stack=False,
    )
