"""The store contract suite: every store type re-runs these tests against itself.

A store distribution subclasses :class:`StoreContract` in a ``Test*`` class and
provides two fixtures::

    from functools import partial

    import pytest
    from zen_core.testing.contract import StoreContract
    from zen_local_store.store import LocalStore

    class TestLocalStoreContract(StoreContract):
        @pytest.fixture
        def store(self, tmp_path):
            store = LocalStore(f"file://{tmp_path}/store")
            store.initialize()
            yield store
            store.close()

        @pytest.fixture
        def store_opener(self, store):
            return partial(LocalStore, store.url)

``store``
    A fresh, initialized and EMPTY store instance.
``store_opener``
    How to open ANOTHER instance of the same store, in this process or in a
    child process started with ``multiprocessing``'s *spawn* method, so it must
    pickle. Either a zero-argument callable returning a ready-to-use store
    (``functools.partial(StoreClass, url)``), or a tuple
    ``("package.module:StoreClass", url)``. See :func:`open_store`. The
    instance it returns is used as is: ``initialize()`` is not called on it.

Sorting follows Python's ``sorted``: stacks by name; components by type in
:class:`ComponentType` order, then by name. The names used here are lowercase
letters and digits, so a database collation gives the same order.

The suite is in parts: stacks (:mod:`zen_core.testing.contract_stacks`), components
(:mod:`zen_core.testing.contract_components`), what is left here (a new store, the
default stack, the errors, several instances), contract v2's revisions,
conflicts, batches and rules (:mod:`zen_core.testing.contract_writes`), users,
teams, roles, keys and history (:mod:`zen_core.testing.contract_accounts`),
contract v3's secrets (:mod:`zen_core.testing.contract_secrets`) and labels
(:mod:`zen_core.testing.contract_labels`), several
processes at once (:mod:`zen_core.testing.contract_concurrency`), and a batch
whose writer is killed (:mod:`zen_core.testing.contract_kill`).
"""

from __future__ import annotations

import pytest

from zen_core.changes import ComponentChange, StackChange
from zen_core.defaults import default_stack_components
from zen_core.exceptions import (
    ComponentExistsError,
    ComponentNotFoundError,
    InUseError,
    StackExistsError,
    StackNotFoundError,
    ZenError,
)
from zen_core.models import ComponentType
from zen_core.testing.contract_accounts import AccountsContract
from zen_core.testing.contract_components import ComponentsContract
from zen_core.testing.contract_concurrency import ConcurrencyContract
from zen_core.testing.contract_kill import KillContract
from zen_core.testing.contract_labels import LabelsContract
from zen_core.testing.contract_secrets import SecretsContract
from zen_core.testing.contract_stacks import StacksContract
from zen_core.testing.contract_writes import WritesContract
from zen_core.testing.helpers import (
    RICH_CONFIG,
    component,
    raises_named,
    register_stack_with_components,
)
from zen_core.testing.processes import open_store, run_and_kill, run_concurrently

__all__ = [
    "RICH_CONFIG",
    "StoreContract",
    "component",
    "open_store",
    "raises_named",
    "register_stack_with_components",
    "run_and_kill",
    "run_concurrently",
]

T = ComponentType


def _shared_components() -> dict[ComponentType, str]:
    return {T.ORCHESTRATOR: "shared", T.METADATA_STORE: "shared", T.ARTIFACT_STORE: "shared"}


class StoreContract(StacksContract, ComponentsContract, WritesContract, AccountsContract,
                    SecretsContract, ConcurrencyContract, KillContract, LabelsContract):
    """The tests every store passes. Needs fixtures ``store`` and ``store_opener``."""

    @pytest.fixture(autouse=True)
    def _zen_config_of_its_own(self, zen_home):
        """Each test runs on a zen config folder, working folder and environment of its own
        (zen's pytest plugin), never the author's: the rules look up the plugins, and zen
        caches their discovery in the config folder."""
        return zen_home

    # --- a new store ------------------------------------------------------------
    def test_new_store_is_empty(self, store):
        assert store.list_stacks() == []
        assert store.list_components() == []
        for ctype in ComponentType:
            assert store.list_components(ctype) == []
        assert store.is_empty()
        assert store.stack_names() == []

    def test_initialize_is_idempotent(self, store):
        register_stack_with_components(store, "one")
        store.initialize()
        assert store.stack_names() == ["one"]
        assert len(store.list_components()) == 3

    # --- the default stack ----------------------------------------------------------
    def test_register_default_stack(self, store, tmp_path):
        components = default_stack_components(tmp_path)
        messages: list[str] = []
        store.register_default_stack(components, report=messages.append)
        stack = store.get_stack("default")
        assert stack.components == {
            T.ORCHESTRATOR: "default", T.METADATA_STORE: "default", T.ARTIFACT_STORE: "default"
        }
        for c in components:
            assert store.get_component(c.type, "default") == c
        assert store.stack_names() == ["default"]
        assert not store.is_empty()
        assert messages[-1] == "Registered stack with name 'default'."
        assert any("artifact_store" in m and "'default'" in m for m in messages)

    def test_register_default_stack_quietly(self, store, tmp_path):
        store.register_default_stack(default_stack_components(tmp_path))
        assert store.stack_names() == ["default"]
        assert len(store.list_components()) == 3

    # --- the errors -----------------------------------------------------------------
    def test_errors_are_zen_core_classes(self, store):
        register_stack_with_components(store, "s")
        cases = [
            (StackNotFoundError, lambda: store.get_stack("missing-stack"), "missing-stack"),
            (StackExistsError, lambda: store.register_stack(store.get_stack("s")), "s"),
            (ComponentNotFoundError,
             lambda: store.get_component(T.ORCHESTRATOR, "missing-c"), "missing-c"),
            (ComponentExistsError,
             lambda: store.register_component(component(T.ORCHESTRATOR, "s")), "s"),
            (InUseError, lambda: store.delete_component(T.ORCHESTRATOR, "s"), "s"),
        ]
        for error, call, name in cases:
            with pytest.raises(ZenError) as info:
                call()
            assert type(info.value) is error, f"{type(info.value)} is not {error}"
            assert type(info.value).__module__ == "zen_core.exceptions"
            assert info.value.message == str(info.value)
            assert f"'{name}'" in str(info.value)
        assert issubclass(StackNotFoundError, KeyError)
        assert issubclass(ComponentNotFoundError, KeyError)

    def test_not_found_messages_are_not_quoted_like_key_errors(self, store):
        with pytest.raises(KeyError) as info:
            store.get_stack("x")
        assert not str(info.value).startswith(('"', "'"))

    # --- several instances of one store ------------------------------------------------
    def test_another_instance_sees_stack_writes(self, store, store_opener):
        with open_store(store_opener) as other:
            assert other.list_stacks() == [] and store.is_empty() and other.is_empty()
            stack = register_stack_with_components(store, "from-first")
            assert other.get_stack("from-first") == stack
            assert not other.is_empty()

            stack2 = register_stack_with_components(other, "from-second")
            assert store.get_stack("from-second") == stack2
            assert store.stack_names() == ["from-first", "from-second"]

            # read, write through the other, read again through the first
            assert store.stack_names() == ["from-first", "from-second"]
            other.update_stack("from-first", StackChange(name="renamed"))
            assert store.stack_names() == ["from-second", "renamed"]
            store.update_stack("renamed", StackChange(set=stack2.components))
            assert other.get_stack("renamed").components == stack2.components
            other.delete_stack("renamed")
            with raises_named(StackNotFoundError, "renamed"):
                store.get_stack("renamed")
            store.delete_stack("from-second")
            assert other.list_stacks() == []
            assert other.is_empty()

    def test_another_instance_sees_component_writes(self, store, store_opener):
        with open_store(store_opener) as other:
            assert other.list_components() == []
            c = component(T.ORCHESTRATOR, "c", {"v": 1})
            store.register_component(c)
            assert other.get_component(T.ORCHESTRATOR, "c") == c
            assert other.list_components() == [c]

            other.update_component(T.ORCHESTRATOR, "c", ComponentChange(set={"v": 2}))
            assert store.get_component(T.ORCHESTRATOR, "c").config == {"v": 2}
            store.update_component(T.ORCHESTRATOR, "c", ComponentChange(set={"v": 3}))
            assert other.get_component(T.ORCHESTRATOR, "c").config == {"v": 3}

            other.update_component(T.ORCHESTRATOR, "c", ComponentChange(name="d"))
            with raises_named(ComponentNotFoundError, "c"):
                store.get_component(T.ORCHESTRATOR, "c")
            assert [x.name for x in store.list_components()] == ["d"]

            store.delete_component(T.ORCHESTRATOR, "d")
            assert other.list_components() == []
            with raises_named(ComponentNotFoundError, "d"):
                other.delete_component(T.ORCHESTRATOR, "d")

    def test_another_instance_errors_on_what_the_first_wrote(self, store, store_opener):
        with open_store(store_opener) as other:
            other.list_stacks()
            other.list_components()
            register_stack_with_components(store, "s")
            with raises_named(ComponentExistsError, "s"):
                other.register_component(component(T.ORCHESTRATOR, "s"))
            with raises_named(StackExistsError, "s"):
                other.register_stack(store.get_stack("s"))
            with raises_named(InUseError, "s"):
                other.delete_component(T.ARTIFACT_STORE, "s")

    def test_alternating_writers_never_read_stale(self, store, store_opener):
        with open_store(store_opener) as other:
            register_stack_with_components(store, "s", "a")
            register_stack_with_components(store, "t", "b")
            for i in range(60):
                writer, reader = (store, other) if i % 2 else (other, store)
                orchestrator = "ab"[i % 2]
                reader.get_stack("s")
                writer.update_stack("s", StackChange(set={T.ORCHESTRATOR: orchestrator}))
                # same-sized content, written right away, must still be seen
                assert reader.get_stack("s").components[T.ORCHESTRATOR] == orchestrator, i
                writer.update_component(T.ARTIFACT_STORE, "a", ComponentChange(set={"i": i % 10}))
                assert reader.get_component(T.ARTIFACT_STORE, "a").config == {"i": i % 10}
