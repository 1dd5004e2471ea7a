"""Several processes at once on one component and one stack, with rules: nothing lost.

Beyond the contract's concurrency tests, these mix the writes that lock each
other in the SQL store: partial updates of a component that is a member of a
stack (with rules, so each also checks that stack), partial updates of that
stack (each share-locks the component), and compare-and-set increments of
another member. Every write must land exactly once, on every back-end, with
the retries (deadlocks, lost races) and conflicts it took reported
(``pytest -s`` shows them).
"""

from __future__ import annotations

import time
from functools import partial

import pytest

from zen_core.changes import ComponentChange, StackChange
from zen_core.exceptions import ConflictError
from zen_core.models import ComponentType
from zen_core.testing.contract import component, register_stack_with_components, run_concurrently
from zen_core.testing.helpers import RecordingRules
from zen_sql_store.store import SqlStore

T = ComponentType
KEY_WRITERS = 4
STACK_WRITERS = 3
INCREMENTERS = 2
EACH = 10
OPTIONAL = [T.CONTAINER_REGISTRY, T.STEP_OPERATOR, T.EXPERIMENT_TRACKER]


class Rules(RecordingRules):
    """Rules that accept everything but remember nothing (a worker makes many checks)."""

    def check_component(self, component):
        return component

    def check_stack(self, stack, members):
        assert set(members) == set(stack.components)


def _set_keys(store: SqlStore, worker: int, count: int) -> tuple[int, int]:
    for i in range(count):
        store.update_component(T.ORCHESTRATOR, "hot", ComponentChange(set={f"w{worker}_{i}": i}),
                               Rules())
    return store.retries, 0


def _flip_member(store: SqlStore, ctype_value: str, count: int) -> tuple[int, int]:
    ctype = T(ctype_value)
    for _ in range(count):
        store.update_stack("hot", StackChange(set={ctype: f"hot-{ctype.value}"}), Rules())
        store.update_stack("hot", StackChange(remove=[ctype]), Rules())
    store.update_stack("hot", StackChange(set={ctype: f"hot-{ctype.value}"}), Rules())
    return store.retries, 0


def _increment(store: SqlStore, count: int) -> tuple[int, int]:
    conflicts = done = 0
    while done < count:
        current = store.get_component(T.ARTIFACT_STORE, "hot")
        change = ComponentChange(set={"counter": current.config["counter"] + 1},
                                 expected_revision=current.revision)
        try:
            store.update_component(T.ARTIFACT_STORE, "hot", change, Rules())
        except ConflictError:
            conflicts += 1
            continue
        done += 1
    return store.retries, conflicts


@pytest.mark.slow
def test_mixed_writers_on_one_component_and_one_stack_lose_nothing(store_url, backend):
    with SqlStore(store_url) as store:
        store.initialize()
        register_stack_with_components(store, "hot")
        store.update_component(T.ARTIFACT_STORE, "hot", ComponentChange(set={"counter": 0}))
        for ctype in OPTIONAL:
            store.register_component(component(ctype, f"hot-{ctype.value}"))
    jobs = ([(_set_keys, (w, EACH)) for w in range(KEY_WRITERS)]
            + [(_flip_member, (t.value, EACH // 2)) for t in OPTIONAL[:STACK_WRITERS]]
            + [(_increment, (EACH,)) for _ in range(INCREMENTERS)])
    start = time.monotonic()
    outcomes = run_concurrently(partial(SqlStore, store_url), jobs)
    elapsed = time.monotonic() - start

    with SqlStore(store_url) as store:
        orchestrator = store.get_component(T.ORCHESTRATOR, "hot")
        assert orchestrator.config == {f"w{w}_{i}": i
                                       for w in range(KEY_WRITERS) for i in range(EACH)}
        assert orchestrator.revision == 1 + KEY_WRITERS * EACH
        artifacts = store.get_component(T.ARTIFACT_STORE, "hot")
        assert artifacts.config == {"counter": INCREMENTERS * EACH}
        assert artifacts.revision == 2 + INCREMENTERS * EACH
        stack = store.get_stack("hot")
        assert set(stack.components) == {T.ORCHESTRATOR, T.METADATA_STORE, T.ARTIFACT_STORE,
                                          *OPTIONAL[:STACK_WRITERS]}
        assert stack.revision == 1 + STACK_WRITERS * (2 * (EACH // 2) + 1)
    writes = KEY_WRITERS * EACH + STACK_WRITERS * (EACH + 1) + INCREMENTERS * EACH
    retries = sum(r for r, _ in outcomes)
    conflicts = sum(c for _, c in outcomes)
    print(f"\n[{backend}] {len(jobs)} processes, {writes} writes in {elapsed:.1f}s: "
          f"0 lost, {retries} transactions retried, {conflicts} revision conflicts")



def _set_keys_without_rules(store: SqlStore, worker: int, count: int) -> int:
    for i in range(count):
        store.update_component(T.ORCHESTRATOR, "hot", ComponentChange(set={f"w{worker}_{i}": i}))
    return store.retries


@pytest.mark.slow
def test_eight_processes_setting_keys_of_one_component(store_url, backend):
    """The contract's 8-process test, with the figures: how often a transaction reran."""
    with SqlStore(store_url) as store:
        store.initialize()
        store.register_component(component(T.ORCHESTRATOR, "hot"))
    start = time.monotonic()
    retries = run_concurrently(partial(SqlStore, store_url),
                               [(_set_keys_without_rules, (w, 25)) for w in range(8)])
    elapsed = time.monotonic() - start
    with SqlStore(store_url) as store:
        got = store.get_component(T.ORCHESTRATOR, "hot")
    assert got.config == {f"w{w}_{i}": i for w in range(8) for i in range(25)}
    assert got.revision == 1 + 8 * 25
    print(f"\n[{backend}] 8 processes x 25 partial updates of one component in {elapsed:.1f}s: "
          f"0 lost, {sum(retries)} transactions retried")
