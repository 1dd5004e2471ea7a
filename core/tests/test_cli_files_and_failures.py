"""What zen reads from files is checked like what is typed; a store that has gone is an error;
OS failures are one clear line. In every case nothing changes on disk."""

from __future__ import annotations

import errno
import os
import shutil

import pytest
import yaml

from zen_core.testing.cli import failed, ok, snapshot


@pytest.fixture
def home(zen, zen_home):
    ok(zen("profile list"))
    return zen_home


def edit_yaml(path, edit) -> None:
    data = yaml.safe_load(path.read_text())
    edit(data)
    path.write_text(yaml.safe_dump(data))


# --- names read from files ---------------------------------------------------------------
def test_a_profile_named_like_a_path_in_config_yaml_is_refused(zen, home, tmp_path):
    beside = tmp_path / "beside.txt"
    beside.write_text("keep me")
    edit_yaml(home / "config.yaml",
              lambda d: d["profiles"].update({"../..": {"store_type": "local"}}))
    before = snapshot(tmp_path)
    for command in ("profile delete ../..", "profile list", "stack list"):
        error = failed(zen(command))
        assert str(home / "config.yaml") in error and "'../..'" in error
    assert snapshot(tmp_path) == before
    assert beside.read_text() == "keep me"


def test_a_component_named_like_a_path_in_stacks_yaml_is_refused(zen, home, tmp_path):
    victim = home / "profiles" / "victim.yaml"
    victim.write_text("precious: true\n")
    index = home / "profiles" / "default" / "stacks.yaml"
    edit_yaml(index, lambda d: d["stack_components"]["orchestrator"].update(
        {"../victim": "local"}))
    before = snapshot(home)
    error = failed(zen("orchestrator delete ../victim"))
    assert str(index) in error and "'../victim'" in error
    failed(zen("orchestrator list"))
    assert snapshot(home) == before


def test_a_bad_active_stack_in_the_repository_config_names_key_and_file(zen, home, tmp_path):
    ok(zen(f"init --path {tmp_path}"))
    config = tmp_path / ".zen" / "config.yaml"
    edit_yaml(config, lambda d: d.update(active_stack_name="../up"))
    os.chdir(tmp_path)
    error = failed(zen("stack list"))
    assert "'active_stack_name'" in error and str(config) in error


# --- values of the wrong type ------------------------------------------------------------
@pytest.mark.parametrize(("edit", "said"), [
    (lambda d: d.update(activated_profile=["a"]), "'activated_profile'"),
    (lambda d: d["profiles"]["default"].update(store_url=5), "'store_url' of the profile"),
    (lambda d: d["profiles"]["default"].update(store_type={"x": 1}), "'store_type'"),
    (lambda d: d["profiles"]["default"].update(active_stack=3), "'active_stack'"),
    (lambda d: d.update(profiles=["default"]), "'profiles'"),
])
def test_a_value_of_the_wrong_type_in_config_yaml_names_key_and_file(zen, home, edit, said):
    edit_yaml(home / "config.yaml", edit)
    before = snapshot(home)
    error = failed(zen("stack list"))
    assert said in error and str(home / "config.yaml") in error
    assert "Unexpected" not in error
    assert snapshot(home) == before


def test_a_config_yaml_that_is_not_utf8(zen, home):
    (home / "config.yaml").write_bytes(b"activated_profile: caf\xe9\n")
    before = snapshot(home)
    error = failed(zen("profile list"))
    assert "not UTF-8" in error and str(home / "config.yaml") in error
    assert snapshot(home) == before


# --- a store that has gone ------------------------------------------------------------------
def test_a_store_whose_folder_has_gone_is_an_error_and_nothing_is_rewritten(zen, home):
    ok(zen("profile create gone"))
    ok(zen("profile set gone"))
    ok(zen("orchestrator register o -t local"))
    ok(zen("stack register s -o o -m default -a default"))
    ok(zen("stack set s"))
    shutil.rmtree(home / "profiles" / "gone")
    before = snapshot(home)
    for command in ("stack list", "stack describe", "orchestrator register p -t local",
                    "stack register t -o default -m default -a default"):
        error = failed(zen(command))
        assert "is missing" in error and str(home / "profiles" / "gone") in error
        assert "zenml profile delete gone" in error
    assert snapshot(home) == before  # the active stack 's' is still recorded
    assert not (home / "profiles" / "gone").exists()  # no new store in its place
    # the other profiles still work, and the gone one can be removed
    assert "gone" in ok(zen("profile list")).stdout
    ok(zen("profile set default"))
    ok(zen("profile delete gone"))


def test_a_store_folder_restored_is_used_again(zen, home, tmp_path):
    ok(zen("orchestrator register o -t local"))
    shutil.move(home / "profiles" / "default", tmp_path / "away")
    failed(zen("orchestrator list"))
    shutil.move(tmp_path / "away", home / "profiles" / "default")
    assert "o" in ok(zen("orchestrator list")).stdout


# --- OS failures ------------------------------------------------------------------------------
@pytest.mark.parametrize(("code", "said"), [
    (errno.EROFS, "the file system is read-only"),
    (errno.ENOSPC, "no space left on the device"),
    (errno.EACCES, "permission denied"),
])
@pytest.mark.parametrize("command", [
    "orchestrator register o -t local", "profile create other", "stack set default --global",
])
def test_os_failures_are_one_line_and_change_nothing(zen, home, monkeypatch, code, said,
                                                     command):
    before = snapshot(home)
    real_mkstemp = __import__("tempfile").mkstemp

    def refuse(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    with monkeypatch.context() as patch:
        patch.setattr("tempfile.mkstemp", refuse)
        error = failed(zen(command))
    assert error.startswith("Error: Cannot write ") and error.endswith(f": {said}.")
    assert "Unexpected" not in error
    assert snapshot(home) == before
    assert real_mkstemp is __import__("tempfile").mkstemp
