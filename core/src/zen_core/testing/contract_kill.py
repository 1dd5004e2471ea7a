"""The contract's kill test: a batch is all or nothing when its writer is killed (kill -9).

A spawned process opens the store through ``store_opener`` and applies one big
batch: a compare-and-set of a *gate* component, a config-only update of each of
:data:`KILL_BATCH_UPDATES` components, a new component and a new stack using it,
a new secret and an update of a secret made before.
The test times one whole batch first, then kills the writer with SIGKILL at
moments spread over that time. After each kill, a *fence* from a fresh instance
(the same compare-and-set of the gate) settles the batch for good: it succeeds
if the batch never committed (which now never can: its gate would conflict), it
conflicts if the batch did. A batch sent to a service may still be running when
its client dies; the fence waits for it or shuts it out. The store must then hold
every write of the batch (records, secrets, revisions and one history event each)
or none of them, and still take a write and read it back.
"""

from __future__ import annotations

import warnings

import pytest

from zen_core.changes import ComponentChange
from zen_core.exceptions import ConflictError
from zen_core.models import ComponentType, Stack
from zen_core.secret_records import Secret, SecretChange
from zen_core.store import BaseStore
from zen_core.testing.helpers import component
from zen_core.testing.processes import open_store, run_and_kill
from zen_core.writes import (
    CreateSecret,
    DeleteComponent,
    DeleteSecret,
    DeleteStack,
    RegisterComponent,
    RegisterStack,
    UpdateComponent,
    UpdateSecret,
    Write,
)

T = ComponentType

#: How many config-only updates the killed batch holds (besides its gate, component, stack).
KILL_BATCH_UPDATES = 200
#: When the writer is killed, as fractions of the time one whole batch took.
KILL_AT = (0.3, 0.6, 0.9)
#: The writes of a batch besides its component updates: the gate, a component, a stack and
#: two secret writes, one event each.
OTHER_WRITES = 5
#: A secret's value as a store is given it (opaque: the domain layer encrypted it).
SEALED = "zen1:6b696c6c:" + "c2VhbGVk" * 8


def _updated(i: int) -> str:
    return f"w{i:04d}"


def _round_writes(round_: int, gate_revision: int) -> list[Write]:
    return [
        UpdateComponent(T.ORCHESTRATOR, "gate", ComponentChange(
            set={"round": round_}, expected_revision=gate_revision)),
        *(UpdateComponent(T.ORCHESTRATOR, _updated(i), ComponentChange(set={f"r{round_}": i}))
          for i in range(KILL_BATCH_UPDATES)),
        RegisterComponent(component(T.ORCHESTRATOR, f"new{round_}")),
        RegisterStack(Stack(f"s{round_}", {T.ORCHESTRATOR: f"new{round_}",
                                           T.METADATA_STORE: "m", T.ARTIFACT_STORE: "a"})),
        CreateSecret(Secret(f"new{round_}", {"value": f"{SEALED}{round_}"})),
        UpdateSecret("kept", SecretChange(set={f"r{round_}": f"{SEALED}{round_}"})),
    ]


def _apply_round(store: BaseStore, round_: int, gate_revision: int) -> None:
    store.apply(_round_writes(round_, gate_revision))


class KillContract:
    """A writer killed with SIGKILL (needs fixtures ``store`` and ``store_opener``)."""

    @pytest.fixture
    def unkillable_reason(self) -> str | None:
        """None: this store's writers can be killed in another process, as the kill test
        does. A store type whose writers cannot be (one living in the test's own process)
        overrides this fixture to return why; the test then warns with that sentence
        instead of checking anything (it is not skipped: the reason is the store's word)."""
        return None

    def test_a_batch_is_all_or_nothing_when_its_writer_is_killed(
            self, store, store_opener, unkillable_reason):
        if unkillable_reason is not None:
            assert unkillable_reason.strip(), "say why this store's writers cannot be killed"
            warnings.warn(f"{type(store).__name__} is not kill-tested: {unkillable_reason}",
                          stacklevel=1)
            return
        store.apply([RegisterComponent(component(T.ORCHESTRATOR, "gate")),
                     RegisterComponent(component(T.METADATA_STORE, "m")),
                     RegisterComponent(component(T.ARTIFACT_STORE, "a")),
                     *(RegisterComponent(component(T.ORCHESTRATOR, _updated(i)))
                       for i in range(KILL_BATCH_UPDATES)),
                     CreateSecret(Secret("kept", {"before": SEALED}))])
        applied: list[int] = []
        gate = 1
        events = store.list_events(limit=1)[1]
        took = run_and_kill(store_opener, _apply_round, (0, gate), kill_after=None)
        assert took is not None and took > 0
        for round_, fraction in enumerate((None, *KILL_AT)):
            if fraction is not None:
                run_and_kill(store_opener, _apply_round, (round_, gate), fraction * took)
            with open_store(store_opener) as fresh:
                try:  # the fence: after it, the batch is in or never will be
                    fresh.update_component(T.ORCHESTRATOR, "gate", ComponentChange(
                        set={"fence": round_}, expected_revision=gate))
                    events += 1
                except ConflictError:
                    applied.append(round_)
                    events += KILL_BATCH_UPDATES + OTHER_WRITES
                gate += 1
                _check_all_or_none(fresh, round_, applied, events)
                # and the store still works
                probe = fresh.update_component(T.ORCHESTRATOR, "gate",
                                               ComponentChange(set={"probe": round_}))
                gate += 1
                events += 1
                assert probe.revision == gate
                assert fresh.get_component(T.ORCHESTRATOR, "gate").config["probe"] == round_
        assert applied[:1] == [0], "the batch that was not killed must be applied"
        # one batch to clean up (a service's store is shared by the tests of a module)
        store.apply([*(DeleteStack(f"s{r}") for r in applied),
                     *(DeleteComponent(c.type, c.name) for c in store.list_components()),
                     *(DeleteSecret(s.name) for s in store.list_secrets())])


def _check_all_or_none(store: BaseStore, round_: int, applied: list[int], events: int) -> None:
    """Every write of each applied round is in ``store``, none of the others'."""
    was = "applied" if round_ in applied else "not applied"
    keys = {f"r{r}" for r in applied}
    orchestrators = {c.name: c for c in store.list_components(T.ORCHESTRATOR)}
    half = []
    for i in range(KILL_BATCH_UPDATES):
        got = orchestrators[_updated(i)]
        if set(got.config) != keys or got.revision != 1 + len(applied):
            half.append(f"{got.name}: {sorted(got.config)} at revision {got.revision}")
    assert not half, (f"round {round_} ({was} by the fence's account) is half there: "
                      f"{len(half)} of {KILL_BATCH_UPDATES} updates differ, e.g. {half[:3]}")
    assert sorted(n for n in orchestrators if n.startswith("new")) == \
        sorted(f"new{r}" for r in applied), f"round {round_} ({was})"
    assert sorted(s.name for s in store.list_stacks()) == sorted(f"s{r}" for r in applied)
    secrets = {s.name: s for s in store.list_secrets()}
    assert sorted(secrets) == sorted(["kept", *(f"new{r}" for r in applied)]), \
        f"round {round_} ({was})"
    assert all(secrets[f"new{r}"].values == {"value": f"{SEALED}{r}"} for r in applied)
    kept = secrets["kept"]
    assert kept.values == {"before": SEALED, **{f"r{r}": f"{SEALED}{r}" for r in applied}}, \
        f"round {round_} ({was}): the secret 'kept' holds {sorted(kept.values)}"
    assert kept.revision == 1 + len(applied)
    batch, total = store.list_events(limit=KILL_BATCH_UPDATES + OTHER_WRITES)
    assert total == events, f"round {round_} ({was}): {total} events, expected {events}"
    if round_ in applied:  # the fence conflicted: the batch's events are the newest
        assert [(e.action, e.name) for e in batch[:4]] == [
            ("update_secret", "kept"), ("create_secret", f"new{round_}"),
            ("register_stack", f"s{round_}"), ("register_component", f"new{round_}")]
        assert {e.name for e in batch[4:-1]} == {_updated(i) for i in range(KILL_BATCH_UPDATES)}
        assert all(e.details == {"set": [f"r{round_}"]} for e in batch[4:-1])
        assert (batch[-1].action, batch[-1].name) == ("update_component", "gate")
