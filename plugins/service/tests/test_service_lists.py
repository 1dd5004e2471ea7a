"""Lists over HTTP: filters, order and pages with the total, as the CLI's (one domain function)."""

from __future__ import annotations

import pytest

from zen_core.changes import StackChange
from zen_core.defaults import default_stack_components
from zen_core.models import Component, ComponentType, Stack
from zen_local_store.store import LocalStore
from zen_service.app import create_app
from zen_service.testing import add_user_key, bearer

T = ComponentType
VIEWER_KEY = "zen_0000000000ab_lists-viewer-secret-0123456789"
CORE = {T.ORCHESTRATOR: "default", T.METADATA_STORE: "default", T.ARTIFACT_STORE: "default"}


@pytest.fixture
def client(tmp_path):
    store = LocalStore(f"file://{tmp_path}/store")
    store.initialize()
    store.register_default_stack(default_stack_components(tmp_path))
    for name in ("prod-eu", "prod-us", "dev", "test-prod"):
        store.register_stack(Stack(name, CORE))
    store.update_stack("dev", StackChange(set={T.ORCHESTRATOR: "default"}))  # newest update
    store.register_component(Component(T.ORCHESTRATOR, "airflow", "air"))
    add_user_key(store, "reader", "viewer", key=VIEWER_KEY)
    return create_app(store).test_client()


def get(client, path):
    return client.get(path, headers=bearer(VIEWER_KEY))


def names(answer) -> list[str]:
    return [record["name"] for record in answer.json["items"]]


def test_a_list_is_a_page_with_the_total(client):
    answer = get(client, "/api/v1/stacks")
    assert answer.status_code == 200
    assert names(answer) == ["default", "dev", "prod-eu", "prod-us", "test-prod"]
    assert (answer.json["total"], answer.json["offset"], answer.json["limit"]) == (5, 0, None)


def test_filters_order_and_pages(client):
    answer = get(client, "/api/v1/stacks?name=contains:prod&sort=-name&limit=2&offset=1")
    assert names(answer) == ["prod-us", "prod-eu"]
    assert (answer.json["total"], answer.json["offset"], answer.json["limit"]) == (3, 1, 2)
    assert names(get(client, "/api/v1/stacks?name=prefix:prod")) == ["prod-eu", "prod-us"]
    assert names(get(client, "/api/v1/stacks?name=dev")) == ["dev"]
    assert names(get(client, "/api/v1/stacks?sort=-updated&limit=1")) == ["dev"]
    only_air = get(client, "/api/v1/components/orchestrator?flavor=airflow")
    assert names(only_air) == ["air"] and only_air.json["total"] == 1
    assert get(client, "/api/v1/stacks?flavor=airflow").json["total"] == 0


@pytest.mark.parametrize(("query", "says"), [
    ("sort=colour", "Cannot sort by 'colour'"),
    ("limit=0", "The limit must be from 1 to"),
    ("offset=-1", "The offset must be from 0 to 1000000000000"),
    ("name=like:x", "Unknown name filter 'like:'"),
    ("limit=many", "limit"),
    ("name=contains:" + "x" * 192, "The name filter is too long (201 characters, at most 200)."),
    ("flavor=" + "f" * 201, "The flavor filter is too long (201 characters, at most 200)."),
    ("sort=" + "n" * 21, "Cannot sort by"),
    # Exactly what the spec says (issue 17): no padded sort key, no empty name filter, no
    # offset past what a database's integers hold.
    ("sort=%20name", "Cannot sort by ' name'"),
    ("name=", "The name filter is empty"),
    ("offset=" + "9" * 20, "The offset must be from 0 to 1000000000000"),
])
def test_bad_values_are_a_422_with_the_reason(client, query, says):
    answer = get(client, f"/api/v1/stacks?{query}")
    assert answer.status_code == 422, answer.json
    assert says in answer.json["message"]


def test_query_parameters_read_as_werkzeug_reads_them():
    """The service's query arguments (app._QueryArgs) answer ``get`` as werkzeug's do,
    without raising an HTTP exception inside for each parameter a request leaves out."""
    from werkzeug.datastructures import ImmutableMultiDict

    from zen_service.app import _QueryArgs

    items = [("limit", "5"), ("name", "a"), ("name", "b"), ("offset", "x")]
    ours, werkzeugs = _QueryArgs(items), ImmutableMultiDict(items)
    for key, default, type_ in [("limit", None, None), ("limit", None, int), ("name", 1, None),
                                ("absent", None, None), ("absent", "d", int),
                                ("offset", 0, int)]:
        assert ours.get(key, default, type_) == werkzeugs.get(key, default, type_)
    assert ours.getlist("name") == ["a", "b"]
