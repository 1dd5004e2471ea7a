"""zen-sql-store: the ``sql`` store type, stacks in SQLite, MySQL/MariaDB or PostgreSQL."""

from __future__ import annotations


def __getattr__(name: str) -> str:
    # The version of every zen distribution is set in one place (zen_core.__version__)
    # and built into this one's metadata; read on first use, so importing stays cheap.
    if name == "__version__":
        from importlib.metadata import version

        return version("zen-sql-store")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
