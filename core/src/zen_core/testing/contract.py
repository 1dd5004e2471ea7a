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

The suite is four parts: the operations (here), contract v2's revisions,
conflicts, batches and rules (:mod:`zen_core.testing.contract_writes`), users,
teams, roles, keys and history (:mod:`zen_core.testing.contract_accounts`), and
several processes at once (:mod:`zen_core.testing.contract_concurrency`).
"""

from __future__ import annotations

import pytest

from zen_core.defaults import default_stack_components
from zen_core.exceptions import (
    ComponentExistsError,
    ComponentNotFoundError,
    InUseError,
    StackExistsError,
    StackNotFoundError,
    ZenError,
)
from zen_core.models import Component, ComponentChange, ComponentType, Stack, StackChange
from zen_core.testing.contract_accounts import AccountsContract
from zen_core.testing.contract_concurrency import ConcurrencyContract
from zen_core.testing.contract_writes import WritesContract
from zen_core.testing.helpers import (
    RICH_CONFIG,
    component,
    raises_named,
    register_stack_with_components,
)
from zen_core.testing.processes import open_store, run_concurrently

__all__ = [
    "RICH_CONFIG",
    "StoreContract",
    "component",
    "open_store",
    "raises_named",
    "register_stack_with_components",
    "run_concurrently",
]

T = ComponentType


def _shared_components() -> dict[ComponentType, str]:
    return {T.ORCHESTRATOR: "shared", T.METADATA_STORE: "shared", T.ARTIFACT_STORE: "shared"}


class StoreContract(WritesContract, AccountsContract, ConcurrencyContract):
    """The tests every store passes. Needs fixtures ``store`` and ``store_opener``."""

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

    # --- stacks -----------------------------------------------------------------
    def test_register_and_get_stack(self, store):
        stack = register_stack_with_components(store, "first")
        got = store.get_stack("first")
        assert got == stack
        assert isinstance(got, Stack)
        assert got.components == {
            T.ORCHESTRATOR: "first", T.METADATA_STORE: "first", T.ARTIFACT_STORE: "first"
        }
        assert store.list_stacks() == [stack]
        assert store.stack_names() == ["first"]

    def test_stack_with_optional_components(self, store):
        stack = register_stack_with_components(
            store, "full", None, T.CONTAINER_REGISTRY, T.SECRETS_MANAGER, T.STEP_OPERATOR,
            T.FEATURE_STORE, T.MODEL_DEPLOYER, T.EXPERIMENT_TRACKER,
        )
        assert store.get_stack("full") == stack
        assert set(store.get_stack("full").components) == set(ComponentType)

    def test_list_stacks_sorted_by_name(self, store):
        for ctype in (T.ORCHESTRATOR, T.METADATA_STORE, T.ARTIFACT_STORE):
            store.register_component(component(ctype, "c"))
        for name in ("delta", "alpha", "charlie", "bravo"):
            store.register_stack(Stack(name, {t: "c" for t in _shared_components()}))
        assert [s.name for s in store.list_stacks()] == ["alpha", "bravo", "charlie", "delta"]
        assert store.stack_names() == ["alpha", "bravo", "charlie", "delta"]

    def test_stacks_share_components(self, store):
        register_stack_with_components(store, "one")
        store.register_stack(Stack("two", store.get_stack("one").components))
        assert store.get_stack("two").components == store.get_stack("one").components
        assert store.stacks_using(T.ORCHESTRATOR, "one") == ["one", "two"]
        assert store.stacks_using(T.ORCHESTRATOR, "nothing") == []

    def test_register_stack_taken_name(self, store):
        stack = register_stack_with_components(store, "taken")
        store.register_component(component(T.ORCHESTRATOR, "other"))
        with raises_named(StackExistsError, "taken"):
            store.register_stack(Stack("taken", {**stack.components, T.ORCHESTRATOR: "other"}))
        assert store.get_stack("taken") == stack
        assert store.stack_names() == ["taken"]

    def test_register_stack_with_unknown_component(self, store):
        register_stack_with_components(store, "base")
        components = {**store.get_stack("base").components, T.ARTIFACT_STORE: "ghost"}
        with raises_named(ComponentNotFoundError, "ghost"):
            store.register_stack(Stack("new", components))
        assert store.stack_names() == ["base"]

    def test_register_stack_with_component_of_another_type(self, store):
        register_stack_with_components(store, "base")
        store.register_component(component(T.ORCHESTRATOR, "orch-only"))
        components = {**store.get_stack("base").components, T.ARTIFACT_STORE: "orch-only"}
        with raises_named(ComponentNotFoundError, "orch-only"):
            store.register_stack(Stack("new", components))
        with raises_named(ComponentNotFoundError, "base"):
            store.register_stack(Stack("new2", {T.CONTAINER_REGISTRY: "base"}))
        assert store.stack_names() == ["base"]

    def test_get_missing_stack(self, store):
        with raises_named(StackNotFoundError, "nowhere") as info:
            store.get_stack("nowhere")
        assert isinstance(info.value, KeyError)
        register_stack_with_components(store, "somewhere")
        with raises_named(StackNotFoundError, "nowhere"):
            store.get_stack("nowhere")

    def test_update_stack_replaces_components(self, store):
        register_stack_with_components(store, "s")
        store.register_component(component(T.ORCHESTRATOR, "kf", flavor="kubeflow"))
        store.register_component(component(T.CONTAINER_REGISTRY, "reg"))
        new = Stack("s", {**store.get_stack("s").components,
                          T.ORCHESTRATOR: "kf", T.CONTAINER_REGISTRY: "reg"})
        written = store.update_stack(
            "s", StackChange(set={T.ORCHESTRATOR: "kf", T.CONTAINER_REGISTRY: "reg"}))
        assert written == new
        assert store.get_stack("s") == new
        # ...and dropping an optional component
        smaller = Stack("s", {t: n for t, n in new.components.items()
                              if t is not T.CONTAINER_REGISTRY})
        assert store.update_stack("s", StackChange(remove=[T.CONTAINER_REGISTRY])) == smaller
        assert store.get_stack("s") == smaller
        assert store.stack_names() == ["s"]
        # components are untouched by stack updates
        assert {c.name for c in store.list_components(T.ORCHESTRATOR)} == {"kf", "s"}
        assert [c.name for c in store.list_components(T.CONTAINER_REGISTRY)] == ["reg"]

    def test_update_stack_rename(self, store):
        stack = register_stack_with_components(store, "old")
        register_stack_with_components(store, "bystander")
        store.update_stack("old", StackChange(name="new"))
        assert store.get_stack("new") == Stack("new", stack.components)
        with raises_named(StackNotFoundError, "old"):
            store.get_stack("old")
        assert store.stack_names() == ["bystander", "new"]

    def test_update_stack_rename_and_replace_components(self, store):
        register_stack_with_components(store, "old")
        register_stack_with_components(store, "other")
        components = {**store.get_stack("old").components, T.ORCHESTRATOR: "other"}
        store.update_stack("old", StackChange(set={T.ORCHESTRATOR: "other"}, name="renamed"))
        assert store.get_stack("renamed").components == components
        assert store.stack_names() == ["other", "renamed"]

    def test_update_stack_rename_onto_existing_name(self, store):
        first = register_stack_with_components(store, "first")
        second = register_stack_with_components(store, "second")
        with raises_named(StackExistsError, "second"):
            store.update_stack("first", StackChange(name="second"))
        assert store.get_stack("first") == first
        assert store.get_stack("second") == second

    def test_update_missing_stack(self, store):
        stack = register_stack_with_components(store, "present")
        with raises_named(StackNotFoundError, "absent") as info:
            store.update_stack("absent", StackChange(set=stack.components))
        assert isinstance(info.value, KeyError)
        assert store.stack_names() == ["present"]

    def test_update_stack_with_unknown_component(self, store):
        stack = register_stack_with_components(store, "s")
        with raises_named(ComponentNotFoundError, "ghost"):
            store.update_stack("s", StackChange(set={T.METADATA_STORE: "ghost"}))
        with raises_named(ComponentNotFoundError, "ghost"):
            store.update_stack("s", StackChange(set={T.CONTAINER_REGISTRY: "ghost"}, name="t"))
        assert store.get_stack("s") == stack
        assert store.stack_names() == ["s"]

    def test_delete_stack_keeps_components(self, store):
        register_stack_with_components(store, "doomed")
        kept = register_stack_with_components(store, "kept")
        before = store.list_components()
        store.delete_stack("doomed")
        with raises_named(StackNotFoundError, "doomed"):
            store.get_stack("doomed")
        assert store.list_stacks() == [kept]
        assert store.list_components() == before

    def test_delete_missing_stack(self, store):
        register_stack_with_components(store, "present")
        with raises_named(StackNotFoundError, "absent") as info:
            store.delete_stack("absent")
        assert isinstance(info.value, KeyError)
        assert store.stack_names() == ["present"]

    def test_delete_stack_twice(self, store):
        register_stack_with_components(store, "once")
        store.delete_stack("once")
        with raises_named(StackNotFoundError, "once"):
            store.delete_stack("once")

    def test_reregister_deleted_stack(self, store):
        stack = register_stack_with_components(store, "again")
        store.delete_stack("again")
        store.register_stack(stack)
        assert store.get_stack("again") == stack

    def test_is_empty_follows_stacks(self, store):
        store.register_component(component(T.ORCHESTRATOR, "lonely"))
        assert store.is_empty()  # components alone do not make a store non-empty
        register_stack_with_components(store, "s")
        assert not store.is_empty()
        store.delete_stack("s")
        assert store.is_empty()

    # --- components ------------------------------------------------------------------
    def test_register_and_get_component(self, store):
        orch = component(T.ORCHESTRATOR, "kf", {"kubernetes_context": "ctx"}, flavor="kubeflow")
        store.register_component(orch)
        got = store.get_component(T.ORCHESTRATOR, "kf")
        assert isinstance(got, Component)
        assert got == orch
        assert (got.type, got.flavor, got.name, got.uuid) == (
            T.ORCHESTRATOR, "kubeflow", "kf", orch.uuid
        )
        assert store.list_components() == [orch]

    def test_every_component_type(self, store):
        registered = [component(ctype, f"{ctype.value.replace('_', '')}1") for ctype in T]
        for c in reversed(registered):
            store.register_component(c)
        for c in registered:
            assert store.get_component(c.type, c.name) == c
            assert store.list_components(c.type) == [c]
        assert store.list_components() == registered

    def test_list_components_sorted_by_type_then_name(self, store):
        names = ["delta", "alpha", "charlie", "bravo"]
        types = [T.EXPERIMENT_TRACKER, T.ARTIFACT_STORE, T.CONTAINER_REGISTRY, T.ORCHESTRATOR]
        for ctype in types:
            for name in names:
                store.register_component(component(ctype, name))
        listed = [(c.type, c.name) for c in store.list_components()]
        order = list(ComponentType)
        assert listed == sorted(listed, key=lambda tn: (order.index(tn[0]), tn[1]))
        assert len(listed) == 16
        for ctype in types:
            assert [c.name for c in store.list_components(ctype)] == sorted(names)
            assert {c.type for c in store.list_components(ctype)} == {ctype}
        assert store.list_components(T.STEP_OPERATOR) == []

    def test_get_missing_component(self, store):
        with raises_named(ComponentNotFoundError, "nope") as info:
            store.get_component(T.ORCHESTRATOR, "nope")
        assert isinstance(info.value, KeyError)
        store.register_component(component(T.ARTIFACT_STORE, "only-artifacts"))
        with raises_named(ComponentNotFoundError, "only-artifacts"):
            store.get_component(T.ORCHESTRATOR, "only-artifacts")

    def test_register_duplicate_component(self, store):
        original = component(T.ORCHESTRATOR, "dup", {"version": 1})
        store.register_component(original)
        with raises_named(ComponentExistsError, "dup"):
            store.register_component(component(T.ORCHESTRATOR, "dup", {"version": 2}, "airflow"))
        assert store.get_component(T.ORCHESTRATOR, "dup") == original
        assert store.list_components() == [original]

    def test_same_name_different_types(self, store):
        orch = component(T.ORCHESTRATOR, "same", {"kind": "orchestrator"})
        art = component(T.ARTIFACT_STORE, "same", {"kind": "artifact"})
        store.register_component(orch)
        store.register_component(art)
        assert store.get_component(T.ORCHESTRATOR, "same") == orch
        assert store.get_component(T.ARTIFACT_STORE, "same") == art
        assert store.list_components() == [orch, art]

    def test_config_round_trips_exactly(self, store):
        original = component(T.ARTIFACT_STORE, "rich", RICH_CONFIG)
        store.register_component(original)
        got = store.get_component(T.ARTIFACT_STORE, "rich")
        assert got.config == RICH_CONFIG
        for key, value in RICH_CONFIG.items():
            assert type(got.config[key]) is type(value), key
        assert store.list_components(T.ARTIFACT_STORE)[0].config == RICH_CONFIG

    def test_empty_config(self, store):
        store.register_component(component(T.ORCHESTRATOR, "bare"))
        assert store.get_component(T.ORCHESTRATOR, "bare").config == {}

    def test_uuid_is_preserved(self, store):
        given = "1f0e3d6c-9a2b-4c5d-8e7f-0a1b2c3d4e5f"
        store.register_component(
            Component(T.METADATA_STORE, "sqlite", "meta", {"uri": "/x.db"}, uuid=given)
        )
        store.register_component(component(T.ORCHESTRATOR, "generated"))
        assert store.get_component(T.METADATA_STORE, "meta").uuid == given
        generated = store.get_component(T.ORCHESTRATOR, "generated").uuid
        assert generated and generated != given
        assert store.get_component(T.ORCHESTRATOR, "generated").uuid == generated

    def test_update_component_config(self, store):
        register_stack_with_components(store, "s")
        before = store.get_component(T.ARTIFACT_STORE, "s")
        bystander = store.get_component(T.ORCHESTRATOR, "s")
        changed = Component(T.ARTIFACT_STORE, "local", "s", {"path": "/new", "n": 2},
                            uuid=before.uuid)
        written = store.update_component(
            T.ARTIFACT_STORE, "s", ComponentChange(set={"path": "/new", "n": 2}))
        assert written == changed
        got = store.get_component(T.ARTIFACT_STORE, "s")
        assert got == changed
        assert got.uuid == before.uuid
        # keys can be dropped and changed at once, the others stay
        store.update_component(T.ARTIFACT_STORE, "s",
                               ComponentChange(set={"n": 3}, unset=["path"]))
        assert store.get_component(T.ARTIFACT_STORE, "s").config == {"n": 3}
        # unsetting a key that is not there is no error
        store.update_component(T.ARTIFACT_STORE, "s", ComponentChange(unset=["absent"]))
        assert store.get_component(T.ARTIFACT_STORE, "s").config == {"n": 3}
        assert store.get_component(T.ORCHESTRATOR, "s") == bystander
        assert store.get_stack("s").components[T.ARTIFACT_STORE] == "s"

    def test_update_component_flavor(self, store):
        original = component(T.ARTIFACT_STORE, "bucket", {"path": "/local"})
        store.register_component(original)
        s3 = Component(T.ARTIFACT_STORE, "s3", "bucket", {"path": "s3://b"}, uuid=original.uuid)
        store.update_component(T.ARTIFACT_STORE, "bucket",
                               ComponentChange(flavor="s3", set={"path": "s3://b"}))
        assert store.get_component(T.ARTIFACT_STORE, "bucket") == s3

    def test_update_missing_component(self, store):
        store.register_component(component(T.ARTIFACT_STORE, "ghost"))
        with raises_named(ComponentNotFoundError, "ghost") as info:
            store.update_component(T.ORCHESTRATOR, "ghost", ComponentChange(set={"a": 1}))
        assert isinstance(info.value, KeyError)
        assert store.list_components(T.ORCHESTRATOR) == []

    def test_rename_component_stacks_follow(self, store):
        register_stack_with_components(store, "one", "c")
        store.register_stack(Stack("two", store.get_stack("one").components))
        register_stack_with_components(store, "other")
        old = store.get_component(T.ORCHESTRATOR, "c")
        renamed = Component(T.ORCHESTRATOR, old.flavor, "c2", {"k": "v"}, uuid=old.uuid)
        store.update_component(T.ORCHESTRATOR, "c", ComponentChange(name="c2", set={"k": "v"}))

        assert store.get_component(T.ORCHESTRATOR, "c2") == renamed
        with raises_named(ComponentNotFoundError, "c"):
            store.get_component(T.ORCHESTRATOR, "c")
        assert [c.name for c in store.list_components(T.ORCHESTRATOR)] == ["c2", "other"]
        for name in ("one", "two"):
            assert store.get_stack(name).components == {
                T.ORCHESTRATOR: "c2", T.METADATA_STORE: "c", T.ARTIFACT_STORE: "c"
            }
        assert store.get_stack("other").components[T.ORCHESTRATOR] == "other"
        # the same-named components of other types keep their name
        assert store.get_component(T.METADATA_STORE, "c").name == "c"
        assert store.stacks_using(T.ORCHESTRATOR, "c2") == ["one", "two"]
        assert store.stacks_using(T.ORCHESTRATOR, "c") == []
        # the old name is free again
        store.register_component(component(T.ORCHESTRATOR, "c"))
        assert store.get_component(T.ORCHESTRATOR, "c").config == {}
        assert store.get_component(T.ORCHESTRATOR, "c2") == renamed

    def test_rename_component_onto_existing_name(self, store):
        stack = register_stack_with_components(store, "s", "a")
        a = store.get_component(T.ORCHESTRATOR, "a")
        b = component(T.ORCHESTRATOR, "b", {"b": True})
        store.register_component(b)
        with raises_named(ComponentExistsError, "b"):
            store.update_component(T.ORCHESTRATOR, "a",
                                   ComponentChange(name="b", set={"replaced": True}))
        assert store.get_component(T.ORCHESTRATOR, "a") == a
        assert store.get_component(T.ORCHESTRATOR, "b") == b
        assert store.get_stack("s") == stack

    def test_rename_component_onto_name_of_another_type(self, store):
        store.register_component(component(T.ORCHESTRATOR, "a"))
        store.register_component(component(T.ARTIFACT_STORE, "b"))
        store.update_component(T.ORCHESTRATOR, "a", ComponentChange(name="b"))
        assert [c.name for c in store.list_components(T.ORCHESTRATOR)] == ["b"]
        assert [c.name for c in store.list_components(T.ARTIFACT_STORE)] == ["b"]

    def test_delete_component(self, store):
        store.register_component(component(T.ORCHESTRATOR, "gone"))
        kept = component(T.ARTIFACT_STORE, "gone")
        store.register_component(kept)
        store.delete_component(T.ORCHESTRATOR, "gone")
        with raises_named(ComponentNotFoundError, "gone"):
            store.get_component(T.ORCHESTRATOR, "gone")
        assert store.list_components() == [kept]
        # the name can be used again
        store.register_component(component(T.ORCHESTRATOR, "gone", {"second": True}))
        assert store.get_component(T.ORCHESTRATOR, "gone").config == {"second": True}

    def test_delete_missing_component(self, store):
        store.register_component(component(T.ARTIFACT_STORE, "elsewhere"))
        with raises_named(ComponentNotFoundError, "elsewhere") as info:
            store.delete_component(T.ORCHESTRATOR, "elsewhere")
        assert isinstance(info.value, KeyError)
        assert len(store.list_components()) == 1

    def test_delete_component_in_use(self, store):
        register_stack_with_components(store, "user-a", "busy")
        store.register_stack(Stack("user-b", store.get_stack("user-a").components))
        before = store.get_component(T.METADATA_STORE, "busy")
        with raises_named(InUseError, "busy", "user-a", "user-b"):
            store.delete_component(T.METADATA_STORE, "busy")
        assert store.get_component(T.METADATA_STORE, "busy") == before
        store.delete_stack("user-a")
        with raises_named(InUseError, "busy", "user-b"):
            store.delete_component(T.METADATA_STORE, "busy")
        store.delete_stack("user-b")
        store.delete_component(T.METADATA_STORE, "busy")
        with raises_named(ComponentNotFoundError, "busy"):
            store.get_component(T.METADATA_STORE, "busy")
        assert [c.type for c in store.list_components()] == [T.ORCHESTRATOR, T.ARTIFACT_STORE]

    def test_delete_optional_component_in_use(self, store):
        register_stack_with_components(store, "s", None, T.CONTAINER_REGISTRY)
        with raises_named(InUseError, "s"):
            store.delete_component(T.CONTAINER_REGISTRY, "s")
        store.update_stack("s", StackChange(remove=[T.CONTAINER_REGISTRY]))
        store.delete_component(T.CONTAINER_REGISTRY, "s")
        assert store.list_components(T.CONTAINER_REGISTRY) == []

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
