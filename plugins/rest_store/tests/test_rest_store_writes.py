"""Contract v2 writes through a real service that applies every rule: conflicts and batches.

The contract suite (``test_rest_store_contract.py``) runs against services
without the flavors' rules; here the service is a normal one, so what is
written must fit the built-in flavors, and what breaks a rule is refused by
the service with the domain's message, all or nothing.
"""

from __future__ import annotations

import pytest

from zen_core.changes import ComponentChange, StackChange
from zen_core.exceptions import ConflictError, InUseError, InvalidDataError, StackRuleError
from zen_core.models import Component, ComponentType, Stack
from zen_core.store import StoreContext
from zen_core.testing.helpers import RecordingRules, raises_named
from zen_rest_store.store import RestStore

T = ComponentType
DEFAULTS = {T.ORCHESTRATOR: "default", T.METADATA_STORE: "default",
            T.ARTIFACT_STORE: "default"}


@pytest.fixture
def store(ruled_store):
    """The served profile as its `default` stack left it (what a test added is removed)."""
    return ruled_store


@pytest.fixture
def other(local_service):
    with RestStore(local_service.url, StoreContext(token=local_service.token)) as other:
        yield other


def kubeflow(name: str = "kf") -> Component:
    return Component(T.ORCHESTRATOR, "kubeflow", name)


# --- conflicts ------------------------------------------------------------------------------
def test_a_stale_update_is_a_conflict_error(store, other):
    read = store.register_component(kubeflow())
    assert read.revision == 1
    other.update_component(T.ORCHESTRATOR, "kf", ComponentChange(set={"synchronous": True}))
    with raises_named(ConflictError, "kf") as info:
        store.update_component(T.ORCHESTRATOR, "kf", ComponentChange(
            set={"kubernetes_context": "ctx"}, expected_revision=read.revision))
    assert str(info.value) == (
        "The orchestrator 'kf' was changed by another write: it is at revision 2, the change "
        "expected revision 1. Read it again and retry.")
    got = store.get_component(T.ORCHESTRATOR, "kf")
    assert (got.revision, got.config) == (2, {"synchronous": True})
    # read again and retry: it applies
    store.update_component(T.ORCHESTRATOR, "kf", ComponentChange(
        set={"kubernetes_context": "ctx"}, expected_revision=got.revision))
    assert store.get_component(T.ORCHESTRATOR, "kf").revision == 3


def test_a_stale_delete_is_a_conflict_error(store, other):
    store.register_component(kubeflow())
    store.register_stack(Stack("extra", DEFAULTS))
    other.update_stack("extra", StackChange(set={T.ORCHESTRATOR: "default"}))
    with raises_named(ConflictError, "extra"):
        store.delete_stack("extra", expected_revision=1)
    with raises_named(ConflictError, "kf"):
        store.delete_component(T.ORCHESTRATOR, "kf", expected_revision=9)
    store.delete_stack("extra", expected_revision=2)
    store.delete_component(T.ORCHESTRATOR, "kf", expected_revision=1)
    assert store.stack_names() == ["default"]


def test_partial_updates_of_two_clients_both_land(store, other):
    store.register_component(kubeflow())
    store.update_component(T.ORCHESTRATOR, "kf", ComponentChange(set={"synchronous": True}))
    other.update_component(T.ORCHESTRATOR, "kf",
                           ComponentChange(set={"kubernetes_context": "ctx"}))
    config = store.get_component(T.ORCHESTRATOR, "kf").config
    assert (config["synchronous"], config["kubernetes_context"]) == (True, "ctx")


# --- batches --------------------------------------------------------------------------------
def test_a_batch_is_one_request_and_all_of_it_lands(store):
    with store.batch() as batch:
        batch.register_component(kubeflow())
        batch.register_component(Component(T.CONTAINER_REGISTRY, "default", "r",
                                           {"uri": "localhost:5000"}))
        batch.register_stack(Stack("kfstack", {**DEFAULTS, T.ORCHESTRATOR: "kf",
                                               T.CONTAINER_REGISTRY: "r"}))
        assert store.stack_names() == ["default"]
    assert store.get_stack("kfstack").components[T.CONTAINER_REGISTRY] == "r"
    written = store.apply([
        _update_stack("kfstack", StackChange(name="renamed")),
        _update_stack("renamed", StackChange(set={T.ORCHESTRATOR: "default"},
                                             remove=[T.CONTAINER_REGISTRY])),
    ])
    assert [(s.name, s.revision) for s in written] == [("renamed", 2), ("renamed", 3)]


def _update_stack(name: str, change: StackChange):
    from zen_core.writes import UpdateStack

    return UpdateStack(name, change)


@pytest.mark.parametrize("breaking", ["stack rule", "schema", "in use", "conflict"])
def test_a_batch_the_service_refuses_writes_nothing(store, breaking):
    before = (store.list_stacks(), store.list_components())
    expected = {"stack rule": StackRuleError, "schema": InvalidDataError,
                "in use": InUseError, "conflict": ConflictError}[breaking]
    with pytest.raises(expected), store.batch() as batch:
        batch.register_component(kubeflow())
        batch.update_component(T.ARTIFACT_STORE, "default",
                               ComponentChange(set={"path": "/tmp/changed"}))
        if breaking == "stack rule":  # kubeflow needs a container registry
            batch.register_stack(Stack("kfstack", {**DEFAULTS, T.ORCHESTRATOR: "kf"}))
        elif breaking == "schema":
            batch.update_component(T.ORCHESTRATOR, "kf",
                                   ComponentChange(set={"kubeflow_pipelines_ui_port": 0}))
        elif breaking == "in use":
            batch.delete_component(T.METADATA_STORE, "default")
        else:
            batch.update_stack("default", StackChange(name="x", expected_revision=99))
    assert (store.list_stacks(), store.list_components()) == before


def test_the_rules_a_client_gives_are_not_sent_the_services_apply(store):
    """A rest store does not run the caller's rules: the service's own decide."""
    refuse_all = RecordingRules(refuse_component={"kf"}, refuse_stack={"default"})
    written = store.register_component(
        Component(T.ORCHESTRATOR, "kubeflow", "kf", {"kubeflow_pipelines_ui_port": "9000"}),
        refuse_all)
    assert written.config["kubeflow_pipelines_ui_port"] == 9000  # normalised by the service
    assert refuse_all.components == []
    with pytest.raises(StackRuleError, match="needs a container registry"):
        store.update_stack("default", StackChange(set={T.ORCHESTRATOR: "kf"}), refuse_all)
