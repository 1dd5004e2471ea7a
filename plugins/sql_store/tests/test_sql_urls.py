"""Store URLs: what the ``sql`` type accepts, how it shows them, which driver it picks."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from zen_core.exceptions import InvalidDataError
from zen_core.plugins import get_plugin_manager
from zen_core.records import mask_url_password
from zen_sql_store import plugin
from zen_sql_store.urls import check_url, parse


@pytest.mark.parametrize(("url", "described", "driver"), [
    ("sqlite:////tmp/zenml/zenml.db", "SQLite database /tmp/zenml/zenml.db", "sqlite+pysqlite"),
    # the user guide's spelling
    ("sqlite:///tmp/zenml/zenml.db", "SQLite database /tmp/zenml/zenml.db", "sqlite+pysqlite"),
    ("sqlite+pysqlite:////srv/zen.db", "SQLite database /srv/zen.db", "sqlite+pysqlite"),
    ("mysql://zenml:password@10.11.12.13/zenml",
     "MySQL database 'zenml' on 10.11.12.13 (mysql://zenml:***@10.11.12.13/zenml)",
     "mysql+pymysql"),
    ("mysql://zenml:password@10.11.12.13:3307/zenml?charset=utf8mb4",
     "MySQL database 'zenml' on 10.11.12.13:3307 "
     "(mysql://zenml:***@10.11.12.13:3307/zenml?charset=utf8mb4)", "mysql+pymysql"),
    ("mysql+pymysql://root@localhost/zen",
     "MySQL database 'zen' on localhost (mysql+pymysql://root@localhost/zen)", "mysql+pymysql"),
    ("mysql+mysqldb://root@localhost/zen",
     "MySQL database 'zen' on localhost (mysql+mysqldb://root@localhost/zen)", "mysql+mysqldb"),
    ("mariadb://root@db.example.com/zen",
     "MariaDB database 'zen' on db.example.com (mariadb://root@db.example.com/zen)",
     "mariadb+pymysql"),
    ("postgresql://postgres@127.0.0.1:5432/test",
     "PostgreSQL database 'test' on 127.0.0.1:5432 (postgresql://postgres@127.0.0.1:5432/test)",
     "postgresql+psycopg"),
    ("postgresql+psycopg://u:p@[::1]:5432/zen",
     "PostgreSQL database 'zen' on [::1]:5432 (postgresql+psycopg://u:***@[::1]:5432/zen)",
     "postgresql+psycopg"),
    ("postgres://u:p@host/zen", "PostgreSQL database 'zen' on host (postgres://u:***@host/zen)",
     "postgresql+psycopg"),
])
def test_accepted_urls(url, described, driver, monkeypatch):
    assert check_url(url) is None
    assert get_plugin_manager().store_type("sql").validate_url(url) is None
    parsed = parse(url)
    assert parsed.describe() == described  # what every message names, password masked
    # with the extras' drivers installed (test_driver_choice covers the others)
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: object() if name in ("pymysql", "psycopg") else None)
    assert parsed.sqlalchemy_drivername() == driver


@pytest.mark.parametrize(("url", "says"), [
    ("http://localhost:8000", "'http' is not a database"),
    ("file:///tmp/zen", "'file' is not a database"),
    ("mssql://u:p@host/db", "'mssql' is not a database"),
    ("/tmp/zenml.db", "not a database URL"),
    ("zenml.db", "not a database URL"),
    ("sqlite://", "names no database file"),
    ("sqlite:///", "names no database file"),
    ("sqlite:///:memory:", "names no database file"),
    ("sqlite://host/x.db", "has no host"),
    ("mysql://zenml:secret-pw@host", "names no database"),
    ("postgresql://zenml:secret-pw@host/", "names no database"),
    ("mysql://zenml:secret-pw@host:port/zenml", "port 'port'"),
    ("mysql://zenml:secret-pw@host:70000/zenml", "port '70000'"),
])
def test_refused_urls(url, says):
    with pytest.raises(InvalidDataError) as info:
        check_url(url)
    message = str(info.value)
    assert says in message
    assert "Invalid URL for store type 'sql'" in message
    assert "secret-pw" not in message


def test_the_refusal_shows_the_forms_that_work():
    with pytest.raises(InvalidDataError) as info:
        check_url("http://x")
    assert "sqlite:////path/to/zenml.db" in str(info.value)
    assert "mysql://user:password@host/database" in str(info.value)
    assert "postgresql://user:password@host/database" in str(info.value)


def test_parts_of_a_server_url():
    url = parse("mysql://zen%40ml:p%2Fss@10.11.12.13:3307/zenml?charset=utf8mb4")
    assert (url.dialect, url.driver, url.host, url.port, url.database) == (
        "mysql", None, "10.11.12.13", 3307, "zenml")
    assert (url.username, url.password) == ("zen@ml", "p/ss")
    assert url.describe() == (
        "MySQL database 'zenml' on 10.11.12.13:3307 "
        "(mysql://zen%40ml:***@10.11.12.13:3307/zenml?charset=utf8mb4)"
    )


def test_sqlite_paths_are_absolute_with_three_or_four_slashes():
    # SQLAlchemy reads sqlite:///tmp/x as relative to the current folder; a profile is
    # used from every folder, so zen reads it as /tmp/x, as the user guide means it.
    assert parse("sqlite:///tmp/zenml/zenml.db").sqlite_path == "/tmp/zenml/zenml.db"
    assert parse("sqlite:////tmp/zenml/zenml.db").sqlite_path == "/tmp/zenml/zenml.db"
    assert parse("sqlite:///tmp/zen%20ml/z.db").sqlite_path == "/tmp/zen ml/z.db"
    assert parse("sqlite:///tmp/x.db").describe() == "SQLite database /tmp/x.db"


@pytest.mark.parametrize(("url", "masked"), [
    ("mysql://zenml:password@10.11.12.13/zenml", "mysql://zenml:***@10.11.12.13/zenml"),
    ("mysql+pymysql://root:pw@h:3306/db?x=1", "mysql+pymysql://root:***@h:3306/db?x=1"),
    ("postgresql://u:a/b@host/db", "postgresql://u:***@host/db"),  # a raw '/' in it
    ("postgresql://u:p@ss@host/db", "postgresql://u:***@host/db"),  # a raw '@' in it
    ("mysql://root@host/db", "mysql://root@host/db"),
    ("sqlite:////tmp/zen.db", "sqlite:////tmp/zen.db"),
])
def test_passwords_are_masked(url, masked):
    assert mask_url_password(url) == masked
    assert parse(url).masked == masked


def test_default_url_is_a_file_in_the_profile_folder(tmp_path):
    profile_dir = tmp_path / "profiles" / "p"
    url = plugin.default_url(profile_dir)
    assert url == f"sqlite:///{profile_dir}/zenml.db"
    assert parse(url).sqlite_path == str(profile_dir / "zenml.db")


def test_the_store_type_is_registered():
    kind = get_plugin_manager().store_type("sql")
    assert kind.load_class().__name__ == "SqlStore"
    assert kind.store_class == "zen_sql_store.store:SqlStore"
    assert kind.registers_default_stack and not kind.accepts_token
    assert not kind.reports_default_stack  # the user guide shows no registration lines
    assert kind.url_for_profile(Path("/cfg/profiles/x")) == "sqlite:////cfg/profiles/x/zenml.db"


def test_driver_choice(monkeypatch):
    import importlib.util

    installed = {"pymysql", "psycopg"}
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: object() if name in installed else None)
    assert parse("mysql://u@h/d").sqlalchemy_drivername() == "mysql+pymysql"
    assert parse("mariadb://u@h/d").sqlalchemy_drivername() == "mariadb+pymysql"
    assert parse("postgresql://u@h/d").sqlalchemy_drivername() == "postgresql+psycopg"
    assert parse("postgres://u@h/d").sqlalchemy_drivername() == "postgresql+psycopg"
    assert parse("mysql+mysqldb://u@h/d").sqlalchemy_drivername() == "mysql+mysqldb"
    assert parse("sqlite:////x.db").sqlalchemy_drivername() == "sqlite+pysqlite"
    installed.update({"MySQLdb"})  # mysqlclient, SQLAlchemy's default, wins when present
    assert parse("mysql://u@h/d").sqlalchemy_drivername() == "mysql+mysqldb"
    installed.clear()
    installed.add("psycopg2")
    assert parse("postgresql://u@h/d").sqlalchemy_drivername() == "postgresql+psycopg2"
    # nothing installed: the drivers the extras install (and name when missing)
    installed.clear()
    assert parse("mysql://u@h/d").sqlalchemy_drivername() == "mysql+pymysql"
    assert parse("postgresql://u@h/d").sqlalchemy_drivername() == "postgresql+psycopg"


def test_the_plugin_module_imports_no_sqlalchemy():
    probe = (
        "import sys, zen_sql_store.plugin as p\n"
        "list(p.zen_store_types())\n"
        "p.check_url('mysql://u:p@h/d')\n"
        "print(','.join(m for m in ('sqlalchemy', 'alembic', 'pymysql', 'psycopg') "
        "if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
