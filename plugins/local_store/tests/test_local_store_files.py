"""What the local store reads from files is checked like typed input, and what it writes or
removes never leaves its folder; OS failures are one clear line and change nothing."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
import yaml

from zen_core.account_records import RoleAssignment, User
from zen_core.changes import ComponentChange, StackChange
from zen_core.exceptions import InvalidDataError, StoreUnavailableError
from zen_core.models import ComponentType
from zen_core.testing.contract import component, register_stack_with_components
from zen_core.writes import AssignRole, CreateUser, UpdateComponent, UpdateStack
from zen_local_store.store import LocalStore

T = ComponentType


@pytest.fixture
def store(tmp_path):
    store = LocalStore(f"file://{tmp_path}/store")
    store.initialize()
    return store


def _edit_index(store: LocalStore, edit) -> None:
    data = yaml.safe_load(store.index_path.read_text())
    edit(data)
    store.index_path.write_text(yaml.safe_dump(data))


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.endswith(".lock")}


@pytest.mark.parametrize("bad", ["../../victim", "..", "a/b", "-x", ""])
def test_a_component_name_that_is_a_path_is_refused_and_nothing_outside_goes(
        store, tmp_path, bad):
    victim = tmp_path / "victim.yaml"
    victim.write_text("precious: true\n")
    register_stack_with_components(store, "s")
    _edit_index(store, lambda d: d["stack_components"]["orchestrator"].update({bad: "local"}))
    before = _tree(tmp_path)
    for call in (store.list_components, lambda: store.get_component(T.ORCHESTRATOR, bad),
                 lambda: store.delete_component(T.ORCHESTRATOR, bad), store.list_stacks,
                 lambda: store.register_component(component(T.ORCHESTRATOR, "new"))):
        with pytest.raises(InvalidDataError) as info:
            call()
        message = str(info.value)
        assert str(store.index_path) in message and "orchestrator name" in message
    assert _tree(tmp_path) == before
    assert victim.read_text() == "precious: true\n"


def test_a_bad_stack_entry_is_named_with_the_file(store):
    register_stack_with_components(store, "s")
    _edit_index(store, lambda d: d["stacks"].update({"../up": {"orchestrator": "s"}}))
    with pytest.raises(InvalidDataError, match=r"stacks\.yaml.*stack name '\.\./up'"):
        store.list_stacks()
    _edit_index(store, lambda d: (d["stacks"].pop("../up"),
                                  d["stacks"]["s"].update({"container_registry": "../x"})))
    with pytest.raises(InvalidDataError, match=r"container registry name of stack 's'"):
        store.get_stack("s")
    _edit_index(store, lambda d: d["stacks"]["s"].update({"container_registry": None,
                                                          "not_a_type": "x"}))
    with pytest.raises(InvalidDataError, match="Unknown component type 'not_a_type'"):
        store.get_stack("s")


@pytest.mark.parametrize("users, named", [
    (["alice"], "A user entry is not a mapping with a name: 'alice'"),
    ([{"name": "../up"}], "user name '../up'"),
    ({"alice": {}}, "'users' is not a list"),
])
def test_a_bad_user_entry_is_named_with_the_file_by_every_checked_read(store, users, named):
    """Who a profile acts as is read from the same entries with or without roles assigned."""
    store.apply([CreateUser(User("alice"))])
    _edit_index(store, lambda d: d.update({"users": users}))
    for _roles_assigned in (False, True):
        with pytest.raises(InvalidDataError) as info:
            store.standing("alice")
        assert str(store.index_path) in str(info.value) and named in str(info.value)
        assert str(info.value).endswith("Fix that file.")
        _edit_index(store, lambda d: d.setdefault("_zen", {}).update(
            {"role_assignments": [{"role": "viewer", "user": "bob"}]}))


def test_who_a_user_is_reads_alike_with_and_without_roles_assigned(store):
    store.apply([CreateUser(User("alice"))])
    assert store.standing("alice") == (False, True, frozenset())
    assert store.standing("nobody") == (False, False, frozenset())
    store.apply([AssignRole(RoleAssignment("viewer", user="alice"))])
    assert store.standing("alice") == (True, True, frozenset({"viewer"}))
    assert store.standing("nobody") == (True, False, frozenset())


def test_a_symlink_out_of_the_store_is_never_written_through(store, tmp_path):
    outside = tmp_path / "outside.yaml"
    outside.write_text("name: o\nuuid: x\n")
    store.register_component(component(T.ORCHESTRATOR, "o"))
    link = store.root / "orchestrators" / "o.yaml"
    link.unlink()
    link.symlink_to(outside)
    with pytest.raises(InvalidDataError, match="outside"):
        store.update_component(T.ORCHESTRATOR, "o", ComponentChange(set={"a": 1}))
    with pytest.raises(InvalidDataError, match="outside"):
        store.delete_component(T.ORCHESTRATOR, "o")
    assert outside.read_text() == "name: o\nuuid: x\n"


def test_a_component_file_that_is_not_utf8_is_named(store):
    store.register_component(component(T.ORCHESTRATOR, "o"))
    path = store.root / "orchestrators" / "o.yaml"
    path.write_bytes(b"name: o\nlabel: caf\xe9\n")
    with pytest.raises(InvalidDataError) as info:
        store.get_component(T.ORCHESTRATOR, "o")
    assert str(path) in str(info.value) and "not UTF-8" in str(info.value)


def test_temp_files_of_a_killed_writer_go_with_the_next_write(store):
    # every write's temp file is made in the store's root (then renamed into place), so
    # the next write finds what a killed writer left by listing the root alone
    stale_index = store.root / ".stacks.yaml.abc123.tmp"
    stale_index.write_text("half a")
    stale_component = store.root / ".o.yaml.def456.tmp"
    stale_component.write_text("half")
    store.register_component(component(T.ORCHESTRATOR, "o"))
    assert not stale_index.exists() and not stale_component.exists()
    assert sorted(p.name for p in store.root.iterdir() if p.name.startswith(".")) == []
    assert [p.name for p in (store.root / "orchestrators").iterdir()] == ["o.yaml"]


@pytest.mark.parametrize(("code", "said"), [
    (errno.EROFS, "the file system is read-only"),
    (errno.ENOSPC, "no space left on the device"),
    (errno.EACCES, "permission denied"),
])
def test_os_failures_while_writing_are_one_line_and_change_nothing(
        store, monkeypatch, code, said):
    register_stack_with_components(store, "s")
    before = _tree(store.root)
    real_open = os.open

    def failing_open(path, flags, *args, **kwargs):
        # the file system refuses new files (the lock file exists already)
        if flags & os.O_CREAT and not str(path).endswith(".lock"):
            raise OSError(code, os.strerror(code))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", failing_open)
    with pytest.raises(StoreUnavailableError) as info:
        store.update_component(T.ORCHESTRATOR, "s", ComponentChange(set={"a": 1}))
    message = str(info.value)
    assert message.startswith("Cannot write ") and message.endswith(f": {said}.")
    assert "\n" not in message
    monkeypatch.undo()
    assert _tree(store.root) == before  # no temp file left, nothing changed
    assert store.get_component(T.ORCHESTRATOR, "s").config == {}


def test_a_failure_after_the_commit_point_is_finished_by_the_next_command(store, monkeypatch):
    register_stack_with_components(store, "s")
    events_before = store.list_events()[1]
    real_replace = os.replace

    def failing_replace(src, dst):
        if str(dst).endswith(".yaml"):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(StoreUnavailableError) as info:
        store.apply([UpdateComponent(T.ORCHESTRATOR, "s", ComponentChange(set={"a": 1})),
                     UpdateStack("s", StackChange(name="t"))])
    message = str(info.value)
    assert message.startswith(f"Cannot write {store.root / 'orchestrators' / 's.yaml'}: "
                              "the file system is read-only.")
    assert str(store.root / "journal.json") in message and "finishes it" in message
    assert "\n" not in message
    monkeypatch.undo()
    # the next command, a read, finishes the whole write: files and history
    other = LocalStore(store.url)
    assert other.get_component(T.ORCHESTRATOR, "s").config == {"a": 1}
    assert other.stack_names() == ["t"]
    events, total = other.list_events()
    assert total == events_before + 2
    assert [e.action for e in events[:2]] == ["update_stack", "update_component"]
    assert sorted(p.name for p in store.root.iterdir() if p.name.startswith(".")) == []
    assert not (store.root / "journal.json").exists()
