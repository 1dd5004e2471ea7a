"""The stores the benchmarks measure, built quickly through the Python API.

Every store is filled in one :meth:`BaseStore.batch` (one write of the whole
set, not 10,000 calls), with ``os.fsync`` switched off *in this process while
filling only*: the local store fsyncs every component file, which on this
machine's disk is ~7 ms each (70 s for 10,000) and is not what is measured.
What the measured subprocesses and API writes do is untouched.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from targets import Server, new_config, raw_store, subprocess_env

from zen_core.client import Client
from zen_core.models import Component, ComponentType, Stack

T = ComponentType
DEFAULTS = {T.ORCHESTRATOR: "default", T.METADATA_STORE: "default",
            T.ARTIFACT_STORE: "default"}
#: The five component types of the big store's stacks, with a flavor each.
BIG_TYPES = {T.ORCHESTRATOR: "local", T.METADATA_STORE: "sqlite", T.ARTIFACT_STORE: "local",
             T.CONTAINER_REGISTRY: "default", T.STEP_OPERATOR: "sagemaker"}
POSTGRES_VARIABLE = "ZEN_BENCH_POSTGRES_URL"
POSTGRES_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"


@contextlib.contextmanager
def no_fsync() -> Iterator[None]:
    real = os.fsync
    os.fsync = lambda fd: None
    try:
        yield
    finally:
        os.fsync = real


@dataclass
class Config:
    """A config folder, the environment and cwd for ``zenml`` subprocesses, a client."""

    directory: Path
    cwd: Path
    client: Client

    @property
    def env(self) -> dict[str, str]:
        return subprocess_env(self.directory)


def new(work: Path) -> Config:
    directory, cwd, client = new_config(work)
    return Config(directory, cwd, client)


def check_size(config: Config, stacks: int | None = None, components: int | None = None,
               profile: str | None = None) -> None:
    client = config.client
    store = raw_store(client, profile)
    got_stacks, got_components = len(store.list_stacks()), len(store.list_components())
    store.close()
    if (stacks is not None and got_stacks != stacks) or (
            components is not None and got_components != components):
        raise RuntimeError(f"benchmark store holds {got_stacks} stacks and {got_components} "
                           f"components, expected {stacks} and {components}")


def with_stacks(work: Path, stacks: int) -> Config:
    """The default (local) profile with ``stacks`` stacks (the default one included), all
    of the three default components."""
    config = new(work)
    store = raw_store(config.client)
    with no_fsync(), store.batch() as batch:
        for i in range(stacks - len(store.stack_names())):
            batch.register_stack(Stack(f"stack-{i:03d}", DEFAULTS))
    check_size(config, stacks=stacks, components=3)
    return config


def with_components(work: Path, components: int) -> Config:
    """The default (local) profile with ``components`` components (orchestrators added)."""
    config = new(work)
    store = raw_store(config.client)
    with no_fsync(), store.batch() as batch:
        for i in range(components - len(store.list_components())):
            batch.register_component(Component(T.ORCHESTRATOR, "local", f"orch-{i:05d}"))
    check_size(config, stacks=1, components=components)
    return config


def big(work: Path, stacks: int = 2000, components: int = 10_000) -> Config:
    """The default (local) profile with exactly ``stacks`` stacks and ``components``
    components: the default stack, then stacks of five components of their own, then
    orchestrators up to the count. A second profile ``tiny`` (the default stack only) is
    what the copy benchmark's warm-up copies."""
    config = new(work)
    store = raw_store(config.client)
    count = len(store.list_components())
    with no_fsync(), store.batch() as batch:
        for i in range(stacks - 1):
            members = {}
            for ctype, flavor in BIG_TYPES.items():
                name = f"{ctype.value[:3]}-{i:04d}"
                batch.register_component(Component(ctype, flavor, name))
                members[ctype] = name
                count += 1
            batch.register_stack(Stack(f"stack-{i:04d}", members))
        for i in range(components - count):
            batch.register_component(Component(T.ORCHESTRATOR, "local", f"extra-{i:04d}"))
    check_size(config, stacks=stacks, components=components)
    with no_fsync():
        config.client.create_profile("tiny", store_type="local")
    return config


def sqlite_copy(config: Config, name: str = "sqlite") -> None:
    """Copy the default profile to a new SQLite profile ``name`` and activate it globally."""
    from zen_core.services.transfer import copy_profile

    copy_profile(config.client.config, "default", name, "sql")
    config.client.set_profile(name, global_=True)


# --- PostgreSQL ----------------------------------------------------------------------
def postgres() -> tuple[Server | None, str]:
    """The benchmark's PostgreSQL server, or None and why it cannot be used here."""
    import importlib.util

    url = os.environ.get(POSTGRES_VARIABLE) or POSTGRES_DEFAULT
    if importlib.util.find_spec("zen_sql_store") is None:
        return None, "zen-sql-store is not installed"
    try:
        server = Server(url)
        server.check()
    except Exception as err:  # any reason: not installed, refused, bad URL, auth
        from zen_core.masking import mask_url

        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        return None, f"PostgreSQL at {mask_url(url)} unreachable ({first[:160]})"
    return server, url
