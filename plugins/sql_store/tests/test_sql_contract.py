"""The store contract on SQLite, MariaDB and PostgreSQL."""

from __future__ import annotations

from functools import partial

import pytest

from zen_core.testing.contract import StoreContract, open_store, register_stack_with_components
from zen_sql_store.store import SqlStore


class TestSqlStoreContract(StoreContract):
    @pytest.fixture
    def store(self, store_url):
        store = SqlStore(store_url)
        store.initialize()
        yield store
        store.close()

    @pytest.fixture
    def store_opener(self, store):
        return partial(SqlStore, store.url)


def test_open_store_from_a_class_path(store_url):
    with SqlStore(store_url) as store:
        store.initialize()
        register_stack_with_components(store, "s")
        with open_store(("zen_sql_store.store:SqlStore", store.url)) as other:
            assert isinstance(other, SqlStore)
            assert other.stack_names() == ["s"]
