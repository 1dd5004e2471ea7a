"""SQL store URLs, without SQLAlchemy: parse, check, describe (password masked), pick a driver.

The plugin module checks URLs on every ``zenml profile create``, so this module
imports nothing heavy. The grammar is SQLAlchemy's (``make_url``):
``dialect[+driver]://[user[:password]@][host][:port][/database][?query]``.
"""

from __future__ import annotations

import importlib.util
import os
import re
from typing import NamedTuple
from urllib.parse import unquote

from zen_core.exceptions import InvalidDataError
from zen_core.install import install_hint
from zen_core.records import mask_url_password

# SQLAlchemy's own pattern (sqlalchemy.engine.url._parse_url), so that what we
# check and describe is what SQLAlchemy will connect to.
_URL = re.compile(
    r"""
    ^(?P<scheme>[\w+]+)://
    (?:(?P<username>[^:/]*)(?::(?P<password>[^@]*))?@)?
    (?:(?:\[(?P<ipv6host>[^/?]+)\]|(?P<host>[^/:?]+))?(?::(?P<port>[^/?]*))?)?
    (?:/(?P<database>[^?]*))?
    (?:\?(?P<query>.*))?$
    """,
    re.VERBOSE,
)


class Backend(NamedTuple):
    label: str
    default_port: int | None
    #: The extra of zen-sql-store that installs the default driver.
    extra: str | None


BACKENDS = {
    "sqlite": Backend("SQLite", None, None),
    "mysql": Backend("MySQL", 3306, "mysql"),
    "mariadb": Backend("MariaDB", 3306, "mysql"),
    "postgresql": Backend("PostgreSQL", 5432, "postgres"),
}
#: Schemes accepted as another name of a dialect (Heroku and others write postgres://).
ALIASES = {"postgres": "postgresql"}

EXAMPLES = (
    "sqlite:////path/to/zenml.db, mysql://user:password@host/database "
    "or postgresql://user:password@host/database"
)

#: Seconds to wait for a server to accept a connection (SQLAlchemy's engine and the
#: driver-only reads alike: kept here, where connecting imports nothing heavy).
CONNECT_TIMEOUT = 5

#: What installs a missing driver module, by module name (after "is not installed: ").
DRIVER_HINTS = {
    "pymysql": f"zen-sql-store's mysql extra adds it ({install_hint('zen-sql-store', 'mysql')})",
    "MySQLdb": (
        "`pip install mysqlclient` adds it (it compiles against the MySQL client headers); or "
        "use a mysql:// URL with the pure-Python driver, which zen-sql-store's mysql extra "
        f"adds ({install_hint('zen-sql-store', 'mysql')})"
    ),
    "psycopg": ("zen-sql-store's postgres extra adds it "
                f"({install_hint('zen-sql-store', 'postgres')})"),
    "psycopg2": (
        "`pip install psycopg2-binary` adds it; or use a postgresql:// URL with psycopg 3, "
        f"which zen-sql-store's postgres extra adds ({install_hint('zen-sql-store', 'postgres')})"
    ),
}


class SqlUrl(NamedTuple):
    """The parts of a SQL store URL (``password`` unquoted; never print it)."""

    url: str
    dialect: str  # sqlite, mysql, mariadb, postgresql (aliases resolved)
    driver: str | None
    username: str | None
    password: str | None
    host: str | None
    port: int | None
    database: str | None
    query: str | None

    @property
    def backend(self) -> Backend:
        return BACKENDS[self.dialect]

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @property
    def masked(self) -> str:
        return mask_url_password(self.url)

    @property
    def sqlite_path(self) -> str:
        """The database file; ``sqlite:///tmp/x.db`` and ``sqlite:////tmp/x.db`` are both /tmp/x.db.

        NOTE: SQLAlchemy reads three slashes as a path relative to the current
        folder. A profile is used from any folder, so a relative path would
        mean a different database in every folder: we take it as absolute.
        """
        path = unquote(self.database or "")
        if path == ":memory:" or os.path.isabs(path):
            return path
        return "/" + path

    @property
    def server(self) -> str:
        host = self.host or "localhost"
        if ":" in host:
            host = f"[{host}]"
        return f"{host}:{self.port}" if self.port else host

    def describe(self) -> str:
        """Where the store is, for messages: host and database, password masked."""
        if self.is_sqlite:
            return f"SQLite database {self.sqlite_path}"
        return (
            f"{self.backend.label} database '{self.database}' on {self.server} ({self.masked})"
        )

    def sqlalchemy_drivername(self) -> str:
        """The ``dialect+driver`` to connect with.

        A plain ``mysql://`` uses mysqlclient if it is installed (SQLAlchemy's
        default) and else PyMySQL, which the ``mysql`` extra installs;
        ``postgresql://`` uses psycopg 3, or psycopg2 if only that is installed.
        """
        if self.driver:
            return f"{self.dialect}+{self.driver}"
        if self.dialect in ("mysql", "mariadb"):
            driver = "mysqldb" if _importable("MySQLdb") else "pymysql"
            return f"{self.dialect}+{driver}"
        if self.dialect == "postgresql":
            if not _importable("psycopg") and _importable("psycopg2"):
                return "postgresql+psycopg2"
            return "postgresql+psycopg"
        return "sqlite+pysqlite"


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _invalid(url: str, why: str) -> InvalidDataError:
    return InvalidDataError(
        f"Invalid URL for store type 'sql': {mask_url_password(url)}: {why}"
    )


def parse(url: str) -> SqlUrl:
    """Parse and check a SQL store URL; :class:`InvalidDataError` says what is wrong."""
    match = _URL.match(url.strip()) if isinstance(url, str) else None
    if match is None:
        raise _invalid(str(url), f"not a database URL. Use {EXAMPLES}.")
    scheme = match["scheme"]
    dialect, _, driver = scheme.partition("+")
    dialect = ALIASES.get(dialect.lower(), dialect.lower())
    if dialect not in BACKENDS:
        raise _invalid(
            url, f"'{scheme}' is not a database zen can use. Use {EXAMPLES}."
        )
    port = match["port"]
    if port and not (port.isdigit() and 0 < int(port) < 65536):
        raise _invalid(url, f"the port '{port}' is not a number from 1 to 65535.")
    parsed = SqlUrl(
        url=url.strip(),
        dialect=dialect,
        driver=driver or None,
        username=unquote(match["username"]) if match["username"] else None,
        password=unquote(match["password"]) if match["password"] is not None else None,
        host=match["ipv6host"] or match["host"],
        port=int(port) if port else None,
        database=match["database"] or None,
        query=match["query"],
    )
    if parsed.is_sqlite:
        if parsed.host or parsed.username:
            raise _invalid(url, "a SQLite URL has no host: use sqlite:////path/to/zenml.db.")
        if not parsed.database or parsed.sqlite_path in ("/", ":memory:"):
            raise _invalid(
                url, "it names no database file: use sqlite:////path/to/zenml.db."
            )
    elif not parsed.database:
        raise _invalid(
            url,
            f"it names no database: add it after the host, e.g. "
            f"{dialect}://user:password@{parsed.server}/zenml.",
        )
    return parsed


def check_url(url: str) -> None:
    """The ``check_url`` of the ``sql`` store type."""
    parse(url)
