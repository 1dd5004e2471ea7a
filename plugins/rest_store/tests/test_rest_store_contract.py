"""The store contract, through HTTP, against a real service on a local and a SQLite profile.

One daemon per store type serves a profile for the whole module; ``store``
empties it before each test, so every test starts from an empty store.
"""

from __future__ import annotations

from functools import partial

import pytest

from zen_core.testing.contract import StoreContract
from zen_rest_store.store import RestStore


def empty(store: RestStore) -> None:
    for stack in store.list_stacks():
        store.delete_stack(stack.name)
    for component in store.list_components():
        store.delete_component(component.type, component.name)


class TestRestStoreContract(StoreContract):
    @pytest.fixture
    def store(self, served):
        store = RestStore(served.url, token=served.token)
        empty(store)
        store.initialize()
        yield store
        store.close()

    @pytest.fixture
    def store_opener(self, served):
        return partial(RestStore, served.url, token=served.token)
