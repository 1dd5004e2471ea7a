"""Registers the ``redis`` store type. Imported on every ``zenml`` command: it imports
neither redis nor the store (the lazy ``"module:Class"`` path does, when a profile uses it)."""

from __future__ import annotations

from pathlib import Path

from zen_core.plugin import StoreType, hookimpl
from zen_redis_store.urls import check_url


def default_url(profile_dir: Path) -> str:
    """A profile created without ``--url``: the local Redis, under the profile's name."""
    return f"redis://127.0.0.1:6379/0?prefix=zen-{profile_dir.name}"


@hookimpl
def zen_store_types():
    yield StoreType(
        name="redis",
        description="A Redis database (records under a key prefix; redis://host:port/db?prefix=P).",
        store_class="zen_redis_store.store:RedisStore",
        default_url=default_url,
        check_url=check_url,
    )
