"""Two services on one PostgreSQL database share users, keys and one history (issue 9),
and every write through one is read through the other at once (issue 23: the reads the
stores keep between commits never hide one).

Two zen config folders (two machines) each have a profile on the same store and run a
service. A key made and then revoked through one is refused by the other within a second,
both services read the same history, and writes through either alternate with reads
through the other, each read seeing the write before it.

The PostgreSQL case needs a server (``ZEN_TEST_POSTGRES_URL``, an admin URL such as
``postgresql://postgres@127.0.0.1:5432/test``) and zen-sql-store: without them it skips,
saying which is missing, and fails instead under ``ZEN_REQUIRE_SERVERS`` and
``ZEN_REQUIRE_PLUGINS`` (CI). The same test runs on one local store folder shared by both
profiles, which any installation has.
"""

from __future__ import annotations

import os

import pytest
import requests

from zen_core.testing.helpers import changed_within
from zen_core.testing.require import SERVERS, posix_only, skip_or_fail

pytestmark = posix_only("the daemon tests")


@pytest.fixture(params=[pytest.param("postgres", marks=pytest.mark.zen_needs("zen_sql_store")),
                        "local"])
def shared(request, tmp_path):
    """(store type, URL) of a new store both machines use: a PostgreSQL database (dropped
    afterwards), or a local store folder."""
    if request.param == "local":
        yield "local", f"file://{tmp_path / 'shared-store'}"
        return
    admin_url = os.environ.get("ZEN_TEST_POSTGRES_URL", "").strip()
    if not admin_url:
        skip_or_fail("ZEN_TEST_POSTGRES_URL is not set: no PostgreSQL server to test against",
                     SERVERS)
    from zen_service.testing import new_postgres_database

    with new_postgres_database(admin_url) as url:
        yield "sql", url


def _machine(folder, store_type, url):
    from zen_core.client import Client

    client = Client(config_directory=folder, cwd=folder).prepare()
    client.create_profile("shared", store_type=store_type, url=url)
    return client


def test_two_services_share_keys_revocations_history_and_stacks(tmp_path, shared,
                                                                 monkeypatch):
    from zen_core.services import accounts, keys
    from zen_core.services.access import StoreAccess
    from zen_core.services.authz import DELEGATED
    from zen_core.store import StoreContext
    from zen_rest_store.store import RestStore
    from zen_service.testing import bearer, running_service

    monkeypatch.delenv("ZENML_STORE_TOKEN", raising=False)
    a_folder, b_folder = tmp_path / "a", tmp_path / "b"
    _machine(a_folder, *shared)
    _machine(b_folder, *shared)
    with running_service(a_folder, "shared") as a, running_service(b_folder, "shared") as b:
        admin_a = RestStore(a.url, StoreContext(token=a.token))
        access = StoreAccess(admin_a, DELEGATED)  # the service checks the roles
        accounts.create_user(access, "ann")
        accounts.assign(access, "editor", user="ann")
        _, ann_key = keys.create(access, "ann", "laptop")

        at_b = f"{b.url}api/v1/stacks"
        assert requests.get(at_b, headers=bearer(ann_key), timeout=5).status_code == 200
        body = {"type": "orchestrator", "flavor": "local", "name": "from-b"}
        assert requests.post(f"{b.url}api/v1/components", json=body, headers=bearer(ann_key),
                             timeout=5).status_code == 201

        keys.revoke(access, "ann", "laptop")  # through A; B may have the key cached
        delay = changed_within(1.0, lambda: requests.get(
            at_b, headers=bearer(ann_key), timeout=5).status_code == 200,
            "B still accepted the revoked key")
        refused = requests.get(at_b, headers=bearer(ann_key), timeout=5)
        assert refused.status_code == 401 and "not valid" in refused.json()["message"]
        print(f"\n{shared[0]}: revoked through A, refused by B after {delay * 1000:.0f} ms")

        history_a = admin_a.list_events(limit=1000)
        history_b = RestStore(b.url, StoreContext(token=b.token)).list_events(limit=1000)
        assert history_a == history_b
        events = [(e.actor, e.action, e.name) for e in reversed(history_a[0])]
        assert ("default", "create_user", "ann") in events
        assert ("ann", "register_component", "from-b") in events
        assert events.index(("default", "create_api_key", "laptop")) < \
            events.index(("ann", "register_component", "from-b")) < \
            events.index(("default", "revoke_api_key", "laptop"))

        # Writes through one service alternate with reads through the other.
        services = [(a.url, bearer(a.token)), (b.url, bearer(b.token))]
        members = {"orchestrator": "default", "metadata_store": "default",
                   "artifact_store": "default"}
        for i in range(4):
            (write_url, write_key), (read_url, read_key) = services[i % 2], services[1 - i % 2]
            listed = requests.get(f"{read_url}api/v1/stacks", headers=read_key, timeout=5)
            assert len(listed.json()["items"]) == 1 + i  # read first: kept by the store
            made = requests.post(f"{write_url}api/v1/stacks", headers=write_key, timeout=5,
                                 json={"name": f"s{i}", "components": members})
            assert made.status_code == 201, made.text
            listed = requests.get(f"{read_url}api/v1/stacks", headers=read_key, timeout=5)
            assert f"s{i}" in [s["name"] for s in listed.json()["items"]]
            changed = requests.patch(f"{write_url}api/v1/stacks/s{i}", headers=write_key,
                                     json={"labels": {"round": str(i)}}, timeout=5)
            assert changed.status_code == 200, changed.text
            read = requests.get(f"{read_url}api/v1/stacks/s{i}", headers=read_key, timeout=5)
            assert read.json()["labels"] == {"round": str(i)}
            assert read.headers["ETag"] == '"2"'
