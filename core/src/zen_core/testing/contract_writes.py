"""The contract's tests of store contract v2: revisions, conflicts, batches and rules."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from zen_core.changes import ComponentChange, StackChange
from zen_core.exceptions import (
    ComponentNotFoundError,
    ConflictError,
    InvalidDataError,
    StackExistsError,
)
from zen_core.models import Component, ComponentType, Stack
from zen_core.testing.helpers import (
    RecordingRules,
    component,
    raises_named,
    register_stack_with_components,
)
from zen_core.writes import RegisterComponent, RegisterStack, UpdateComponent

T = ComponentType


def _age_seconds(stamp: str | None) -> float:
    """How long ago a store's UTC timestamp was; fails on anything but ISO 8601 with a zone."""
    assert isinstance(stamp, str), stamp
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    assert moment.utcoffset() is not None and moment.utcoffset().total_seconds() == 0, stamp
    return (datetime.now(timezone.utc) - moment).total_seconds()


class WritesContract:
    """Store contract v2 (needs fixture ``store``)."""

    # --- revisions and times ----------------------------------------------------------
    def test_registered_records_start_at_revision_one(self, store):
        written = store.register_component(component(T.ORCHESTRATOR, "o"))
        assert written.revision == 1
        assert -5 < _age_seconds(written.created) < 60
        assert written.updated == written.created
        got = store.get_component(T.ORCHESTRATOR, "o")
        assert (got.revision, got.created, got.updated) == (1, written.created, written.updated)
        stack = register_stack_with_components(store, "s")
        got_stack = store.get_stack("s")
        assert got_stack == stack and got_stack.revision == 1
        assert -5 < _age_seconds(got_stack.created) < 60
        assert [s.revision for s in store.list_stacks()] == [1]
        assert {c.revision for c in store.list_components()} == {1}

    def test_every_write_bumps_the_revision(self, store):
        register_stack_with_components(store, "s")
        first = store.get_component(T.ORCHESTRATOR, "s")
        second = store.update_component(T.ORCHESTRATOR, "s", ComponentChange(set={"a": 1}))
        assert second.revision == 2
        assert second.created == first.created
        assert second.updated >= first.updated
        assert store.get_component(T.ORCHESTRATOR, "s").revision == 2
        third = store.update_component(T.ORCHESTRATOR, "s", ComponentChange(name="t"))
        assert third.revision == 3 and third.created == first.created
        assert store.get_component(T.ORCHESTRATOR, "t").revision == 3
        # the stack using it follows the rename, and so gets a new revision
        stack = store.get_stack("s")
        assert stack.components[T.ORCHESTRATOR] == "t" and stack.revision == 2
        renamed = store.update_stack("s", StackChange(name="u"))
        assert renamed.revision == 3 and renamed.created == stack.created
        assert store.get_stack("u").revision == 3

    def test_a_config_update_leaves_stacks_at_their_revision(self, store):
        register_stack_with_components(store, "s")
        store.update_component(T.ARTIFACT_STORE, "s", ComponentChange(set={"path": "/p"}))
        assert store.get_stack("s").revision == 1

    # --- conflicts ----------------------------------------------------------------------
    def test_update_with_the_expected_revision(self, store):
        register_stack_with_components(store, "s")
        ok = store.update_component(T.ORCHESTRATOR, "s",
                                    ComponentChange(set={"a": 1}, expected_revision=1))
        assert ok.revision == 2
        with raises_named(ConflictError, "s") as info:
            store.update_component(T.ORCHESTRATOR, "s",
                                   ComponentChange(set={"a": 2}, expected_revision=1))
        assert "revision 2" in str(info.value) and "revision 1" in str(info.value)
        assert store.get_component(T.ORCHESTRATOR, "s").config == {"a": 1}
        assert store.update_stack("s", StackChange(name="s2", expected_revision=1)).revision == 2
        with raises_named(ConflictError, "s2"):
            store.update_stack("s2", StackChange(name="s3", expected_revision=1))
        assert store.stack_names() == ["s2"]

    def test_delete_with_the_expected_revision(self, store):
        register_stack_with_components(store, "s")
        # a write that changes nothing but the revision (the domain refuses a rename onto
        # the same name, and the rest store goes through the domain)
        store.update_stack("s", StackChange(set={T.ORCHESTRATOR: "s"}))
        with raises_named(ConflictError, "s"):
            store.delete_stack("s", expected_revision=1)
        assert store.stack_names() == ["s"]
        store.delete_stack("s", expected_revision=2)
        assert store.stack_names() == []
        with raises_named(ConflictError, "s"):
            store.delete_component(T.ORCHESTRATOR, "s", expected_revision=7)
        store.delete_component(T.ORCHESTRATOR, "s", expected_revision=1)
        assert [c.type for c in store.list_components()] == [T.METADATA_STORE, T.ARTIFACT_STORE]

    # --- batches -------------------------------------------------------------------------
    def test_a_batch_applies_every_write(self, store):
        with store.batch() as batch:
            for ctype in (T.ORCHESTRATOR, T.METADATA_STORE, T.ARTIFACT_STORE):
                batch.register_component(component(ctype, "b"))
            batch.register_stack(Stack("b", {t: "b" for t in (
                T.ORCHESTRATOR, T.METADATA_STORE, T.ARTIFACT_STORE)}))
            # nothing is written before the block ends
            assert store.stack_names() == []
        assert store.stack_names() == ["b"]
        assert len(store.list_components()) == 3

    def test_writes_of_a_batch_see_the_ones_before(self, store):
        written = store.apply([
            RegisterComponent(component(T.ORCHESTRATOR, "o", {"v": 1})),
            UpdateComponent(T.ORCHESTRATOR, "o", ComponentChange(set={"v": 2})),
            RegisterComponent(component(T.METADATA_STORE, "m")),
            RegisterComponent(component(T.ARTIFACT_STORE, "a")),
            RegisterStack(Stack("s", {T.ORCHESTRATOR: "o", T.METADATA_STORE: "m",
                                      T.ARTIFACT_STORE: "a"})),
            UpdateComponent(T.ORCHESTRATOR, "o", ComponentChange(name="o2")),
        ])
        assert [w.revision for w in written] == [1, 2, 1, 1, 1, 3]
        assert isinstance(written[4], Stack) and isinstance(written[5], Component)
        assert store.get_component(T.ORCHESTRATOR, "o2").config == {"v": 2}
        assert store.get_stack("s").components[T.ORCHESTRATOR] == "o2"

    def test_a_failing_batch_writes_nothing(self, store):
        before = register_stack_with_components(store, "kept")
        with raises_named(ComponentNotFoundError, "ghost"), store.batch() as batch:
            batch.register_component(component(T.ORCHESTRATOR, "new"))
            batch.update_component(T.ARTIFACT_STORE, "kept", ComponentChange(set={"x": 1}))
            batch.update_stack("kept", StackChange(name="renamed"))
            batch.register_stack(Stack("broken", {T.ORCHESTRATOR: "ghost"}))
        assert store.list_stacks() == [before]
        assert store.get_stack("kept").revision == 1
        assert [c.name for c in store.list_components(T.ORCHESTRATOR)] == ["kept"]
        assert store.get_component(T.ARTIFACT_STORE, "kept").config == {}

    def test_a_batch_whose_block_raises_writes_nothing(self, store):
        with pytest.raises(RuntimeError), store.batch() as batch:
            batch.register_component(component(T.ORCHESTRATOR, "never"))
            raise RuntimeError("the caller changed its mind")
        assert store.list_components() == []

    def test_a_batch_refuses_a_duplicate_within_itself(self, store):
        register_stack_with_components(store, "s")
        with raises_named(StackExistsError, "twice"), store.batch() as batch:
            batch.register_stack(Stack("twice", store.get_stack("s").components))
            batch.register_stack(Stack("twice", store.get_stack("s").components))
        assert store.stack_names() == ["s"]

    # --- rules ---------------------------------------------------------------------------
    def test_rules_see_and_shape_what_is_written(self, store):
        rules = RecordingRules()
        written = store.register_component(component(T.ORCHESTRATOR, "o", {"a": 1}), rules)
        assert written.config == {"a": 1, "checked": True}
        assert store.get_component(T.ORCHESTRATOR, "o").config == {"a": 1, "checked": True}
        for ctype in (T.METADATA_STORE, T.ARTIFACT_STORE):
            store.register_component(component(ctype, "o"), rules)
        stack = Stack("s", {t: "o" for t in (T.ORCHESTRATOR, T.METADATA_STORE,
                                             T.ARTIFACT_STORE)})
        store.register_stack(stack, rules)
        checked_stack, members = rules.stacks[-1]
        assert checked_stack == stack
        assert set(members) == set(stack.components)
        assert members[T.ORCHESTRATOR].config == {"a": 1, "checked": True}
        # an update of a member: the component is checked, then each stack using it
        store.update_component(T.ORCHESTRATOR, "o", ComponentChange(set={"a": 2}), rules)
        assert rules.components[-1].config["a"] == 2
        checked_stack, members = rules.stacks[-1]
        assert checked_stack.name == "s"
        assert members[T.ORCHESTRATOR].config["a"] == 2
        store.update_stack("s", StackChange(name="t"), rules)
        assert rules.stacks[-1][0].name == "t"

    def test_a_refusing_rule_writes_nothing(self, store):
        register_stack_with_components(store, "s")
        with pytest.raises(InvalidDataError, match="Refused component 'bad'"):
            store.register_component(component(T.ORCHESTRATOR, "bad"),
                                     RecordingRules(refuse_component={"bad"}))
        assert [c.name for c in store.list_components(T.ORCHESTRATOR)] == ["s"]
        refuse_s = RecordingRules(refuse_stack={"s"})
        with pytest.raises(InvalidDataError, match="Refused stack 's'"):
            store.update_component(T.ORCHESTRATOR, "s", ComponentChange(set={"a": 1}), refuse_s)
        assert store.get_component(T.ORCHESTRATOR, "s").config == {}
        assert store.get_component(T.ORCHESTRATOR, "s").revision == 1
        with pytest.raises(InvalidDataError, match="Refused stack 's'"):
            store.update_stack("s", StackChange(remove=[]), refuse_s)
        assert store.get_stack("s").revision == 1

    def test_rules_refuse_a_whole_batch(self, store):
        rules = RecordingRules(refuse_stack={"refused"})
        with pytest.raises(InvalidDataError), store.batch(rules) as batch:
            for ctype in (T.ORCHESTRATOR, T.METADATA_STORE, T.ARTIFACT_STORE):
                batch.register_component(component(ctype, "r"))
            batch.register_stack(Stack("refused", {t: "r" for t in (
                T.ORCHESTRATOR, T.METADATA_STORE, T.ARTIFACT_STORE)}))
        assert store.list_components() == [] and store.stack_names() == []
