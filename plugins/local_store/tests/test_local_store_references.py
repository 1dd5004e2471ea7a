"""A hand-edited ``stacks.yaml`` whose stack names a component that is not registered.

Every command that reads that stack fails with one line naming the file, the
stack and the member, and a fix that works; ``stack list`` still lists it,
marked; updating the member or deleting the stack gets the user out.
"""

from __future__ import annotations

import json

import pytest
import yaml

from zen_core.exceptions import DanglingReferenceError
from zen_core.models import ComponentType
from zen_core.testing.cli import failed, ok, row_named, rows, snapshot
from zen_local_store.store import LocalStore

T = ComponentType


@pytest.fixture
def index(zen, zen_home):
    """The default profile's ``stacks.yaml``, its stack ``prod`` naming orchestrator ``ghost``."""
    ok(zen("stack register prod -o default -m default -a default"))
    path = zen_home / "profiles" / "default" / "stacks.yaml"
    data = yaml.safe_load(path.read_text())
    data["stacks"]["prod"]["orchestrator"] = "ghost"
    path.write_text(yaml.safe_dump(data))
    return path


def _problem(index) -> str:
    return (f"{index}: stack 'prod' names orchestrator 'ghost', which is not registered. "
            "Fix that file or `zenml stack update prod --orchestrator NAME`.")


@pytest.mark.parametrize("command", [
    "stack describe prod", "stack set prod", "stack export prod",
    "stack export prod --format zenml", "stack copy prod prod2",
])
def test_every_command_reading_the_stack_names_file_and_entry(zen, zen_home, index, command):
    before = snapshot(zen_home)
    assert failed(zen(command)) == f"Error: {_problem(index)}"
    assert snapshot(zen_home) == before


def test_an_active_stack_broken_by_hand_is_reported_and_another_can_be_set(zen, zen_home):
    ok(zen("stack register prod -o default -m default -a default"))
    ok(zen("stack set prod"))
    path = zen_home / "profiles" / "default" / "stacks.yaml"
    data = yaml.safe_load(path.read_text())
    data["stacks"]["prod"]["artifact_store"] = "gone"
    data["stacks"]["prod"]["container_registry"] = "nope"
    path.write_text(yaml.safe_dump(data))
    problem = (f"{path}: stack 'prod' names artifact store 'gone' and container registry "
               "'nope', which are not registered. Fix that file or `zenml stack update prod "
               "--artifact-store NAME --container-registry NAME`.")
    for command in ("stack get", "stack describe"):
        assert failed(zen(command)) == f"Error: {problem}"
    ok(zen("stack set default"))
    assert "'default'" in ok(zen("stack get")).stdout


def test_stack_list_lists_it_marked(zen, index):
    listed = ok(zen("stack list"))
    assert row_named(listed.stdout, "prod (broken)")[1:] == [
        "prod (broken)", "default", "default", "ghost"]
    assert [r[1] for r in rows(listed.stdout)] == ["default", "prod (broken)"]
    assert f"Warning: {_problem(index)}" in listed.stderr.splitlines()
    as_json = ok(zen("stack list -o json"))
    entries = {e["name"]: e for e in json.loads(as_json.stdout)}
    assert entries["prod"]["problem"] == _problem(index)
    assert entries["prod"]["components"]["orchestrator"] == "ghost"
    assert "problem" not in entries["default"]  # the documented shape, a key added when broken
    assert set(entries["default"]) == {"name", "active", "revision", "created", "updated",
                                       "components"}


def test_the_hint_repairs_it(zen, index):
    ok(zen("stack update prod --orchestrator default"))
    assert "ghost" not in ok(zen("stack describe prod")).stdout
    ok(zen("stack set prod"))
    listed = ok(zen("stack list"))
    assert "Warning" not in listed.stderr and row_named(listed.stdout, "prod")


def test_a_broken_stack_can_be_deleted(zen, index):
    assert "Would delete stack 'prod'." in ok(zen("stack delete prod --dry-run")).stdout
    deleted = json.loads(ok(zen("stack delete prod -y -o json")).stdout)
    assert deleted["name"] == "prod" and deleted["components"]["orchestrator"] == "ghost"
    assert [r[1] for r in rows(ok(zen("stack list")).stdout)] == ["default"]


def test_the_python_api_raises_and_keeps_the_record_for_what_repairs(tmp_path):
    store = LocalStore(f"file://{tmp_path}/store")
    store.initialize()
    store.index_path.write_text(yaml.safe_dump({
        "stacks": {"prod": {"orchestrator": "ghost"}}, "stack_components": {}}))
    with pytest.raises(DanglingReferenceError) as info:
        store.get_stack("prod")
    assert str(info.value).startswith(f"{store.index_path}: stack 'prod' names orchestrator")
    [listed] = store.list_stacks()
    assert listed.problem == str(info.value)
    assert store.stored_stack("prod") == listed
    store.delete_stack("prod")
    assert store.list_stacks() == []
