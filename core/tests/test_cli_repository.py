"""Repositories, environment overrides and profile commands: what is global, what is local."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from zen_core.testing.cli import active_rows, failed, ok, rows, usage_error

NO_ROOT = "Running without an active repository root."


def read(path: Path) -> dict:
    return yaml.safe_load(path.read_text()) or {}


@pytest.fixture
def gconf(zen_home):
    """The global config.yaml, read fresh on each call."""
    return lambda: read(zen_home / "config.yaml")


@pytest.fixture
def world(zen, tmp_path, monkeypatch):
    """Profiles default (globally active) and other; stack `s2` in both; a repository
    at work/repo (initialized with default/default); cwd outside it (work)."""
    ok(zen("profile list"))
    ok(zen("profile create other"))
    ok(zen("stack register s2 -o default -m default -a default"))
    ok(zen("profile set other"))
    ok(zen("stack register s2 -o default -m default -a default"))
    ok(zen("profile set default"))
    root = tmp_path / "work" / "repo"
    root.mkdir()
    ok(zen(["init", "--path", str(root)]))
    return root


def local_config(root: Path) -> dict:
    """The repository's ZenML 0.7 keys (zen adds the chosen profile's identity)."""
    data = read(root / ".zen" / "config.yaml")
    data.pop("active_profile_id", None)
    return data


# --- what `set` changes -----------------------------------------------------------------
def test_init_pins_the_global_choices(world):
    assert local_config(world) == {"active_profile_name": "default",
                                   "active_stack_name": "default"}


def test_profile_set_inside_a_repository_changes_only_the_repository(
    zen, world, gconf, monkeypatch
):
    monkeypatch.chdir(world)
    result = ok(zen("profile set other"))
    assert "Active profile changed to: 'other'" in result.stderr
    assert local_config(world)["active_profile_name"] == "other"
    assert gconf()["activated_profile"] == "default"
    assert "Running with active profile: 'other' (local)" in ok(zen("stack list")).stderr

    monkeypatch.chdir(world.parent)
    assert "Running with active profile: 'default' (global)" in ok(zen("stack list")).stderr


def test_profile_set_inside_resets_the_local_stack_to_the_profiles_active_stack(
    zen, world, monkeypatch
):
    ok(zen("profile set other"))
    ok(zen("stack set s2"))  # other's global active stack
    ok(zen("profile set default"))
    monkeypatch.chdir(world)
    ok(zen("profile set other"))
    assert local_config(world) == {"active_profile_name": "other", "active_stack_name": "s2"}


def test_profile_set_global_inside_a_repository_changes_the_global_config(
    zen, world, gconf, monkeypatch
):
    monkeypatch.chdir(world)
    result = ok(zen("profile set --global other"))
    assert "Active global profile changed to: 'other'" in result.stderr
    assert gconf()["activated_profile"] == "other"
    assert local_config(world)["active_profile_name"] == "default"
    assert "Running with active profile: 'default' (local)" in ok(zen("stack list")).stderr


def test_profile_set_outside_changes_the_global_config(zen, world, gconf):
    ok(zen("profile set other"))
    assert gconf()["activated_profile"] == "other"
    assert local_config(world)["active_profile_name"] == "default"


def test_stack_set_inside_a_repository_changes_only_the_repository(
    zen, world, gconf, monkeypatch
):
    monkeypatch.chdir(world)
    result = ok(zen("stack set s2"))
    assert "Active stack set to: 's2'" in result.stderr
    assert local_config(world)["active_stack_name"] == "s2"
    assert gconf()["profiles"]["default"]["active_stack"] == "default"
    assert active_rows(ok(zen("stack list")).stdout) == ["s2"]

    monkeypatch.chdir(world.parent)
    assert active_rows(ok(zen("stack list")).stdout) == ["default"]


def test_stack_set_global_inside_a_repository_changes_the_profile(
    zen, world, gconf, monkeypatch
):
    monkeypatch.chdir(world)
    result = ok(zen("stack set --global s2"))
    assert "Active global stack set to: 's2'" in result.stderr
    assert gconf()["profiles"]["default"]["active_stack"] == "s2"
    assert local_config(world)["active_stack_name"] == "default"
    assert active_rows(ok(zen("stack list")).stdout) == ["default"]


def test_stack_set_outside_changes_the_global_config(zen, world, gconf):
    ok(zen("stack set s2"))
    assert gconf()["profiles"]["default"]["active_stack"] == "s2"
    assert local_config(world)["active_stack_name"] == "default"


# --- local choices deleted elsewhere --------------------------------------------------
def test_a_local_profile_deleted_elsewhere_falls_back_to_the_global_one(
    zen, world, tmp_path, monkeypatch
):
    ok(zen("profile create x"))
    monkeypatch.chdir(world)
    ok(zen("profile set x"))
    monkeypatch.chdir(world.parent)
    ok(zen("profile set other"))
    ok(zen("profile delete x"))

    monkeypatch.chdir(world)
    result = ok(zen("stack list"))
    assert (
        "Profile `x` not found. Switching repository to the global active profile `other`."
        in result.stderr
    )
    assert "Running with active profile: 'other' (local)" in result.stderr
    assert [r[1] for r in rows(result.stdout)] == ["default", "s2"]
    assert local_config(world)["active_profile_name"] == "other"

    again = ok(zen("stack list"))
    assert "not found" not in again.stderr


def test_a_local_stack_deleted_elsewhere_falls_back_to_the_profiles_stack(
    zen, world, monkeypatch
):
    monkeypatch.chdir(world)
    ok(zen("stack set s2"))
    monkeypatch.chdir(world.parent)
    ok(zen("stack delete s2"))

    monkeypatch.chdir(world)
    result = ok(zen("stack list"))
    assert (
        "Stack `s2` not found. Switching the repository active stack to `default`."
        in result.stderr
    )
    assert active_rows(result.stdout) == ["default"]
    assert local_config(world)["active_stack_name"] == "default"
    assert "not found" not in ok(zen("stack list")).stderr


# --- ZENML_REPOSITORY_PATH -------------------------------------------------------------
def test_repository_path_names_the_repository(zen, world, monkeypatch):
    monkeypatch.chdir(world)
    ok(zen("profile set other"))
    monkeypatch.chdir(world.parent)
    monkeypatch.setenv("ZENML_REPOSITORY_PATH", str(world))

    result = ok(zen("stack list"))
    assert NO_ROOT not in result.stderr
    assert "Running with active profile: 'other' (local)" in result.stderr


def test_repository_path_is_not_searched_upwards(zen, world, monkeypatch):
    sub = world / "sub"
    sub.mkdir()
    monkeypatch.chdir(sub)
    assert "(local)" in ok(zen("stack list")).stderr  # walking up from the cwd finds it

    monkeypatch.setenv("ZENML_REPOSITORY_PATH", str(sub))
    result = ok(zen("stack list"))
    assert NO_ROOT in result.stderr
    assert "Running with active profile: 'default' (global)" in result.stderr


# --- ZENML_ACTIVATED_PROFILE / ZENML_ACTIVATED_STACK -----------------------------------------
def test_activated_profile_overrides_the_global_profile(zen, world, monkeypatch):
    monkeypatch.setenv("ZENML_ACTIVATED_PROFILE", "other")
    result = ok(zen("stack list"))
    assert "Running with active profile: 'other' (environment)" in result.stderr
    assert json.loads(ok(zen("profile get --output json")).stdout) == {
        "name": "other", "scope": "environment",
    }
    assert active_rows(ok(zen("profile list")).stdout) == ["other"]


def test_activated_profile_overrides_the_repository_profile(zen, world, monkeypatch):
    monkeypatch.chdir(world)
    monkeypatch.setenv("ZENML_ACTIVATED_PROFILE", "other")
    result = ok(zen("stack list"))
    assert "Running with active profile: 'other' (environment)" in result.stderr
    assert local_config(world)["active_profile_name"] == "default"


def test_an_unknown_activated_profile_is_an_error(zen, world, monkeypatch):
    monkeypatch.setenv("ZENML_ACTIVATED_PROFILE", "nope")
    error = failed(zen("stack list"))
    assert "ZENML_ACTIVATED_PROFILE" in error
    assert "nope" in error


def test_activated_stack_overrides_the_active_stack(zen, world, monkeypatch):
    monkeypatch.setenv("ZENML_ACTIVATED_STACK", "s2")
    assert active_rows(ok(zen("stack list")).stdout) == ["s2"]
    assert "The active stack is: 's2'" in ok(zen("stack get")).stdout
    assert json.loads(ok(zen("stack get --output json")).stdout) == {"name": "s2"}

    monkeypatch.chdir(world)
    assert active_rows(ok(zen("stack list")).stdout) == ["s2"]


def test_an_unknown_activated_stack_is_an_error(zen, world, monkeypatch):
    monkeypatch.setenv("ZENML_ACTIVATED_STACK", "nope")
    for command in ("stack list", "stack get"):
        error = failed(zen(command))
        assert "ZENML_ACTIVATED_STACK" in error
        assert "nope" in error


# --- zenml init ---------------------------------------------------------------------
def test_init_twice_is_refused(zen, tmp_path, monkeypatch):
    folder = tmp_path / "work" / "project"
    folder.mkdir()
    monkeypatch.chdir(folder)
    ok(zen("init"))
    before = (folder / ".zen" / "config.yaml").read_bytes()
    error = failed(zen("init"))
    assert "Found existing ZenML repository" in error
    assert str(folder.resolve()) in error
    assert (folder / ".zen" / "config.yaml").read_bytes() == before


def test_init_with_a_path(zen, tmp_path):
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    result = ok(zen(["init", "--path", str(folder)]))
    assert f"ZenML repository initialized at {folder.resolve()}." in result.stderr
    assert local_config(folder) == {"active_profile_name": "default",
                                    "active_stack_name": "default"}
    assert not (tmp_path / "work" / ".zen").exists()


def test_init_with_a_missing_path_is_an_error(zen, tmp_path):
    usage_error(zen(["init", "--path", str(tmp_path / "missing")]))
    assert not (tmp_path / "missing").exists()


# --- profile delete / describe / get / explain -------------------------------------------
def test_deleting_the_globally_active_profile_is_refused(zen, world, zen_home):
    error = failed(zen("profile delete default"))
    assert "globally" in error
    assert "zenml profile set" in error
    assert (zen_home / "profiles" / "default").is_dir()


def test_deleting_the_locally_active_profile_is_refused(zen, world, zen_home, monkeypatch):
    monkeypatch.chdir(world)
    ok(zen("profile set other"))
    error = failed(zen("profile delete other"))
    assert "locally active" in error
    assert "zenml profile set" in error
    assert (zen_home / "profiles" / "other").is_dir()


def test_deleting_another_profile_removes_it_and_its_folder(zen, world, zen_home, gconf):
    assert (zen_home / "profiles" / "other").is_dir()
    result = ok(zen("profile delete other"))
    assert "Deleted profile 'other'." in result.stderr
    assert not (zen_home / "profiles" / "other").exists()
    assert "other" not in gconf()["profiles"]
    assert [r[1] for r in rows(ok(zen("profile list")).stdout)] == ["default"]


def test_profile_describe(zen, world, zen_home):
    result = ok(zen("profile describe"))
    assert "'default' Profile Configuration (ACTIVE)" in result.stdout
    table = dict(r[:2] for r in rows(result.stdout))
    assert table["NAME"] == "default"
    assert table["STORE_TYPE"] == "local"
    assert table["STORE_URL"] == (zen_home / "profiles" / "default").as_uri()
    assert table["ACTIVE_STACK"] == "default"

    other = ok(zen("profile describe other"))
    assert "'other' Profile Configuration" in other.stdout
    assert "(ACTIVE)" not in other.stdout


def test_profile_get(zen, world, monkeypatch):
    assert ok(zen("profile get")).stdout.strip() == "Active profile is: default"
    assert json.loads(ok(zen("profile get --output json")).stdout) == {
        "name": "default", "scope": "global",
    }
    monkeypatch.chdir(world)
    ok(zen("profile set other"))
    assert ok(zen("profile get")).stdout.strip() == "Active profile is: other"
    assert yaml.safe_load(ok(zen("profile get --output yaml")).stdout) == {
        "name": "other", "scope": "local",
    }


def test_profile_explain(zen):
    result = ok(zen("profile explain"))
    text = " ".join(result.stdout.split())  # rich wraps the lines
    # what profiles and stacks are, where each choice lives, and how to override both
    for words in ("A stack is a named set of configured components",
                  "A profile is a configuration context",
                  "(local, the default)", "a SQL database (sql)", "over the network (rest)",
                  "zenml init creates a .zen folder", "Running with active profile: 'x' (local)",
                  "--global changes the global one",
                  "ZENML_ACTIVATED_PROFILE and ZENML_ACTIVATED_STACK override both"):
        assert words in text, words
    assert result.stderr.count("Error") == 0


def test_deleting_a_profile_with_its_store_elsewhere_keeps_that_store(zen, world, tmp_path):
    store = tmp_path / "elsewhere"
    ok(zen(["profile", "create", "p3", "--store-type", "local", "--url", str(store)]))
    listed = {r[1]: r for r in rows(ok(zen("profile list")).stdout)}
    assert str(store) in listed["p3"][3]
    assert (store / "stacks.yaml").is_file()
    ok(zen("profile delete p3"))
    assert (store / "stacks.yaml").is_file()  # the user's folder, not ours to remove
    assert "p3" not in {r[1] for r in rows(ok(zen("profile list")).stdout)}


def test_deleting_the_environment_profile_names_the_variable(zen, world, monkeypatch):
    monkeypatch.setenv("ZENML_ACTIVATED_PROFILE", "other")
    error = failed(zen("profile delete other"))
    assert "ZENML_ACTIVATED_PROFILE" in error


@pytest.mark.parametrize("inside", [False, True], ids=["outside", "inside"])
def test_setting_the_active_profile_again_is_not_an_error(zen, world, monkeypatch, inside):
    if inside:
        monkeypatch.chdir(world)
    result = ok(zen("profile set default"))
    assert "already" in result.stderr


def test_setting_the_active_stack_again_is_fine(zen, world):
    ok(zen("stack set default"))
    assert active_rows(ok(zen("stack list")).stdout) == ["default"]


def test_deleting_the_locally_active_stack_is_refused(zen, world, monkeypatch):
    monkeypatch.chdir(world)
    ok(zen("stack set s2"))
    error = failed(zen("stack delete s2"))
    assert "zenml stack set" in error
    monkeypatch.chdir(world.parent)
    assert "s2" in {r[1] for r in rows(ok(zen("stack list")).stdout)}


def test_deleting_the_globally_active_stack_from_a_repository_is_refused(
    zen, world, monkeypatch
):
    monkeypatch.chdir(world)
    ok(zen("stack set s2"))
    error = failed(zen("stack delete default"))
    assert "globally" in error
    assert "zenml stack set --global" in error


def test_activated_stack_is_what_stack_describe_shows(zen, world, monkeypatch):
    monkeypatch.setenv("ZENML_ACTIVATED_STACK", "s2")
    described = json.loads(ok(zen("stack describe --output json")).stdout)
    assert (described["name"], described["active"]) == ("s2", True)
    assert json.loads(ok(zen("orchestrator get --output json")).stdout) == {"name": "default"}


def test_a_repository_commits_without_zens_lock_files(zen, world, monkeypatch):
    """`git status` in a repository shows .zen's config and its .gitignore, never a lock."""
    import subprocess

    from zen_core.testing.require import require_programs

    require_programs("git")

    def untracked() -> list[str]:
        done = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"],
                              cwd=world, capture_output=True, text=True, check=True)
        return sorted(line[3:] for line in done.stdout.splitlines())

    subprocess.run(["git", "init", "-q"], cwd=world, check=True)
    monkeypatch.chdir(world)
    ok(zen("stack set s2"))  # takes the lock beside .zen/config.yaml
    assert (world / ".zen" / "config.yaml.lock").exists()
    assert untracked() == [".zen/.gitignore", ".zen/config.yaml"]
    # A repository made before zen wrote .gitignore gets it with its next change.
    (world / ".zen" / ".gitignore").unlink()
    ok(zen("stack set default"))
    assert untracked() == [".zen/.gitignore", ".zen/config.yaml"]
