"""The contract's tests with several processes at once: nothing lost, nothing torn.

The workers are module-level functions so spawned processes can unpickle them;
:func:`~zen_core.testing.processes.run_concurrently` runs them, one process
each, released together.
"""

from __future__ import annotations

from zen_core.changes import ComponentChange, StackChange
from zen_core.exceptions import ComponentExistsError, ConflictError
from zen_core.models import Component, ComponentType, Stack
from zen_core.store import BaseStore
from zen_core.testing.helpers import component, register_stack_with_components
from zen_core.testing.processes import done_count, run_concurrently
from zen_core.writes import RegisterComponent, UpdateComponent

T = ComponentType

#: How many processes update one record at once, and how often each does.
UPDATERS = 8
UPDATES_EACH = 5
#: How many components each batch of the reader's test updates, and how many batches.
BATCH_SIZE = 20
BATCHES = 8


def _register_then_delete(store: BaseStore, prefix: str, count: int) -> list[str]:
    """Register ``count`` components, then delete every third; return the survivors."""
    for i in range(count):
        store.register_component(_worker_component(prefix, i))
    for i in range(0, count, 3):
        component = _worker_component(prefix, i)
        store.delete_component(component.type, component.name)
    return [f"{prefix}{i:02d}" for i in range(count) if i % 3]


def _worker_component(prefix: str, i: int) -> Component:
    ctype = T.ORCHESTRATOR if i % 2 else T.ARTIFACT_STORE
    return Component(ctype, "local", f"{prefix}{i:02d}", {"worker": prefix, "index": i})


def _register_stacks(store: BaseStore, prefix: str, count: int) -> list[str]:
    names = [f"{prefix}{i:02d}" for i in range(count)]
    for name in names:
        store.register_stack(Stack(name, _shared_components()))
    return names


def _shared_components() -> dict[ComponentType, str]:
    return {T.ORCHESTRATOR: "shared", T.METADATA_STORE: "shared", T.ARTIFACT_STORE: "shared"}


def _register_same_component(store: BaseStore, name: str, worker: int,
                             uuid: str | None = None) -> str:
    kept = {"uuid": uuid} if uuid else {}
    try:
        store.register_component(Component(T.ORCHESTRATOR, "local", name, {"worker": worker},
                                           **kept))
    except ComponentExistsError as err:
        return f"exists: {err}"
    return "registered"


def _read_until_writers_done(store: BaseStore, writers: int) -> tuple[int, list[str]]:
    """List components and stacks until ``writers`` jobs finished; return (reads, errors)."""
    reads, errors = 0, []
    while True:
        finished = done_count() >= writers
        try:
            for c in store.list_components():
                if not isinstance(c.config, dict) or "worker" not in c.config:
                    errors.append(f"bad config of {c.name}: {c.config!r}")
            store.list_stacks()
        except Exception as err:
            errors.append(f"{type(err).__name__}: {err}")
        reads += 1
        if finished or len(errors) > 5:
            return reads, errors


def _update_all_in_batches(store: BaseStore, names: list[str], batches: int) -> int:
    """Set ``v`` of every component in ``names`` to 1, 2, ... ``batches``, one batch each."""
    for value in range(1, batches + 1):
        store.apply([UpdateComponent(T.ORCHESTRATOR, name, ComponentChange(set={"v": value}))
                     for name in names])
    return batches


def _read_whole_batches(store: BaseStore, names: list[str]) -> tuple[int, list[str]]:
    """List the components until the writer is done; return how many lists there were and
    those that saw different batches' values at once."""
    reads, mixed = 0, []
    while True:
        finished = done_count() >= 1
        listed = {c.name: c.config.get("v", 0) for c in store.list_components(T.ORCHESTRATOR)}
        if len(set(listed.values())) > 1:
            mixed.append(f"list: {sorted(listed.items())}")
        reads += 1
        if finished or len(mixed) > 3:
            return reads, mixed


def _set_own_keys(store: BaseStore, worker: int, count: int) -> int:
    """Set ``w<worker>_<i>`` on component ``hot`` ``count`` times, one key per update."""
    for i in range(count):
        store.update_component(T.ORCHESTRATOR, "hot",
                               ComponentChange(set={f"w{worker}_{i}": i}))
    return count


def _flip_own_member(store: BaseStore, ctype_value: str, count: int) -> int:
    """Set, then remove, then set again one optional member type of stack ``hot``."""
    ctype = T(ctype_value)
    for _ in range(count):
        store.update_stack("hot", StackChange(set={ctype: f"hot-{ctype.value}"}))
        store.update_stack("hot", StackChange(remove=[ctype]))
    store.update_stack("hot", StackChange(set={ctype: f"hot-{ctype.value}"}))
    return count


def _increment_with_revision(store: BaseStore, count: int) -> int:
    """Increment ``counter`` of component ``hot`` ``count`` times by compare-and-set;
    return how many conflicts it met (and retried)."""
    conflicts = 0
    done = 0
    while done < count:
        current = store.get_component(T.ORCHESTRATOR, "hot")
        change = ComponentChange(set={"counter": current.config["counter"] + 1},
                                 expected_revision=current.revision)
        try:
            store.update_component(T.ORCHESTRATOR, "hot", change)
        except ConflictError:
            conflicts += 1
            continue
        done += 1
    return conflicts


class ConcurrencyContract:
    """Several processes at once on one store (needs fixtures ``store`` and ``store_opener``)."""

    def test_concurrent_register_and_delete_components(self, store, store_opener):
        prefixes = ["wa", "wb", "wc", "wd"]
        jobs = [(_register_then_delete, (prefix, 15)) for prefix in prefixes]
        jobs.append((_read_until_writers_done, (len(prefixes),)))
        *survivors, (reads, read_errors) = run_concurrently(store_opener, jobs)

        expected = sorted(name for names in survivors for name in names)
        assert len(expected) == 40
        listed = store.list_components()
        assert sorted(c.name for c in listed) == expected
        for c in listed:
            index = int(c.name[2:])
            assert c.type is (T.ORCHESTRATOR if index % 2 else T.ARTIFACT_STORE)
            assert c.config == {"worker": c.name[:2], "index": index}
        assert len(store.list_components(T.ORCHESTRATOR)) == 4 * 5
        # reads while others write never fail nor see a torn component
        assert reads > 0
        assert read_errors == []

    def test_a_reader_never_sees_part_of_a_batch(self, store, store_opener):
        names = [f"c{i:02d}" for i in range(BATCH_SIZE)]
        store.apply([RegisterComponent(component(T.ORCHESTRATOR, name, {"v": 0}))
                     for name in names])
        jobs = [(_update_all_in_batches, (names, BATCHES)), (_read_whole_batches, (names,))]
        _, (reads, mixed) = run_concurrently(store_opener, jobs)
        assert reads > 0
        assert mixed == []
        assert {c.config["v"] for c in store.list_components()} == {BATCHES}

    def test_concurrent_register_stacks(self, store, store_opener):
        for ctype in _shared_components():
            store.register_component(component(ctype, "shared"))
        jobs = [(_register_stacks, (prefix, 10)) for prefix in ("sa", "sb", "sc", "sd")]
        registered = run_concurrently(store_opener, jobs)
        expected = sorted(name for names in registered for name in names)
        assert len(expected) == 40
        assert store.stack_names() == expected
        assert all(s.components == _shared_components() for s in store.list_stacks())
        assert store.stacks_using(T.ORCHESTRATOR, "shared") == expected

    def test_concurrent_register_of_one_name(self, store, store_opener):
        jobs = [(_register_same_component, ("contested", worker)) for worker in range(4)]
        outcomes = run_concurrently(store_opener, jobs)
        winners = [i for i, outcome in enumerate(outcomes) if outcome == "registered"]
        assert len(winners) == 1, outcomes
        losers = [o for o in outcomes if o != "registered"]
        assert all(o.startswith("exists: ") and "'contested'" in o for o in losers), outcomes
        [stored] = store.list_components()
        assert stored.name == "contested"
        assert stored.config == {"worker": winners[0]}  # a loser overwrote nothing

    def test_concurrent_register_of_one_uuid(self, store, store_opener):
        shared = "7c1d9e2f-4a3b-4c5d-8e6f-0a9b8c7d6e5f"
        jobs = [(_register_same_component, (f"w{worker}", worker, shared))
                for worker in range(4)]
        outcomes = run_concurrently(store_opener, jobs)
        winners = [i for i, outcome in enumerate(outcomes) if outcome == "registered"]
        assert len(winners) == 1, outcomes
        holder = f"The uuid {shared} already belongs to orchestrator 'w{winners[0]}'."
        assert all(o == "registered" or o.startswith(f"exists: {holder}")
                   for o in outcomes), outcomes
        assert [(c.name, c.uuid) for c in store.list_components()] == [
            (f"w{winners[0]}", shared)]

    def test_concurrent_partial_updates_of_one_component_lose_nothing(
            self, store, store_opener):
        store.register_component(component(T.ORCHESTRATOR, "hot", {"kept": "yes"}))
        jobs = [(_set_own_keys, (worker, UPDATES_EACH)) for worker in range(UPDATERS)]
        run_concurrently(store_opener, jobs)
        got = store.get_component(T.ORCHESTRATOR, "hot")
        expected = {f"w{w}_{i}": i for w in range(UPDATERS) for i in range(UPDATES_EACH)}
        assert got.config == {"kept": "yes", **expected}
        assert got.revision == 1 + UPDATERS * UPDATES_EACH

    def test_concurrent_partial_updates_of_one_stack_lose_nothing(self, store, store_opener):
        optional = [T.CONTAINER_REGISTRY, T.SECRETS_MANAGER, T.STEP_OPERATOR,
                    T.FEATURE_STORE, T.MODEL_DEPLOYER, T.EXPERIMENT_TRACKER]
        register_stack_with_components(store, "hot")
        for ctype in optional:
            store.register_component(component(ctype, f"hot-{ctype.value}"))
        jobs = [(_flip_own_member, (ctype.value, 3)) for ctype in optional]
        run_concurrently(store_opener, jobs)
        got = store.get_stack("hot")
        assert got.components == {
            T.ORCHESTRATOR: "hot", T.METADATA_STORE: "hot", T.ARTIFACT_STORE: "hot",
            **{ctype: f"hot-{ctype.value}" for ctype in optional},
        }
        assert got.revision == 1 + len(optional) * 7

    def test_compare_and_set_increments_lose_nothing(self, store, store_opener):
        store.register_component(component(T.ORCHESTRATOR, "hot", {"counter": 0}))
        jobs = [(_increment_with_revision, (UPDATES_EACH,)) for _ in range(4)]
        run_concurrently(store_opener, jobs)
        got = store.get_component(T.ORCHESTRATOR, "hot")
        assert got.config["counter"] == 4 * UPDATES_EACH
        assert got.revision == 1 + 4 * UPDATES_EACH
