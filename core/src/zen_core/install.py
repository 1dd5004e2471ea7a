"""How to install zen's distributions: the one home of every install hint.

The names are not on the public index (PyPI) yet, and ``zen-core`` there is an unrelated
project, so a hint never says ``pip install zen-sql-store`` alone: it says how to install
from a clone of the repository, or from a wheelhouse built from it (the README's
"Installing from wheels"). Publishing the names is one change here.
"""

from __future__ import annotations

#: Each distribution's folder in the repository.
FOLDERS = {
    "zen-core": "core",
    "zen-local-store": "plugins/local_store",
    "zen-sql-store": "plugins/sql_store",
    "zen-rest-store": "plugins/rest_store",
    "zen-service": "plugins/service",
}

#: Store types that first-party distributions add, to name the one to install.
STORE_TYPE_DISTRIBUTIONS = {
    "local": "zen-local-store",
    "sql": "zen-sql-store",
    "rest": "zen-rest-store",
}


def install_hint(distribution: str, extra: str | None = None, upgrade: bool = False) -> str:
    """``pip install "./plugins/sql_store[mysql]"`` from a clone of zen's repository, or
    ``pip install --no-index --find-links WHEELHOUSE "zen-sql-store[mysql]"``."""
    suffix = f"[{extra}]" if extra else ""
    folder = f"./{FOLDERS[distribution]}{suffix}"
    name = f"{distribution}{suffix}"
    if suffix:
        folder, name = f'"{folder}"', f'"{name}"'
    pip = "pip install --upgrade" if upgrade else "pip install"
    return (f"`{pip} {folder}` in a clone of zen's repository, or `{pip} --no-index "
            f"--find-links WHEELHOUSE {name}` from a wheelhouse")
