"""The contract's tests of stacks: register, get, list, update, rename, delete."""

from __future__ import annotations

from zen_core.changes import StackChange
from zen_core.exceptions import (
    ComponentNotFoundError,
    StackExistsError,
    StackNotFoundError,
)
from zen_core.models import ComponentType, Stack
from zen_core.testing.helpers import (
    component,
    raises_named,
    register_stack_with_components,
)

T = ComponentType


def _shared_components() -> dict[ComponentType, str]:
    return {T.ORCHESTRATOR: "shared", T.METADATA_STORE: "shared", T.ARTIFACT_STORE: "shared"}


class StacksContract:
    """Stacks (needs fixture ``store``)."""

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

