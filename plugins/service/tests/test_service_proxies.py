"""Behind a reverse proxy (issue 21): with ``--trusted-proxies`` the service takes the
client's address, the scheme and the host from ``X-Forwarded-For``/``-Proto``/``-Host``,
from the trusted hops only. Before, every refusal was logged with the proxy's address and
an ``https`` proxy made the service name ``http://`` URLs."""

from __future__ import annotations

import logging
import os
import time

import pytest
import requests

from zen_local_store.store import LocalStore
from zen_service.app import create_app
from zen_service.proxies import parse_trusted_proxies, trust_proxies
from zen_service.state import log_path
from zen_service.testing import free_port

PROXY = "10.0.0.5"
CLIENT = "203.0.113.7"
FORWARDED = {"X-Forwarded-For": CLIENT, "X-Forwarded-Proto": "https",
             "X-Forwarded-Host": "zen.example.com"}


@pytest.fixture
def store(tmp_path):
    store = LocalStore(f"file://{tmp_path}/store")
    store.initialize()
    return store


def _seen(store, trusted: str | None, peer: str, caplog) -> tuple[str, str]:
    """(the address a refusal is logged with, the URL the spec says it is served at) for a
    request from ``peer`` carrying FORWARDED headers."""
    app = create_app(store)
    if trusted is not None:
        app.wsgi_app = trust_proxies(app.wsgi_app, trusted)
    client = app.test_client()
    environ = {"REMOTE_ADDR": peer}
    with caplog.at_level(logging.WARNING, logger="zen_service.auth"):
        assert client.get("/api/v1/stacks", headers=FORWARDED,
                          environ_base=environ).status_code == 401
    [record] = [r for r in caplog.records if r.name == "zen_service.auth"]
    caplog.clear()
    spec = client.get("/openapi.json", headers=FORWARDED, environ_base=environ).json
    return record.getMessage().split(" from ")[1].split(":")[0], spec["servers"][0]["url"]


def test_without_trusted_proxies_the_headers_are_ignored(store, caplog):
    assert _seen(store, None, PROXY, caplog) == (PROXY, "http://localhost/")


@pytest.mark.parametrize("trusted", ["1", PROXY, "10.0.0.0/8", f"192.0.2.1, {PROXY}"])
def test_a_trusted_proxy_gives_the_client_and_the_url_it_used(store, caplog, trusted):
    assert _seen(store, trusted, PROXY, caplog) == (CLIENT, "https://zen.example.com/")


def test_the_headers_of_an_untrusted_peer_are_ignored(store, caplog):
    assert _seen(store, PROXY, "192.0.2.99", caplog) == ("192.0.2.99", "http://localhost/")


def test_two_proxies_in_a_row(store, caplog):
    app = create_app(store)
    app.wsgi_app = trust_proxies(app.wsgi_app, "2")
    with caplog.at_level(logging.WARNING, logger="zen_service.auth"):
        app.test_client().get("/api/v1/stacks", environ_base={"REMOTE_ADDR": PROXY},
                              headers={"X-Forwarded-For": f"198.51.100.1, {CLIENT}, 10.0.0.9"})
    assert f"from {CLIENT}:" in caplog.text


@pytest.mark.parametrize(("text", "says"), [
    ("0", "give 1 or more proxies"),
    ("", "give a number of proxies"),
    ("10.0.0.5,", "give a number of proxies"),
    ("10.0.0.300", "does not appear to be an IPv4 or IPv6"),
    ("proxy.example.com", "does not appear to be an IPv4 or IPv6"),
])
def test_what_is_not_a_trusted_proxies_value(text, says):
    with pytest.raises(ValueError, match=says):
        parse_trusted_proxies(text)


def test_up_refuses_a_bad_trusted_proxies_value(zenml, zen_home):
    result = zenml("service up --trusted-proxies proxy.example.com")
    assert result.exit_code == 2
    assert "Invalid value for '--trusted-proxies'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (zen_home / "service.json").exists()


@pytest.mark.skipif(os.name == "nt", reason="the daemon tests are POSIX only")
def test_the_service_logs_the_client_a_trusted_proxy_names(zenml, zen_home):
    port = free_port()
    assert zenml(f"service up --port {port} --trusted-proxies 1").exit_code == 0
    response = requests.get(f"http://127.0.0.1:{port}/api/v1/stacks", headers=FORWARDED,
                            timeout=5)
    assert response.status_code == 401
    deadline = time.monotonic() + 5
    while "Refused" not in log_path(zen_home).read_text():
        assert time.monotonic() < deadline, "no refusal logged"
        time.sleep(0.05)
    assert f"Refused GET /api/v1/stacks from {CLIENT}: No API key given." in \
        log_path(zen_home).read_text()
