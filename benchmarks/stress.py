"""Lost-write stress test: many processes updating one component and one stack at once.

::

    python benchmarks/stress.py [--processes 8] [--updates 25] [--stores local,sql,...]
    nox -s stress

For each store type, ``--processes`` processes start together (a barrier) and
each does ``--updates`` rounds of: set its own key of component ``hot``
(``ComponentChange(set={"p3_17": 17})``) and flip its own member type of stack
``hot`` in or out. Afterwards every key must be there and every stack member
must be as its process left it, and the component's and the stack's revisions
must count every write once (``1 + processes x updates`` for the component): a
write applied twice, or one merged without a new revision, is a lost write too.
The report gives, per store, the writes made, the writes lost (must be 0), the
revisions against the expected ones, the time and the writes per second. The
exit status is 1 if any write was lost or a revision is off.

Stores: ``local``, ``sql`` (SQLite), ``sql-mysql`` / ``sql-postgres`` (with
``ZEN_TEST_MYSQL_URL`` / ``ZEN_TEST_POSTGRES_URL``), ``rest`` (a zen service
serving a local profile, started here).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from stores import FACTORIES, available_targets

from zen_core.changes import ComponentChange, StackChange
from zen_core.models import Component, ComponentType, Stack
from zen_core.services import profiles
from zen_core.testing.processes import run_concurrently

T = ComponentType
#: The optional member types the processes flip, one each (round-robin).
FLIPPED = [T.CONTAINER_REGISTRY, T.SECRETS_MANAGER, T.STEP_OPERATOR, T.FEATURE_STORE,
           T.MODEL_DEPLOYER, T.EXPERIMENT_TRACKER]


def _hammer(store, process: int, updates: int) -> int:
    """Set key ``p<process>_<i>`` of component ``hot`` each round; the first six processes
    also flip their own member type of stack ``hot`` out and in, ending with it in."""
    flips = FLIPPED[process] if process < len(FLIPPED) else None
    writes = 0
    for i in range(updates):
        store.update_component(T.ORCHESTRATOR, "hot", ComponentChange(set={f"p{process}_{i}": i}))
        writes += 1
        if flips is not None:
            change = (StackChange(remove=[flips]) if i % 2 == 0
                      else StackChange(set={flips: f"hot-{flips.value}"}))
            store.update_stack("hot", change)
            writes += 1
    if flips is not None:
        store.update_stack("hot", StackChange(set={flips: f"hot-{flips.value}"}))
        writes += 1
    return writes


def _seed(store) -> None:
    with store.batch() as batch:
        batch.register_component(Component(T.ORCHESTRATOR, "local", "hot"))
        batch.register_component(Component(T.METADATA_STORE, "sqlite", "hot", {"uri": "/m"}))
        batch.register_component(Component(T.ARTIFACT_STORE, "local", "hot", {"path": "/a"}))
        for ctype in FLIPPED:
            batch.register_component(Component(ctype, "local", f"hot-{ctype.value}"))
        batch.register_stack(Stack("hot", {
            T.ORCHESTRATOR: "hot", T.METADATA_STORE: "hot", T.ARTIFACT_STORE: "hot",
            **{t: f"hot-{t.value}" for t in FLIPPED}}))


def expected_revisions(processes: int, updates: int) -> tuple[int, int]:
    """(component, stack) revisions after a run: 1 when seeded, +1 per update of each."""
    flippers = min(processes, len(FLIPPED))
    return 1 + processes * updates, 1 + flippers * (updates + 1)


def _lost(store, processes: int, updates: int) -> int:
    config = store.get_component(T.ORCHESTRATOR, "hot").config
    lost = sum(1 for p in range(processes) for i in range(updates)
               if config.get(f"p{p}_{i}") != i)
    members = store.get_stack("hot").components
    lost += sum(1 for t in FLIPPED[:processes] if members.get(t) != f"hot-{t.value}")
    return lost


@contextlib.contextmanager
def _target(name: str, work: Path) -> Iterator[tuple[str, object]]:
    """(label, opener) for store ``name``; the opener pickles for spawned processes."""
    if name == "rest":
        from zen_core.store import StoreContext
        from zen_rest_store.store import RestStore
        from zen_service.testing import running_service

        target = FACTORIES["local"](work)
        try:
            # without the flavors' rules, as the other stores are opened here: the
            # processes set keys no flavor has (p3_17) on members of made-up flavors
            with running_service(target.config_dir, profile="bench",
                                 enforce_rules=False) as state:
                url = f"http://127.0.0.1:{state.port}"
                yield "rest (service over local)", partial(
                    RestStore, url, StoreContext(token=state.token))
        finally:
            target.close()
        return
    target = FACTORIES[name](work)
    try:
        yield target.label, partial(_open_bench_store, target.config_dir)
    finally:
        target.close()


def _open_bench_store(config_dir: Path):
    """The bench profile's store, opened as the CLI opens it (in each process)."""
    from zen_core.config import GlobalConfig

    config = GlobalConfig(config_dir)
    return profiles.open_store(config, config.get_profile("bench"))


def run(name: str, processes: int, updates: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="zen-stress-") as folder, \
            _target(name, Path(folder)) as (label, opener):
        store = opener()
        _seed(store)
        started = time.perf_counter()
        writes = sum(run_concurrently(opener, [(_hammer, (p, updates))
                                               for p in range(processes)]))
        seconds = time.perf_counter() - started
        lost = _lost(store, processes, updates)
        revisions = (store.get_component(T.ORCHESTRATOR, "hot").revision,
                     store.get_stack("hot").revision)
        store.close()
    expected = expected_revisions(processes, updates)
    return {"store": label, "processes": processes, "writes": writes, "lost": lost,
            "seconds": seconds, "revisions": revisions, "expected_revisions": expected,
            "failed": lost > 0 or revisions != expected}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--updates", type=int, default=25)
    parser.add_argument("--stores", type=lambda s: s.split(","), default=None)
    args = parser.parse_args(argv)
    stores = args.stores or [*available_targets(), *_rest_if_installed()]
    component, stack = expected_revisions(args.processes, args.updates)
    print(f"{args.processes} processes x {args.updates} rounds, one component and one stack "
          f"(revisions expected: component {component}, stack {stack})")
    print(f"   {'store':<30}{'writes':>8}{'lost':>6}{'revisions':>11}{'seconds':>9}"
          f"{'writes/s':>10}")
    failed = False
    for name in stores:
        result = run(name, args.processes, args.updates)
        failed |= result["failed"]
        revisions = "{}/{}".format(*result["revisions"])
        if result["revisions"] != result["expected_revisions"]:
            revisions += "!"
        print(f"   {result['store']:<30}{result['writes']:>8}{result['lost']:>6}"
              f"{revisions:>11}{result['seconds']:>9.1f}"
              f"{result['writes'] / result['seconds']:>10.0f}")
    print("Lost writes: " + ("SOME - FAILED (! marks a revision that is off)" if failed
                             else "none"))
    return 1 if failed else 0


def _rest_if_installed() -> list[str]:
    import importlib.util

    return ["rest"] if importlib.util.find_spec("zen_service") else []


if __name__ == "__main__":
    sys.exit(main())
