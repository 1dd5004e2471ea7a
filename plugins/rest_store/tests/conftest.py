"""A real zen service to test the rest store against (needs zen-service, a test dependency)."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import pytest

from zen_core.testing.plugin import ZEN_ENVIRONMENT
from zen_core.testing.require import require_modules


@dataclass
class Served:
    """A running service: where, its token, and the config folder of the served profile."""

    url: str
    token: str
    config: Path
    profile: str
    store_type: str
    port: int


def serve_profile(tmp_path_factory, store_type: str, enforce_rules: bool = True):
    """Start a daemon serving a new ``store_type`` profile (a generator for fixtures).

    ``enforce_rules=False`` serves the store's own semantics, without the flavors' schemas
    and stack rules: the contract suite's records use made-up configurations."""
    # The rest store is tested against a real zen-service (and a SQLite profile needs
    # zen-sql-store): skipped without them, failed under ZEN_REQUIRE_PLUGINS=1 (CI).
    require_modules("zen_service", *(["zen_sql_store"] if store_type == "sql" else []))
    from zen_core.client import Client
    from zen_core.plugins import reset_plugin_manager
    from zen_service.testing import running_service

    config = tmp_path_factory.mktemp(f"served-{store_type}")
    with pytest.MonkeyPatch.context() as mp:
        for name in ZEN_ENVIRONMENT:
            mp.delenv(name, raising=False)
        mp.setenv("ZENML_CONFIG_PATH", str(config))
        reset_plugin_manager()
        Client(config).create_profile("served", store_type=store_type)
        with running_service(config, "served", enforce_rules=enforce_rules) as state:
            yield Served(url=state.url.rstrip("/"), token=state.token, config=config,
                         profile="served", store_type=store_type, port=state.port)
        reset_plugin_manager()


@pytest.fixture(scope="module")
def local_service(tmp_path_factory):
    """A service with every rule, on a local profile (one per module)."""
    yield from serve_profile(tmp_path_factory, "local")


@pytest.fixture
def ruled_store(local_service):
    """A rest store on ``local_service`` (every rule applies), as its `default` stack left
    it: what an earlier test added is removed."""
    from zen_core.store import StoreContext
    from zen_rest_store.store import RestStore

    store = RestStore(local_service.url, StoreContext(token=local_service.token))
    for stack in store.list_stacks():
        if stack.name != "default":
            store.delete_stack(stack.name)
    for component in store.list_components():
        if component.name != "default":
            store.delete_component(component.type, component.name)
    yield store
    store.close()


@pytest.fixture(scope="module", params=["local", "sql"])
def served(request, tmp_path_factory):
    """For the contract suite, a service per module and store type (a local profile, then a
    SQLite one) serving the store's own semantics, without the flavors' rules."""
    yield from serve_profile(tmp_path_factory, request.param, enforce_rules=False)



@pytest.fixture
def zenml(zen_home, zen_process):
    """``zen_process`` (config in ``zen_home``); a service it started is stopped at the end."""
    yield zen_process
    if importlib.util.find_spec("zen_service") is not None:
        from zen_service.manager import stop_service

        stop_service(zen_home)


@pytest.fixture
def pki(tmp_path):
    """A CA and a certificate it signed for localhost: (ca.pem, cert.pem, key.pem)."""
    require_modules("trustme")
    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("localhost", "127.0.0.1")
    paths = tmp_path / "ca.pem", tmp_path / "cert.pem", tmp_path / "key.pem"
    ca.cert_pem.write_to_path(paths[0])
    cert.cert_chain_pems[0].write_to_path(paths[1])
    cert.private_key_pem.write_to_path(paths[2])
    return paths


@pytest.fixture
def tls_service(zenml, zen_home, pki):
    _, cert, key = pki
    from zen_service.testing import free_port

    port = free_port()
    up = zenml(f"service up --port {port} --tls-cert {cert} --tls-key {key}")
    assert up.exit_code == 0, up.output
    assert up.stderr.splitlines()[-1] == f"Zenml Service running at 'https://localhost:{port}/'."
    from zen_service.state import read_state

    state = read_state(zen_home)
    assert (state.tls_cert, state.tls_key) == (str(cert), str(key))
    return port
