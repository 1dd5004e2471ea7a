"""The redis store passes zen's whole store contract, plus what is its own: URLs, a
missing store, and a profile on it through the ``zenml`` CLI."""

from __future__ import annotations

import json
from functools import partial

import pytest
from zen_redis_store.store import RedisStore
from zen_redis_store.urls import check_url, split_url

from zen_core.plugin import (
    InvalidDataError,
    StoreContract,
    StoreMissingError,
    StoreUnavailableError,
)


def new_store(url: str) -> RedisStore:
    store = RedisStore(url)
    store.initialize()
    return store


class TestRedisStoreContract(StoreContract):
    @pytest.fixture
    def store(self, store_url):
        store = new_store(store_url)
        yield store
        store.destroy()
        store.close()

    @pytest.fixture
    def store_opener(self, store):
        return partial(RedisStore, store.url)


def test_urls_name_the_prefix_and_bad_ones_are_refused():
    assert split_url("redis://h:1/2?prefix=team") == ("redis://h:1/2", "team")
    assert split_url("redis://h:1/2") == ("redis://h:1/2", "zen")
    with pytest.raises(InvalidDataError, match="Use redis://"):
        check_url("http://h/0")
    with pytest.raises(InvalidDataError, match="prefix"):
        check_url("redis://h/0?prefix=a b")


def test_a_flushed_store_is_missing_not_empty(store_url):
    store = new_store(store_url)
    store.destroy()
    with pytest.raises(StoreMissingError, match="is missing"):
        store.list_stacks()


def test_a_server_that_does_not_answer_is_named():
    store = RedisStore("redis://127.0.0.1:1/0?prefix=nowhere")
    with pytest.raises(StoreUnavailableError, match="Cannot reach Redis"):
        store.list_stacks()


def test_a_profile_on_redis_through_the_cli(zen, store_url):
    created = zen(f"profile create team --store-type redis --url {store_url}")
    assert created.exit_code == 0, created.output
    listed = json.loads(zen("stack list --profile team -o json").stdout)
    assert [s["name"] for s in listed] == ["default"]
    plugins = {p["name"]: p for p in json.loads(zen("plugins -o json").stdout)}
    assert plugins["redis_store"]["distribution"] == "zen-redis-store"
    assert plugins["redis_store"]["contributes"] == ["store type redis"]
    assert plugins["redis_store"]["problems"] == []
    RedisStore(store_url).destroy()
