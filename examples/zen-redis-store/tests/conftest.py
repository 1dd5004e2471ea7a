"""A Redis server for the tests, and a key prefix of this run's own.

The server is ``$ZEN_TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``). Without
one the tests skip and say why; with ``ZEN_REQUIRE_SERVERS=1`` (CI) they fail instead.
Every store of the run lives under ``zen-test-<random>-<n>:``; the run deletes every key
under ``zen-test-<random>`` when it ends.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator

import pytest

from zen_core.plugin import REQUIRE_SERVERS, skip_or_fail

DEFAULT_URL = "redis://127.0.0.1:6379/0"


def server_url() -> str:
    return os.environ.get("ZEN_TEST_REDIS_URL", "").strip() or DEFAULT_URL


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """The server's URL, once it answered a PING; this run's keys are deleted at the end."""
    import redis

    url = server_url()
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as err:
        skip_or_fail(f"no Redis server at {url} ({err})", REQUIRE_SERVERS)
    run = f"zen-test-{uuid.uuid4().hex[:12]}"
    yield f"{url}?prefix={run}"
    keys = list(client.scan_iter(match=f"{run}*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


_numbers = itertools.count(1)


@pytest.fixture
def store_url(redis_url: str) -> str:
    """A URL of a store no test used before (a prefix of its own under the run's)."""
    return f"{redis_url}-{next(_numbers)}"


@pytest.fixture(autouse=True)
def _isolated_zen(zen_home):
    """Every test on its own zen config folder (zen's pytest plugin), never the person's."""
    yield zen_home
