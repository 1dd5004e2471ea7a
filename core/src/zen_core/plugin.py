"""Everything a zen plugin author imports, from one module (like ``tox.plugin``).

A plugin is a distribution whose module is registered in the ``zen`` entry point
group. That module implements the hooks of :mod:`zen_core.hookspecs` (each has a
complete example) with ``hookimpl``::

    # pyproject.toml
    [project]
    name = "zen-redis-store"
    dependencies = ["zen-core>=1.0,<2", "redis>=5"]

    [project.entry-points.zen]
    redis_store = "zen_redis_store.plugin"

    # src/zen_redis_store/plugin.py: imported on every command, so it stays light
    from zen_core.plugin import StoreType, hookimpl

    @hookimpl
    def zen_store_types():
        yield StoreType(name="redis", description="Stacks in a Redis database.",
                        store_class="zen_redis_store.store:RedisStore",
                        default_url=lambda profile_dir: "redis://127.0.0.1:6379/0")

**What you can add:** store types (:class:`StoreType`, a :class:`BaseStore`
subclass named by a lazy ``"module:Class"`` path), component flavors
(:class:`Flavor` with a :class:`FlavorConfig` model; :func:`SecretField` marks
the fields masked in every listing), secret back-ends (:class:`SecretBackend`),
commands (``zen_register_commands(cli)``), and rows of ``zenml status``
(:class:`StatusItem`).

**A store** subclasses :class:`BaseStore`: it is opened with its URL and a
:class:`StoreContext`, creates its storage in ``initialize()``, implements the
reads (``list_stacks``, ``get_stack``, ``list_components``, ``get_component``,
``list_secrets``, ``list_users``, ``list_teams``, ``list_role_assignments``,
``list_api_keys``, ``list_events``) and one write method, ``apply(writes, rules,
actor)``: the write records (:class:`RegisterComponent`, :class:`UpdateStack`,
:class:`CreateSecret`, :class:`CreateUser`... ``Write`` is their union) in order,
all or nothing, each merged into what is stored *inside* the store's lock or
transaction (``change.apply(current)``, ``record.stamped(current)`` for the
revision and times), ``rules`` (:class:`StoreRules`) run on the records as they
would be written, and the history event of each (:func:`event_for`) committed
with it. Errors are the classes below, built by the store's own helpers
(``self.stack_not_found(...)``, ``self.check_revision(...)``), so every store
says the same thing. A store that keeps each kind of record as a table of
``key -> record`` (a key-value database, one JSON document) leaves all of that to
:class:`TableTransaction`: it merges the writes into the tables in memory, and the
store commits ``changed`` and ``events`` at its one commit point; ``zenml plugin
init NAME --kind store`` writes such a store (one JSON file) to start from.

**Prove it** with the contract suite: in your tests, subclass
:class:`StoreContract` (imported from here, it brings pytest in only then; so do
its helpers :func:`open_store`, :func:`run_concurrently`, :func:`run_and_kill`,
and :func:`skip_or_fail` with :data:`REQUIRE_SERVERS` for a store on a server;
hooks are tested in-process with ``reset_plugin_manager(plugin_manager_with({...}))``)
and give it two fixtures, ``store`` (a fresh, empty, initialized store) and
``store_opener`` (how another process opens the same store: a picklable
zero-argument callable)::

    from functools import partial

    import pytest
    from zen_core.plugin import StoreContract
    from zen_redis_store.store import RedisStore

    class TestRedisStoreContract(StoreContract):
        @pytest.fixture
        def store(self):
            store = RedisStore("redis://127.0.0.1:6379/0?prefix=test-1")
            store.initialize()
            yield store
            store.close()

        @pytest.fixture
        def store_opener(self, store):
            return partial(RedisStore, store.url)

**Trouble is named, never fatal:** a hook that raises, a lazy path that does not
import, or a name another plugin also claims is a warning naming your plugin,
its distribution and version (``zenml plugins`` lists them); users can switch
a plugin off with ``ZENML_DISABLE_PLUGINS=name``. The worked example is
``examples/zen-redis-store`` in zen's repository; the guide is
``docs/plugins/guide.md``.

Names here are imported when first used, so ``from zen_core.plugin import
hookimpl`` costs nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from zen_core import hookimpl

#: Where each exported name lives (imported on first use: plugin modules load on every
#: command, and the contract suite needs pytest).
_EXPORTS: dict[str, tuple[str, ...]] = {
    "zen_core.records": ("StoreType",),
    "zen_core.hook_records": ("Flavor", "SecretBackend", "StatusItem", "StackView",
                              "StackCheck"),
    "zen_core.models": ("Component", "ComponentType", "Stack", "utc_now"),
    "zen_core.changes": ("ComponentChange", "StackChange"),
    "zen_core.secret_records": ("Secret", "SecretChange", "MAX_STORED_LENGTH"),
    "zen_core.accounts": ("User", "Team", "RoleAssignment", "ApiKey", "Event", "Standing"),
    "zen_core.store": ("BaseStore", "StoreContext", "StoreRules", "Batch", "Written",
                       "Reporter"),
    "zen_core.writes": (
        "Write", "RegisterComponent", "UpdateComponent", "DeleteComponent", "RegisterStack",
        "UpdateStack", "DeleteStack", "CreateSecret", "UpdateSecret", "DeleteSecret",
        "CreateUser", "DeleteUser", "CreateTeam", "DeleteTeam", "AddTeamMember",
        "RemoveTeamMember", "AssignRole", "RevokeRole", "CreateApiKey", "RevokeApiKey",
        "TouchApiKey", "AccountWrite", "ADMIN_REMOVALS", "may_remove_an_admin", "op_name"),
    "zen_core.history": ("event_for", "page_events"),
    "zen_core.tables": ("TableTransaction", "TABLES", "component_key", "role_key",
                        "api_key_key", "dangling_member"),
    "zen_core.flavors.base": ("FlavorConfig", "SecretField"),
    "zen_core.exceptions": (
        "ZenError", "NotFoundError", "StackNotFoundError", "ComponentNotFoundError",
        "UserNotFoundError", "TeamNotFoundError", "ApiKeyNotFoundError",
        "RoleAssignmentNotFoundError", "SecretNotFoundError", "AlreadyExistsError",
        "StackExistsError", "ComponentExistsError", "UserExistsError", "TeamExistsError",
        "ApiKeyExistsError", "RoleAssignmentExistsError", "SecretExistsError", "InUseError",
        "InvalidDataError", "DanglingReferenceError", "StackRuleError", "ConflictError",
        "NotPermittedError", "StoreUnavailableError", "StoreMissingError",
        "AuthenticationError", "PluginError"),
    "zen_core.testing.contract": ("StoreContract",),
    "zen_core.testing.processes": ("open_store", "run_concurrently", "run_and_kill"),
    "zen_core.testing.require": ("skip_or_fail", "REQUIRE_SERVERS"),
    "zen_core.plugins": ("plugin_manager_with", "reset_plugin_manager"),
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = ["hookimpl", *_WHERE]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'zen_core.plugin' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:  # what the names are, for type checkers and editors
    pass
