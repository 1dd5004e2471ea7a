"""The contract's tests of components: register, get, list, update, rename, delete."""

from __future__ import annotations

from zen_core.changes import ComponentChange, StackChange
from zen_core.exceptions import (
    ComponentExistsError,
    ComponentNotFoundError,
    InUseError,
)
from zen_core.models import Component, ComponentType, Stack
from zen_core.testing.helpers import (
    RICH_CONFIG,
    component,
    raises_named,
    register_stack_with_components,
)
from zen_core.writes import DeleteComponent, RegisterComponent, UpdateComponent

T = ComponentType


def _shared_components() -> dict[ComponentType, str]:
    return {T.ORCHESTRATOR: "shared", T.METADATA_STORE: "shared", T.ARTIFACT_STORE: "shared"}


class ComponentsContract:
    """Components (needs fixture ``store``)."""

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

    # --- a uuid is one component's identity in a store -------------------------------------
    def test_a_taken_uuid_is_refused_whatever_the_type(self, store):
        held = store.register_component(component(T.ORCHESTRATOR, "holder"))
        for ctype in (T.ORCHESTRATOR, T.ARTIFACT_STORE):
            with raises_named(ComponentExistsError, "holder") as info:
                store.register_component(
                    Component(ctype, "local", "twin", {}, uuid=held.uuid))
            assert held.uuid in str(info.value) and "orchestrator" in str(info.value)
            assert "\n" not in str(info.value)
        assert store.list_components() == [held]

    def test_a_batch_with_a_taken_uuid_writes_nothing(self, store):
        held = store.register_component(component(T.ORCHESTRATOR, "holder"))
        with raises_named(ComponentExistsError, "holder"):
            store.apply([RegisterComponent(component(T.ARTIFACT_STORE, "fine")),
                         RegisterComponent(Component(T.ARTIFACT_STORE, "local", "twin", {},
                                                     uuid=held.uuid))])
        shared = "0b6c2a56-3f1e-4d8a-9c0b-7e5f4a3b2c1d"
        with raises_named(ComponentExistsError, "first"):  # both new, in one batch
            store.apply([RegisterComponent(Component(T.ORCHESTRATOR, "local", "first", {},
                                                     uuid=shared)),
                         RegisterComponent(Component(T.ARTIFACT_STORE, "local", "second", {},
                                                     uuid=shared))])
        assert store.list_components() == [held]

    def test_a_uuid_is_free_again_once_its_component_is_deleted(self, store):
        held = store.register_component(component(T.ORCHESTRATOR, "holder"))
        # deleted and registered again in one batch (a re-created record keeps its uuid)
        _, again = store.apply([
            DeleteComponent(T.ORCHESTRATOR, "holder"),
            RegisterComponent(Component(T.ARTIFACT_STORE, "local", "again", {},
                                        uuid=held.uuid))])
        assert again.uuid == held.uuid
        assert store.get_component(T.ARTIFACT_STORE, "again").uuid == held.uuid
        store.delete_component(T.ARTIFACT_STORE, "again")
        store.register_component(Component(T.ORCHESTRATOR, "local", "third", {},
                                           uuid=held.uuid))
        assert [(c.name, c.uuid) for c in store.list_components()] == [("third", held.uuid)]

    def test_a_renamed_component_keeps_its_uuid_and_holds_it(self, store):
        held = store.register_component(component(T.ORCHESTRATOR, "holder"))
        [renamed, fresh] = store.apply([
            UpdateComponent(T.ORCHESTRATOR, "holder", ComponentChange(name="renamed")),
            RegisterComponent(component(T.ORCHESTRATOR, "holder"))])
        assert renamed.uuid == held.uuid and fresh.uuid != held.uuid
        with raises_named(ComponentExistsError, "renamed"):
            store.register_component(Component(T.ORCHESTRATOR, "local", "twin", {},
                                               uuid=held.uuid))

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

