"""One commit point per write: a writer killed anywhere leaves all of its batch or none.

The contract's kill test kills a writer at moments chosen by the clock; here a
child process dies (``os._exit``: for the files, the same as ``kill -9``) at
each step of a commit in turn, and the next process, a reader or a writer,
must find the batch whole (it rolls the journal forward) or absent.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from zen_core.changes import ComponentChange
from zen_core.exceptions import InvalidDataError
from zen_core.models import ComponentType, Stack
from zen_core.secret_records import Secret, SecretChange
from zen_core.testing.contract import component, register_stack_with_components
from zen_core.writes import (
    CreateSecret,
    DeleteComponent,
    RegisterComponent,
    RegisterStack,
    UpdateComponent,
    UpdateSecret,
)
from zen_local_store.store import LocalStore

T = ComponentType
UPDATED = [f"c{i}" for i in range(6)]


@pytest.fixture
def store(tmp_path):
    store = LocalStore(f"file://{tmp_path}/store")
    store.initialize()
    register_stack_with_components(store, "s", "o")
    store.apply([RegisterComponent(component(T.ORCHESTRATOR, n)) for n in [*UPDATED, "gone"]])
    store.apply([CreateSecret(Secret("kept", {"a": "1"}))])
    return store


def _batch():
    """Config-only updates, a removal, a rename the stack follows, a new stack and two
    secret writes: the component files, the removals, the secrets and the index all move."""
    return [*(UpdateComponent(T.ORCHESTRATOR, n, ComponentChange(set={"v": 1})) for n in UPDATED),
            DeleteComponent(T.ORCHESTRATOR, "gone"),
            UpdateComponent(T.ORCHESTRATOR, "o", ComponentChange(name="o2")),
            RegisterStack(Stack("t", {T.ORCHESTRATOR: "c0", T.METADATA_STORE: "o",
                                      T.ARTIFACT_STORE: "o"})),
            UpdateSecret("kept", SecretChange(set={"b": "2"}, unset=["a"])),
            CreateSecret(Secret("new", {"k": "v"}))]


#: Where the writer dies: in which function, at which of its calls, and how: "instead" of
#: that call, "after" it, or "tearing" (half of the first event's line is written).
DEATHS = {
    "staging a file": ("zen_local_store.journal.stage_text", 3, "instead"),
    "at the first rename": ("zen_local_store.journal.Journal._rename", 1, "instead"),
    "half-way through the renames": ("zen_local_store.journal.Journal._rename", 4, "instead"),
    "at the secrets' rename": ("zen_local_store.journal.Journal._rename", 8, "instead"),
    "at the last rename (the index)": ("zen_local_store.journal.Journal._rename", 9,
                                       "instead"),
    "removing files": ("zen_local_store.journal.unlink", 2, "instead"),
    "half-way through an event": ("zen_local_store.history.HistoryFile.append_missing", 1,
                                  "tearing"),
    "before removing the journal": ("zen_local_store.history.HistoryFile.append_missing", 1,
                                    "after"),
}
#: Deaths before the commit point: the batch never happened.
BEFORE_COMMIT = {"staging a file"}

_CHILD = textwrap.dedent("""
    import importlib, json, os, sys
    sys.path.insert(0, sys.argv[1])
    from test_local_store_journal import _batch
    from zen_local_store.store import LocalStore
    url, target, call, how = sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
    owner_name, _, attribute = target.rpartition(".")
    try:
        owner = importlib.import_module(owner_name)
    except ImportError:
        module_name, _, class_name = owner_name.rpartition(".")
        owner = getattr(importlib.import_module(module_name), class_name)
    real = getattr(owner, attribute)
    calls = []

    def dying(*args, **kwargs):
        calls.append(args)
        if len(calls) < call:
            return real(*args, **kwargs)
        if how == "after":
            real(*args, **kwargs)
        elif how == "tearing":
            history, events = args
            line = json.dumps(events[0].to_dict())
            with open(history.path, "a") as f:
                f.write(line[:len(line) // 2])
        os._exit(9)

    setattr(owner, attribute, dying)
    LocalStore(url).apply(_batch())
    sys.exit("the writer did not die")
""")


def _die(store: LocalStore, death: str) -> None:
    """Apply :func:`_batch` in another process that dies as ``death`` says."""
    target, call, how = DEATHS[death]
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(Path(__file__).parent), store.url, target,
         str(call), how], capture_output=True, text=True, timeout=120)
    assert done.returncode == 9, done.stderr


def _state(store: LocalStore) -> tuple:
    """What a user sees, times left out."""
    components = [(c.type.value, c.name, c.config, c.revision) for c in store.list_components()]
    stacks = [(s.name, s.components, s.revision) for s in store.list_stacks()]
    secrets = [(s.name, s.values, s.revision) for s in store.list_secrets()]
    events, _ = store.list_events(limit=1000)
    return (components, stacks, secrets,
            [(e.seq, e.action, e.name, e.revision, e.details) for e in events])


def _expected(store: LocalStore, tmp_path) -> tuple:
    """The state with the whole batch applied, in a copy of the store."""
    twin = LocalStore(f"file://{shutil.copytree(store.root, tmp_path / 'twin')}")
    twin.apply(_batch())
    return _state(twin)


def _leftovers(store: LocalStore) -> list[str]:
    return sorted(p.name for p in store.root.iterdir()
                  if p.name.startswith(".") or p.name == "journal.json")


@pytest.mark.parametrize(("death", "next_process"), [
    ("staging a file", "writer"),
    ("at the first rename", "reader"),
    ("half-way through the renames", "writer"),
    ("at the secrets' rename", "reader"),
    ("at the last rename (the index)", "reader"),
    ("removing files", "reader"),
    ("half-way through an event", "writer"),
    ("before removing the journal", "reader"),
])
def test_a_killed_writer_leaves_its_whole_batch_or_nothing(store, tmp_path, death,
                                                           next_process):
    before, after = _state(store), _expected(store, tmp_path)
    _die(store, death)
    survivor = LocalStore(store.url)
    if next_process == "writer":  # it finishes the journal before removing stale temp files
        survivor.register_component(component(T.ARTIFACT_STORE, "later"))
        survivor.delete_component(T.ARTIFACT_STORE, "later")
        assert _leftovers(store) == []
    expected = before if death in BEFORE_COMMIT else after
    state = _state(survivor)
    if next_process == "writer":  # and its own two events are the newest
        assert [e[1:3] for e in state[3][:2]] == [("delete_component", "later"),
                                                  ("register_component", "later")]
        state = (*state[:3], state[3][2:])
    assert state == expected
    assert "journal.json" not in _leftovers(store)
    for line in (store.root / "history.jsonl").read_text().splitlines():
        json.loads(line)  # no torn line left behind


def test_a_reader_waits_for_a_batch_being_applied_and_sees_it_whole(store, tmp_path):
    """A pending journal is rolled forward by the first reader, under the lock."""
    _die(store, "half-way through the renames")
    assert (store.root / "journal.json").exists()
    reader = LocalStore(store.url)
    assert reader.get_component(T.ORCHESTRATOR, "c5").config == {"v": 1}
    assert not (store.root / "journal.json").exists()
    assert reader.stack_names() == ["s", "t"]


def test_a_journal_that_is_not_one_is_named_and_nothing_outside_is_touched(store, tmp_path):
    outside = tmp_path / "victim.yaml"
    outside.write_text("keep me")
    (store.root / ".x.tmp").write_text("{}")
    (store.root / "journal.json").write_text(json.dumps(
        {"renames": [[".x.tmp", "../victim.yaml"]], "removals": [], "events": []}))
    for read in (store.list_stacks, lambda: store.get_component(T.ORCHESTRATOR, "c0"),
                 lambda: store.register_component(component(T.ORCHESTRATOR, "new"))):
        with pytest.raises(InvalidDataError) as info:
            read()
        message = str(info.value)
        assert message.startswith(f"{store.root / 'journal.json'} is not a journal zen can "
                                  "apply (")
        assert "remove it to give that write up" in message and "\n" not in message
    assert outside.read_text() == "keep me"
    (store.root / "journal.json").write_text("{not json")
    with pytest.raises(InvalidDataError, match="is not a journal zen can apply"):
        store.list_stacks()
    (store.root / "journal.json").unlink()
    assert store.stack_names() == ["s"]


def test_no_journal_is_left_for_zenml_0_7_after_a_write(store):
    store.apply(_batch())
    assert _leftovers(store) == []
    assert sorted(p.name for p in store.root.iterdir()) == [
        "artifact_stores", "generation", "history.jsonl", "metadata_stores", "orchestrators",
        "secrets.json", "stacks.yaml", "stacks.yaml.lock"]
