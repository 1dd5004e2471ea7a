"""``/health`` says the process lives, ``/ready`` that it can serve: its store answers and
it is not stopping (issue 21: ``/health`` alone said a service whose database was gone
was healthy). Neither needs a key; ``/ready`` comes back without a restart."""

from __future__ import annotations

import threading

import pytest

from zen_local_store.store import LocalStore
from zen_service.app import create_app
from zen_service.probes import mark_stopping_on
from zen_service.testing import postgres_test_database


@pytest.fixture
def store(tmp_path):
    store = LocalStore(f"file://{tmp_path}/store")
    store.initialize()
    return store


def test_ready_when_the_store_answers(store):
    client = create_app(store).test_client()
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.json == {"status": "ready", "reason": None}


def test_a_local_store_gone_and_back(store, tmp_path):
    client = create_app(store).test_client()
    (tmp_path / "store").rename(tmp_path / "elsewhere")
    gone = client.get("/ready")
    assert gone.status_code == 503
    assert gone.json["status"] == "unavailable"
    assert str(tmp_path / "store") in gone.json["reason"]
    assert client.get("/health").status_code == 200  # alive all the same
    (tmp_path / "elsewhere").rename(tmp_path / "store")
    assert client.get("/ready").status_code == 200


def test_a_stopping_service_is_not_ready(store):
    app = create_app(store)
    stopping = threading.Event()
    mark_stopping_on(app, stopping)
    client = app.test_client()
    assert client.get("/ready").status_code == 200
    stopping.set()
    response = client.get("/ready")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "reason": "The service is stopping."}


@pytest.fixture
def postgres_database():
    """(admin URL, URL) of a new PostgreSQL database, dropped afterwards."""
    with postgres_test_database() as urls:
        yield urls


def _connections(admin_url: str, name: str, allowed: bool) -> None:
    """Let clients connect to database ``name`` or not; when not, end their sessions."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from zen_sql_store.urls import parse

    engine = create_engine(
        make_url(admin_url).set(drivername=parse(admin_url).sqlalchemy_drivername()),
        isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f"ALTER DATABASE {name} ALLOW_CONNECTIONS {allowed}"))
        if not allowed:
            connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                    f"WHERE datname = '{name}'"))
    engine.dispose()


def test_a_database_gone_and_back(postgres_database):
    from sqlalchemy.engine import make_url

    from zen_sql_store.store import SqlStore

    admin_url, url = postgres_database
    name = make_url(url).database
    store = SqlStore(url)
    store.initialize()
    client = create_app(store).test_client()
    assert client.get("/ready").status_code == 200
    _connections(admin_url, name, allowed=False)
    try:
        gone = client.get("/ready")
        assert gone.status_code == 503
        assert name in gone.json["reason"]
        print(f"\n/ready with the database gone: {gone.json['reason']}")
        assert client.get("/health").status_code == 200
    finally:
        _connections(admin_url, name, allowed=True)
    back = client.get("/ready")
    assert back.status_code == 200, back.json
    store.close()
