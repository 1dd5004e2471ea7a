"""TLS options of store types that use TLS: refused for the others, recorded in the
profile, given to the store in its context."""

from __future__ import annotations

import pytest

from zen_core import hookimpl
from zen_core.client import Client
from zen_core.exceptions import InvalidDataError
from zen_core.plugins import get_plugin_manager
from zen_core.records import StoreType
from zen_core.services import profiles
from zen_core.store import StoreContext
from zen_local_store.store import LocalStore


class _TlsStore(LocalStore):
    """A local store that says it uses TLS, to see what the context brings it."""


@hookimpl
def zen_store_types():
    yield StoreType(name="tlsish", description="A store over TLS (test).",
                    store_class=_TlsStore, uses_tls=True,
                    default_url=lambda folder: f"file://{folder}")


def test_tls_options_are_refused_for_store_types_without_tls(zen_home, tmp_path):
    client = Client().prepare()
    ca = tmp_path / "ca.pem"
    ca.write_text("not checked here")
    for options in ({"ca_cert": ca}, {"insecure": True}):
        with pytest.raises(InvalidDataError, match="'local' does not use TLS"):
            client.create_profile("p", store_type="local", **options)
    assert not client.config.has_profile("p")
    with pytest.raises(InvalidDataError, match="does not use TLS"):
        get_plugin_manager().store_type("local").open("file:///x", StoreContext(insecure=True))


def test_tls_options_are_recorded_and_reach_the_store(zen_home, tmp_path):
    get_plugin_manager().register(__import__(__name__), name="tls-test")
    client = Client().prepare()
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----")
    client.create_profile("a", store_type="tlsish", ca_cert=str(ca))
    client.create_profile("b", store_type="tlsish", insecure=True)
    with pytest.raises(InvalidDataError, match="not both"):
        client.create_profile("c", store_type="tlsish", ca_cert=ca, insecure=True)
    with pytest.raises(InvalidDataError, match="Cannot read the CA certificate"):
        client.create_profile("d", store_type="tlsish", ca_cert=tmp_path / "missing.pem")
    reread = Client()
    a, b = reread.config.get_profile("a"), reread.config.get_profile("b")
    assert (a.store_ca_cert, a.store_insecure) == (str(ca), False)
    assert (b.store_ca_cert, b.store_insecure) == (None, True)
    assert profiles.open_store(reread.config, a).context.ca_cert == ca
    assert profiles.open_store(reread.config, b).context.insecure is True
    assert "store_insecure" not in reread.config.get_profile("default").to_dict()


def test_a_copy_to_a_store_over_tls_takes_the_same_options(zen_home, tmp_path):
    from zen_core.services.transfer import copy_profile

    get_plugin_manager().register(__import__(__name__), name="tls-test")
    client = Client().prepare()
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----")
    profile, _ = copy_profile(client.config, "default", "dry", "tlsish", ca_cert=ca,
                                  dry_run=True)
    assert profile.store_ca_cert == str(ca) and not client.config.has_profile("dry")
    with pytest.raises(InvalidDataError, match="Cannot read the CA certificate"):
        copy_profile(client.config, "default", "bad", "tlsish", ca_cert=tmp_path / "no.pem")
    with pytest.raises(InvalidDataError, match="'local' does not use TLS"):
        copy_profile(client.config, "default", "plain", "local", insecure=True)
    copy_profile(client.config, "default", "copied", "tlsish", ca_cert=ca)
    copy_profile(client.config, "default", "loose", "tlsish", insecure=True)
    reread = Client()
    copied, loose = reread.config.get_profile("copied"), reread.config.get_profile("loose")
    assert (copied.store_ca_cert, copied.store_insecure) == (str(ca), False)
    assert (loose.store_ca_cert, loose.store_insecure) == (None, True)
    store = profiles.open_store(reread.config, copied)
    assert store.context.ca_cert == ca and [s.name for s in store.list_stacks()] == ["default"]
    assert not reread.config.has_profile("bad") and not reread.config.has_profile("plain")


def test_profile_copy_takes_ca_cert_and_insecure_on_the_command_line(zen_home, zen, tmp_path):
    get_plugin_manager().register(__import__(__name__), name="tls-test")
    Client().prepare()
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----")
    ok = zen(["profile", "copy", "default", "a", "-t", "tlsish", "--ca-cert", str(ca)])
    assert ok.exit_code == 0, ok.output
    loose = zen("profile copy default b -t tlsish --insecure")
    assert loose.exit_code == 0 and "does not check the TLS certificate" in loose.output
    assert Client().config.get_profile("a").store_ca_cert == str(ca)
    assert Client().config.get_profile("b").store_insecure is True
