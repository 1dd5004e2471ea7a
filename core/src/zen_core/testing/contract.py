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

The worker functions below are module-level so spawned processes can unpickle
them; :func:`run_concurrently` runs them, one process each, released together.
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import queue as _queue
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from typing import Any

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
from zen_core.models import Component, ComponentType, Stack
from zen_core.store import BaseStore

T = ComponentType

#: Seconds a whole concurrent run may take before the test fails.
CONCURRENCY_TIMEOUT = 120.0

Opener = Callable[[], BaseStore] | tuple[str, str]


# --- opening stores and running them in several processes ------------------------
def open_store(opener: Opener) -> BaseStore:
    """Another instance of the store behind ``opener`` (a callable or ``("mod:Class", url)``)."""
    if isinstance(opener, tuple):
        spec, url = opener
        module_name, _, class_name = spec.partition(":")
        store_class = getattr(importlib.import_module(module_name), class_name)
        return store_class(url)
    return opener()


#: State of a child process, set by :func:`_child_main` before the job runs.
_CHILD: dict[str, Any] = {}


def _child_main(opener, func, args, index, barrier, done, results) -> None:
    try:
        store = open_store(opener)
        _CHILD["done"] = done
        barrier.wait(CONCURRENCY_TIMEOUT)
        try:
            value = func(store, *args)
        finally:
            store.close()
        results.put((index, True, value))
    except BaseException as err:
        barrier.abort()  # release the others at once instead of after the timeout
        results.put((index, False, f"{type(err).__name__}: {err}\n{traceback.format_exc()}"))
    finally:
        with done.get_lock():
            done.value += 1


def run_concurrently(
    opener: Opener,
    jobs: Sequence[tuple[Callable[..., Any], tuple[Any, ...]]],
    timeout: float = CONCURRENCY_TIMEOUT,
) -> list[Any]:
    """Run each ``func(store, *args)`` of ``jobs`` in its own spawned process, all at once.

    Every process opens its own store through ``opener`` and waits for the
    others before starting. Returns the values in job order; fails the test if a
    job raised, a process died or the run took longer than ``timeout``.
    """
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    barrier = ctx.Barrier(len(jobs))
    done = ctx.Value("i", 0)
    processes = [
        ctx.Process(
            target=_child_main,
            args=(opener, func, args, i, barrier, done, results),
            name=f"zen-contract-{i}",
        )
        for i, (func, args) in enumerate(jobs)
    ]
    for process in processes:
        process.start()
    got: dict[int, tuple[bool, Any]] = {}
    deadline = time.monotonic() + timeout
    try:
        while len(got) < len(jobs) and time.monotonic() < deadline:
            try:
                index, ok, value = results.get(timeout=0.2)
            except _queue.Empty:
                if not any(p.is_alive() for p in processes):
                    with contextlib.suppress(_queue.Empty):
                        while len(got) < len(jobs):
                            index, ok, value = results.get(timeout=1.0)
                            got[index] = (ok, value)
                    break
                continue
            got[index] = (ok, value)
        for process in processes:
            process.join(max(0.1, deadline - time.monotonic()))
    finally:
        for process in processes:
            if process.is_alive():
                process.kill()
                process.join()
    problems = [
        f"job {i} ({jobs[i][0].__name__}): "
        + (got[i][1] if i in got else f"no result (exit code {processes[i].exitcode})")
        for i in range(len(jobs))
        if i not in got or not got[i][0]
    ]
    assert not problems, "concurrent jobs failed:\n" + "\n".join(problems)
    return [got[i][1] for i in range(len(jobs))]


# --- workers (run in child processes) ---------------------------------------------------
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


def _register_same_component(store: BaseStore, name: str, worker: int) -> str:
    try:
        store.register_component(Component(T.ORCHESTRATOR, "local", name, {"worker": worker}))
    except ComponentExistsError as err:
        return f"exists: {err}"
    return "registered"


def _read_until_writers_done(store: BaseStore, writers: int) -> tuple[int, list[str]]:
    """List components and stacks until ``writers`` jobs finished; return (reads, errors)."""
    done = _CHILD["done"]
    reads, errors = 0, []
    while True:
        finished = done.value >= writers
        try:
            for component in store.list_components():
                if not isinstance(component.config, dict) or "worker" not in component.config:
                    errors.append(f"bad config of {component.name}: {component.config!r}")
            store.list_stacks()
        except Exception as err:
            errors.append(f"{type(err).__name__}: {err}")
        reads += 1
        if finished or len(errors) > 5:
            return reads, errors


# --- helpers for the tests ------------------------------------------------------------
def component(ctype: ComponentType, name: str, config: dict[str, Any] | None = None,
              flavor: str | None = None) -> Component:
    flavors = {T.METADATA_STORE: "sqlite", T.CONTAINER_REGISTRY: "default"}
    return Component(ctype, flavor or flavors.get(ctype, "local"), name, dict(config or {}))


def register_stack_with_components(store: BaseStore, name: str, prefix: str | None = None,
                                   *extra: ComponentType) -> Stack:
    """Register a stack over new components named ``prefix`` (default: the stack name)."""
    prefix = prefix or name
    types = (T.ORCHESTRATOR, T.METADATA_STORE, T.ARTIFACT_STORE, *extra)
    for ctype in types:
        store.register_component(component(ctype, prefix))
    stack = Stack(name, {ctype: prefix for ctype in types})
    store.register_stack(stack)
    return stack


@contextlib.contextmanager
def raises_named(error: type[ZenError], *names: str) -> Iterator[pytest.ExceptionInfo]:
    """Expect ``error`` (exactly a zen_core class) with a message naming each of ``names``."""
    with pytest.raises(error) as info:
        yield info
    message = str(info.value)
    assert message.strip(), f"{error.__name__} has an empty message"
    assert isinstance(info.value, ZenError)
    for name in names:
        assert f"'{name}'" in message, f"{message!r} does not name {name!r}"


RICH_CONFIG: dict[str, Any] = {
    "path": "/tmp/zen artifacts/é",
    "empty": "",
    "looks_like_bool": "true",
    "looks_like_int": "123",
    "looks_like_null": "null",
    "with_colon": "a: b # not a comment",
    "multiline": "first\nsecond\n",
    "count": 3,
    "negative": -7,
    "big": 2**40,
    "ratio": 0.25,
    "enabled": True,
    "disabled": False,
    "nothing": None,
    "tags": ["a", "b", 1, None, True],
    "empty_list": [],
    "nested": {"inner": {"deep": [1, {"x": "y"}]}, "flag": False, "none": None},
    "empty_dict": {},
}


class StoreContract:
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
        store.update_stack("s", new)
        assert store.get_stack("s") == new
        # ...and dropping an optional component
        smaller = Stack("s", {t: n for t, n in new.components.items()
                              if t is not T.CONTAINER_REGISTRY})
        store.update_stack("s", smaller)
        assert store.get_stack("s") == smaller
        assert store.stack_names() == ["s"]
        # components are untouched by stack updates
        assert {c.name for c in store.list_components(T.ORCHESTRATOR)} == {"kf", "s"}
        assert [c.name for c in store.list_components(T.CONTAINER_REGISTRY)] == ["reg"]

    def test_update_stack_rename(self, store):
        stack = register_stack_with_components(store, "old")
        register_stack_with_components(store, "bystander")
        store.update_stack("old", Stack("new", stack.components))
        assert store.get_stack("new") == Stack("new", stack.components)
        with raises_named(StackNotFoundError, "old"):
            store.get_stack("old")
        assert store.stack_names() == ["bystander", "new"]

    def test_update_stack_rename_and_replace_components(self, store):
        register_stack_with_components(store, "old")
        register_stack_with_components(store, "other")
        components = {**store.get_stack("old").components, T.ORCHESTRATOR: "other"}
        store.update_stack("old", Stack("renamed", components))
        assert store.get_stack("renamed").components == components
        assert store.stack_names() == ["other", "renamed"]

    def test_update_stack_rename_onto_existing_name(self, store):
        first = register_stack_with_components(store, "first")
        second = register_stack_with_components(store, "second")
        with raises_named(StackExistsError, "second"):
            store.update_stack("first", Stack("second", first.components))
        assert store.get_stack("first") == first
        assert store.get_stack("second") == second

    def test_update_missing_stack(self, store):
        stack = register_stack_with_components(store, "present")
        with raises_named(StackNotFoundError, "absent") as info:
            store.update_stack("absent", Stack("absent", stack.components))
        assert isinstance(info.value, KeyError)
        assert store.stack_names() == ["present"]

    def test_update_stack_with_unknown_component(self, store):
        stack = register_stack_with_components(store, "s")
        with raises_named(ComponentNotFoundError, "ghost"):
            store.update_stack("s", Stack("s", {**stack.components, T.METADATA_STORE: "ghost"}))
        with raises_named(ComponentNotFoundError, "ghost"):
            store.update_stack("s", Stack("t", {**stack.components, T.CONTAINER_REGISTRY: "ghost"}))
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
        store.update_component(T.ARTIFACT_STORE, "s", changed)
        got = store.get_component(T.ARTIFACT_STORE, "s")
        assert got == changed
        assert got.uuid == before.uuid
        # a key can be dropped, too
        store.update_component(T.ARTIFACT_STORE, "s", Component(
            T.ARTIFACT_STORE, "local", "s", {"n": 3}, uuid=before.uuid))
        assert store.get_component(T.ARTIFACT_STORE, "s").config == {"n": 3}
        assert store.get_component(T.ORCHESTRATOR, "s") == bystander
        assert store.get_stack("s").components[T.ARTIFACT_STORE] == "s"

    def test_update_component_flavor(self, store):
        original = component(T.ARTIFACT_STORE, "bucket", {"path": "/local"})
        store.register_component(original)
        s3 = Component(T.ARTIFACT_STORE, "s3", "bucket", {"path": "s3://b"}, uuid=original.uuid)
        store.update_component(T.ARTIFACT_STORE, "bucket", s3)
        assert store.get_component(T.ARTIFACT_STORE, "bucket") == s3

    def test_update_missing_component(self, store):
        store.register_component(component(T.ARTIFACT_STORE, "ghost"))
        with raises_named(ComponentNotFoundError, "ghost") as info:
            store.update_component(T.ORCHESTRATOR, "ghost", component(T.ORCHESTRATOR, "ghost"))
        assert isinstance(info.value, KeyError)
        assert store.list_components(T.ORCHESTRATOR) == []

    def test_rename_component_stacks_follow(self, store):
        register_stack_with_components(store, "one", "c")
        store.register_stack(Stack("two", store.get_stack("one").components))
        register_stack_with_components(store, "other")
        old = store.get_component(T.ORCHESTRATOR, "c")
        renamed = Component(T.ORCHESTRATOR, old.flavor, "c2", {"k": "v"}, uuid=old.uuid)
        store.update_component(T.ORCHESTRATOR, "c", renamed)

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
            store.update_component(T.ORCHESTRATOR, "a", Component(
                T.ORCHESTRATOR, "local", "b", {"replaced": True}, uuid=a.uuid))
        assert store.get_component(T.ORCHESTRATOR, "a") == a
        assert store.get_component(T.ORCHESTRATOR, "b") == b
        assert store.get_stack("s") == stack

    def test_rename_component_onto_name_of_another_type(self, store):
        store.register_component(component(T.ORCHESTRATOR, "a"))
        store.register_component(component(T.ARTIFACT_STORE, "b"))
        store.update_component(T.ORCHESTRATOR, "a", component(T.ORCHESTRATOR, "b"))
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
        store.update_stack("s", Stack("s", {t: "s" for t in _shared_components()}))
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
            other.update_stack("from-first", Stack("renamed", stack.components))
            assert store.stack_names() == ["from-second", "renamed"]
            store.update_stack("renamed", Stack("renamed", stack2.components))
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

            other.update_component(T.ORCHESTRATOR, "c", Component(
                T.ORCHESTRATOR, "local", "c", {"v": 2}, uuid=c.uuid))
            assert store.get_component(T.ORCHESTRATOR, "c").config == {"v": 2}
            store.update_component(T.ORCHESTRATOR, "c", Component(
                T.ORCHESTRATOR, "local", "c", {"v": 3}, uuid=c.uuid))
            assert other.get_component(T.ORCHESTRATOR, "c").config == {"v": 3}

            other.update_component(T.ORCHESTRATOR, "c", component(T.ORCHESTRATOR, "d"))
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
            components = store.get_stack("s").components
            for i in range(60):
                writer, reader = (store, other) if i % 2 else (other, store)
                orchestrator = "ab"[i % 2]
                reader.get_stack("s")
                writer.update_stack("s", Stack("s", {**components, T.ORCHESTRATOR: orchestrator}))
                # same-sized content, written right away, must still be seen
                assert reader.get_stack("s").components[T.ORCHESTRATOR] == orchestrator, i
                writer.update_component(T.ARTIFACT_STORE, "a", component(
                    T.ARTIFACT_STORE, "a", {"i": i % 10}))
                assert reader.get_component(T.ARTIFACT_STORE, "a").config == {"i": i % 10}

    # --- several processes at once -------------------------------------------------------
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
