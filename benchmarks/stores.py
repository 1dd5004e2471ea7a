"""The stores the benchmarks measure, built quickly through the Python API.

Every store is filled in one :meth:`BaseStore.batch` (one write of the whole
set, not 10,000 calls), with ``os.fsync`` switched off *in this process while
filling only*: the local store fsyncs every component file, which on this
machine's disk is ~7 ms each (70 s for 10,000) and is not what is measured.
What the measured subprocesses and API writes do is untouched.

The stress test's *store factories* are here too: a factory takes an empty work
folder and returns a :class:`StoreTarget` (a config directory whose active profile
uses the store under test, the environment for ``zenml`` subprocesses, a
long-lived store handle, and a way to open a fresh one). Adding a store type
means adding one factory to ``FACTORIES``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from zen_core.client import Client
from zen_core.models import Component, ComponentType, Stack
from zen_core.services import profiles
from zen_core.store import BaseStore

# --- config folders, store factories (the stress test's) --------------------------
PROFILE_NAME = "bench"


@dataclass
class StoreTarget:
    label: str
    config_dir: Path
    #: Environment and working folder for ``zenml`` subprocesses.
    env: dict[str, str]
    cwd: Path
    #: The long-lived handle used for the Python API measurements and filling.
    store: BaseStore
    #: A new handle on the same store each call (what a fresh process gets).
    open_store: Callable[[], BaseStore]
    close: Callable[[], None] = field(default=lambda: None)


StoreFactory = Callable[[Path], StoreTarget]


#: Dropped from the subprocesses' environment: with it, a module whose ``.pyc`` is
#: missing or stale is compiled again on every run (~0.5 s for ``zenml``), which is
#: not what an installed zen costs. The warm-up run writes the bytecode instead.
DROPPED_VARIABLES = ("PYTHONDONTWRITEBYTECODE",)


def subprocess_env(config_dir: Path) -> dict[str, str]:
    """This environment without ZENML_* settings, plus the benchmark's config folder."""
    env = {
        k: v for k, v in os.environ.items()
        if not k.startswith("ZENML_") and k not in DROPPED_VARIABLES
    }
    env["ZENML_CONFIG_PATH"] = str(config_dir)
    return env


def new_config(work: Path) -> tuple[Path, Path, Client]:
    """A fresh config folder (with its default profile), a neutral cwd, and a client."""
    config_dir = work / "config"
    cwd = work / "cwd"
    config_dir.mkdir(parents=True)
    cwd.mkdir(parents=True)
    return config_dir, cwd, Client(config_directory=config_dir, cwd=cwd).prepare()


def raw_store(client: Client, profile: str | None = None) -> BaseStore:
    """A profile's store below the door (default: the client's): what the benchmarks fill,
    and what the store rows time directly."""
    chosen = client.config.get_profile(profile) if profile else client.profile
    return profiles.open_store(client.config, chosen)


def active_bench_target(label: str, work: Path, client: Client, store_type: str,
                        url: str | None, close: Callable[[BaseStore], None]) -> StoreTarget:
    """Profile ``bench`` of ``store_type`` made globally active in ``client``'s config folder
    (``new_config(work)``), as a target; ``close`` gets its store when the target closes."""
    profile = client.create_profile(PROFILE_NAME, store_type=store_type, url=url)
    client.set_profile(PROFILE_NAME, global_=True)
    store = raw_store(client)
    config_dir = client.config.directory
    return StoreTarget(label=label, config_dir=config_dir, env=subprocess_env(config_dir),
                       cwd=work / "cwd", store=store,
                       open_store=lambda: profiles.open_store(client.config, profile),
                       close=lambda: close(store))


def profile_factory(
    store_type: str = "local", url: Callable[[Path], str] | str | None = None
) -> StoreFactory:
    """A factory creating profile ``bench`` of ``store_type``, globally active."""

    def make(work: Path) -> StoreTarget:
        _, _, client = new_config(work)
        return active_bench_target(f"{store_type} store", work, client, store_type,
                                   url(work) if callable(url) else url, BaseStore.close)

    return make


class Server:
    """A MySQL/MariaDB or PostgreSQL server (its admin URL) where the benchmarks make
    databases of their own and drop them again."""

    def __init__(self, url: str) -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url

        from zen_sql_store.urls import parse

        self.url = url
        self._make_url = make_url
        driver = parse(url).sqlalchemy_drivername()
        self.engine = create_engine(make_url(url).set(drivername=driver),
                                    isolation_level="AUTOCOMMIT",
                                    connect_args={"connect_timeout": 5})
        self.dialect = self.engine.dialect.name
        self.created: list[str] = []

    def check(self) -> None:
        from sqlalchemy import text

        with self.engine.connect() as c:
            c.execute(text("SELECT 1"))

    def create(self, name: str | None = None) -> str:
        """A new database ``name`` (default: a unique one); returns its URL."""
        import uuid

        from sqlalchemy import text

        name = name or f"zen_bench_{uuid.uuid4().hex[:8]}"
        with self.engine.connect() as c:
            c.execute(text(f"DROP DATABASE IF EXISTS {name}{self._force}"))
            c.execute(text(f"CREATE DATABASE {name}"))
        self.created.append(name)
        return self._make_url(self.url).set(database=name).render_as_string(hide_password=False)

    def drop(self, name: str) -> None:
        from sqlalchemy import text

        with self.engine.connect() as c:
            c.execute(text(f"DROP DATABASE IF EXISTS {name}{self._force}"))
        if name in self.created:
            self.created.remove(name)

    def close(self) -> None:
        for name in list(self.created):
            with contextlib.suppress(Exception):
                self.drop(name)
        self.engine.dispose()

    @property
    def _force(self) -> str:  # PostgreSQL refuses to drop a database still connected
        return " WITH (FORCE)" if self.dialect == "postgresql" else ""


def server_factory(variable: str) -> StoreFactory:
    """A sql profile on a new database of the server whose admin URL is in ``$variable``."""

    def make(work: Path) -> StoreTarget:
        server = Server(os.environ[variable])
        target = profile_factory("sql", url=server.create())(work)
        inner_close = target.close

        def close() -> None:
            inner_close()
            server.close()

        target.close = close
        target.label = f"sql store ({server.dialect})"
        return target

    return make


def rest_factory(served: str = "local") -> StoreFactory:
    """A ``rest`` profile ``bench`` (globally active) through a service on this machine
    serving a new ``served`` profile. Authentication is on: the profile finds the
    service's admin key in its state file and checks the service's identity first, as a
    rest profile for the local service does."""

    def make(work: Path) -> StoreTarget:
        from zen_service.manager import start_service, stop_service
        from zen_service.testing import free_port

        config_dir, _, client = new_config(work)
        client.create_profile("served", store_type=served)
        state, _ = start_service("served", port=free_port(), directory=config_dir)

        def close(store: BaseStore) -> None:
            store.close()
            stop_service(config_dir)

        try:
            return active_bench_target(
                f"rest store (a local service on a {served} profile)", work, client, "rest",
                f"http://127.0.0.1:{state.port}", close)
        except BaseException:
            stop_service(config_dir)
            raise

    return make


#: The targets the scaling benchmark knows (``--stores``); each needs its plugin
#: installed (``sql``: zen-sql-store with a SQLite file in the profile's folder;
#: the servers also need ``ZEN_TEST_MYSQL_URL`` / ``ZEN_TEST_POSTGRES_URL``).
FACTORIES: dict[str, StoreFactory] = {
    "local": profile_factory("local"),
    "sql": profile_factory("sql"),
    "sql-mysql": server_factory("ZEN_TEST_MYSQL_URL"),
    "sql-postgres": server_factory("ZEN_TEST_POSTGRES_URL"),
    "rest": rest_factory("local"),
}


def available_targets() -> list[str]:
    """The targets whose plugin is installed and whose server (if any) is configured."""
    import importlib.util

    names = ["local"]  # "rest" only when asked (--stores rest): filling it is slow
    if importlib.util.find_spec("zen_sql_store") is not None:
        names.append("sql")
        names += [n for n, v in (("sql-mysql", "ZEN_TEST_MYSQL_URL"),
                                 ("sql-postgres", "ZEN_TEST_POSTGRES_URL")) if os.environ.get(v)]
    return names


# --- the benchmarks' stores ---------------------------------------------------------
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


def sql_copy(config: Config, name: str = "sqlite", url: str | None = None) -> None:
    """Copy the default profile to a new ``sql`` profile ``name`` (a SQLite file in its
    folder, or the database at ``url``) and activate it globally."""
    from zen_core.services.transfer import copy_profile

    copy_profile(config.client.config, "default", name, "sql", url=url)
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
