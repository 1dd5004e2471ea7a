"""zen-sql-store: the ``sql`` store type, stacks in SQLite, MySQL/MariaDB or PostgreSQL."""

__version__ = "0.1.0"
