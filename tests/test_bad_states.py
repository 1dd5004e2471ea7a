"""Every bad state has a way out (issue 20): a broken store or a stale choice never blocks
the commands that manage profiles, and each hint printed in such a state names a command
that works there (the tests run it)."""

from __future__ import annotations

import json
import re
import shlex

import pytest

from zen_core.testing.cli import active_rows, failed, ok, row_named


def hinted_commands(message: str) -> list[str]:
    """The `zenml ...` commands a message names, in backquotes."""
    return re.findall(r"`(zenml [^`]+)`", message)


@pytest.fixture
def broken_default(zen, zen_home):
    """Profiles default (active, its stacks.yaml unreadable) and other."""
    ok(zen("profile list"))
    ok(zen("profile create other"))
    (zen_home / "profiles" / "default" / "stacks.yaml").write_text("stacks: [oops\n")
    return zen_home


def test_a_broken_active_store_does_not_block_managing_profiles(zen, broken_default):
    listed = ok(zen("profile list"))
    assert active_rows(listed.stdout) == ["default"]
    assert row_named(listed.stdout, "other")[2] == "local"
    ok(zen("profile create third"))
    status = ok(zen("status"))
    assert "stacks.yaml" in status.stdout  # the stack row says what it could not read
    ok(zen("profile set other"))
    assert "other" in ok(zen("profile get")).stdout
    ok(zen("profile delete third -y"))


def test_a_broken_store_error_names_the_way_round(zen, broken_default):
    error = failed(zen("stack list"))
    assert "stacks.yaml" in error and "--profile" in error
    for command in hinted_commands(error):
        ok(zen(shlex.split(command)[1:]))
    ok(zen("--profile other stack list"))


def test_a_profile_whose_store_cannot_be_read_can_be_deleted(zen, broken_default):
    ok(zen("profile set other"))
    planned = ok(zen("profile delete default --dry-run"))
    assert "cannot be read" in planned.output
    deleted = ok(zen("profile delete default -y"))
    assert "stacks.yaml" in deleted.stderr  # what it could not check, said before
    assert [p["name"] for p in json.loads(ok(zen("profile list -o json")).stdout)] == ["other"]


def test_a_ghost_global_profile_has_a_hint_that_works(zen, zen_home):
    ok(zen("profile list"))
    config = zen_home / "config.yaml"
    config.write_text(config.read_text().replace('"activated_profile": "default"',
                                                 '"activated_profile": "ghost"'))
    error = failed(zen("stack list"))
    assert "ghost" in error
    listed = ok(zen("profile list"))  # listing still works, with nothing marked active
    assert active_rows(listed.stdout) == []
    commands = hinted_commands(error)
    assert commands
    for command in commands:
        ok(zen(shlex.split(command.replace("NAME", "default"))[1:]))
    ok(zen("stack list"))


def test_a_repository_follows_a_rename_made_elsewhere(zen, zen_home, tmp_path, monkeypatch):
    ok(zen("profile list"))
    ok(zen("profile create team"))
    ok(zen("--profile team stack register t2 -o default -m default -a default"))
    repo = tmp_path / "work" / "repo"
    repo.mkdir()
    monkeypatch.chdir(repo)
    ok(zen("init"))
    ok(zen("profile set team"))
    ok(zen("stack set t2"))
    monkeypatch.chdir(tmp_path / "work")
    ok(zen("profile rename team crew"))  # outside the repository
    monkeypatch.chdir(repo)
    status = json.loads(ok(zen("status -o json")).stdout)
    assert status["profile"] == {"name": "crew", "scope": "local"}
    assert status["stack"]["name"] == "t2"
    saved = json.loads((repo / ".zen" / "config.yaml").read_text())
    assert saved["active_profile_name"] == "crew"  # written for ZenML 0.7 too


def test_a_repository_written_before_profile_ids_still_loads(zen, tmp_path, monkeypatch):
    ok(zen("profile list"))
    repo = tmp_path / "work" / "old"
    (repo / ".zen").mkdir(parents=True)
    (repo / ".zen" / "config.yaml").write_text(
        "active_profile_name: default\nactive_stack_name: default\n")
    monkeypatch.chdir(repo)
    status = json.loads(ok(zen("status -o json")).stdout)
    assert status["profile"] == {"name": "default", "scope": "local"}


# --- smaller ways out (issue 20's "Smaller") ---------------------------------------------
@pytest.mark.parametrize("command", [
    "stack register s1 -o json -m default -a default",
    "stack update default -o yaml",
])
def test_dash_o_json_names_an_orchestrator_and_the_error_says_so(zen, command):
    ok(zen("profile list"))
    error = failed(zen(command))
    assert "Here -o is --orchestrator" in error and "`--output " in error


def test_dash_o_json_on_import_says_so_too(zen, tmp_path):
    ok(zen("profile list"))
    exported = tmp_path / "default.yaml"
    ok(zen(f"stack export default {exported}"))
    error = failed(zen(f"stack import {exported} --name again -o json"))
    assert "`--output json`" in error


def test_a_component_used_by_several_stacks_says_stacks(zen):
    ok(zen("profile list"))
    ok(zen("stack register s1 -o default -m default -a default"))
    error = failed(zen("orchestrator delete default"))
    assert "used by stacks 'default', 's1'. Remove it from those stacks" in error


def test_profile_explain_has_no_trailing_spaces_in_a_pipe(zen_process, zen_home):
    explained = ok(zen_process("profile explain"))
    assert explained.stdout.strip()
    assert all(line == line.rstrip() for line in explained.stdout.splitlines())


def test_init_leaves_no_lock_file_in_the_repository(zen, tmp_path, monkeypatch):
    repo = tmp_path / "work" / "repo"
    repo.mkdir()
    monkeypatch.chdir(repo)
    ok(zen("init"))
    # what a person commits: the config, and the .gitignore of the locks later commands take
    assert sorted(p.name for p in (repo / ".zen").iterdir()) == [".gitignore", "config.yaml"]
