"""The contract's tests of labels (store contract v3): kept with stacks and components,
changed by partial updates like any other part of a record, in single writes and batches."""

from __future__ import annotations

from dataclasses import replace

from zen_core.changes import ComponentChange, StackChange
from zen_core.models import ComponentType, Stack
from zen_core.testing.helpers import component
from zen_core.writes import RegisterComponent, RegisterStack, UpdateComponent, UpdateStack

T = ComponentType
MEMBERS = {T.ORCHESTRATOR: "l", T.METADATA_STORE: "l", T.ARTIFACT_STORE: "l"}


def _members(store, labels=None):
    for ctype in MEMBERS:
        store.register_component(replace(component(ctype, "l"), labels=dict(labels or {})))


class LabelsContract:
    """Labels (needs fixture ``store``)."""

    def test_component_labels_are_kept(self, store):
        labelled = replace(component(T.ORCHESTRATOR, "lab", {"k": "v"}),
                           labels={"env": "prod", "zen.dev/apply-set": "team-a"})
        written = store.register_component(labelled)
        assert written.labels == {"env": "prod", "zen.dev/apply-set": "team-a"}
        got = store.get_component(T.ORCHESTRATOR, "lab")
        assert got == labelled and got.labels == labelled.labels
        assert store.list_components(T.ORCHESTRATOR)[0].labels == labelled.labels
        store.register_component(component(T.ORCHESTRATOR, "plain"))
        assert store.get_component(T.ORCHESTRATOR, "plain").labels == {}

    def test_component_label_changes_merge(self, store):
        store.register_component(replace(component(T.ORCHESTRATOR, "c", {"k": "v"}),
                                         labels={"a": "1", "b": "2"}))
        written = store.update_component(T.ORCHESTRATOR, "c",
                                         ComponentChange(labels={"b": None, "c": "3"}))
        assert written.labels == {"a": "1", "c": "3"}
        assert written.revision == 2
        got = store.get_component(T.ORCHESTRATOR, "c")
        assert got.labels == {"a": "1", "c": "3"} and got.config == {"k": "v"}
        # a config update keeps the labels; a rename too
        store.update_component(T.ORCHESTRATOR, "c", ComponentChange(set={"k": "w"}, name="d"))
        assert store.get_component(T.ORCHESTRATOR, "d").labels == {"a": "1", "c": "3"}

    def test_stack_labels_are_kept(self, store):
        _members(store)
        stack = Stack("s", MEMBERS, labels={"env": "prod", "team": "ml"})
        assert store.register_stack(stack).labels == {"env": "prod", "team": "ml"}
        assert store.get_stack("s").labels == {"env": "prod", "team": "ml"}
        assert store.list_stacks()[0].labels == {"env": "prod", "team": "ml"}
        store.register_stack(Stack("bare", MEMBERS))
        assert store.get_stack("bare").labels == {}

    def test_stack_label_changes_merge(self, store):
        _members(store)
        store.register_stack(Stack("s", MEMBERS, labels={"a": "1", "b": "2"}))
        written = store.update_stack("s", StackChange(labels={"a": None, "c": ""}))
        assert written.labels == {"b": "2", "c": ""} and written.revision == 2
        store.update_stack("s", StackChange(name="t"))
        got = store.get_stack("t")
        assert got.labels == {"b": "2", "c": ""} and got.components == MEMBERS

    def test_labels_in_one_batch(self, store):
        store.apply([
            *(RegisterComponent(replace(component(t, "l"), labels={"set": "x"}))
              for t in MEMBERS),
            RegisterStack(Stack("s", MEMBERS, labels={"set": "x"})),
            UpdateComponent(T.ORCHESTRATOR, "l", ComponentChange(labels={"more": "y"})),
            UpdateStack("s", StackChange(labels={"set": None})),
        ])
        assert store.get_component(T.ORCHESTRATOR, "l").labels == {"more": "y", "set": "x"}
        assert store.get_stack("s").labels == {}
        assert store.get_component(T.ARTIFACT_STORE, "l").labels == {"set": "x"}

    def test_events_keep_the_state_a_write_left(self, store):
        store.register_component(replace(component(T.ORCHESTRATOR, "st", {"k": "v"}),
                                         labels={"env": "prod"}))
        store.update_component(T.ORCHESTRATOR, "st", ComponentChange(set={"k": "w"}))
        events, _ = store.list_events(target=T.ORCHESTRATOR.cli_name, name="st")
        assert [e.state["config"]["k"] for e in events] == ["w", "v"]
        assert events[0].state["labels"] == {"env": "prod"}
        assert events[0].state["flavor"] == "local"
