"""The user guide's transcripts (../shared/seed/profiles.md) that need only the local store.

Each test replays the guide up to one transcript and checks what a user would look at:
the messages on stderr, in order, and the 👉 in the tables on stdout.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from zen_core.testing.cli import ACTIVE, active_rows, header, ok, row_named, rows

DEFAULT_STACK_REGISTRATION = [
    "Initializing store...",
    "Registered stack component with type 'orchestrator' and name 'default'.",
    "Registered stack component with type 'metadata_store' and name 'default'.",
    "Registered stack component with type 'artifact_store' and name 'default'.",
    "Registered stack with name 'default'.",
]
NO_ROOT = "Running without an active repository root."


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


# --- the guide, step by step ------------------------------------------------------------
def first_run(zen):
    return ok(zen("profile list"))


def create_zenml(zen):
    first_run(zen)
    return ok(zen("profile create zenml"))


def set_zenml(zen):
    create_zenml(zen)
    return ok(zen("profile set zenml"))


def register_local(zen):
    set_zenml(zen)
    return ok(zen("stack register local -m default -a default -o default"))


def set_local(zen):
    register_local(zen)
    return ok(zen("stack set local"))


@pytest.fixture
def repo(zen, tmp_path, monkeypatch) -> Path:
    """The guide's /tmp/zenml: a folder that `zenml init` made a repository (cwd inside)."""
    set_local(zen)
    folder = tmp_path / "work" / "zenml"
    folder.mkdir()
    monkeypatch.chdir(folder)
    ok(zen("init"))
    return folder


# --- The `default` Profile -------------------------------------------------------------
def test_first_run_creates_and_activates_the_default_profile(zen, zen_home):
    result = first_run(zen)

    assert lines(result.stderr) == [
        "Creating default profile...",
        "Initializing profile `default`...",
        *DEFAULT_STACK_REGISTRATION,
        "Created and activated default profile.",
        NO_ROOT,
        "Running with active profile: 'default' (global)",
    ]
    assert header(result.stdout) == [
        "ACTIVE", "PROFILE NAME", "STORE TYPE", "URL", "ACTIVE STACK",
    ]
    assert len(rows(result.stdout)) == 1
    mark, _, store_type, url, stack = row_named(result.stdout, "default")
    assert (mark, store_type, stack) == (ACTIVE, "local", "default")
    assert url.startswith("file://")
    assert url == (zen_home / "profiles" / "default").as_uri()


def test_second_run_does_not_create_the_default_profile_again(zen):
    first_run(zen)
    result = ok(zen("profile list"))
    assert lines(result.stderr) == [NO_ROOT, "Running with active profile: 'default' (global)"]
    assert active_rows(result.stdout) == ["default"]


# --- Profile Configuration and Storage -----------------------------------------------------
def test_profile_create_initializes_a_local_store_with_a_default_stack(zen):
    result = create_zenml(zen)
    assert lines(result.stderr) == [
        NO_ROOT,
        "Running with active profile: 'default' (global)",
        "Initializing profile `zenml`...",
        *DEFAULT_STACK_REGISTRATION,
        "Profile 'zenml' successfully created.",
    ]


def test_profile_list_shows_both_profiles_with_default_still_active(zen, zen_home):
    create_zenml(zen)
    result = ok(zen("profile list"))

    assert lines(result.stderr) == [NO_ROOT, "Running with active profile: 'default' (global)"]
    assert [r[1] for r in rows(result.stdout)] == ["default", "zenml"]
    assert row_named(result.stdout, "default")[0] == ACTIVE
    mark, _, store_type, url, stack = row_named(result.stdout, "zenml")
    assert (mark, store_type, stack) == ("", "local", "default")
    assert url == (zen_home / "profiles" / "zenml").as_uri()


# --- Working with Profiles ------------------------------------------------------------------
def test_profile_set_changes_the_active_profile(zen):
    result = set_zenml(zen)
    assert lines(result.stderr) == [
        NO_ROOT,
        "Running with active profile: 'default' (global)",
        "Active profile changed to: 'zenml'",
    ]
    listing = ok(zen("profile list"))
    assert "Running with active profile: 'zenml' (global)" in listing.stderr
    assert active_rows(listing.stdout) == ["zenml"]


def test_stack_register_in_the_active_profile(zen):
    result = register_local(zen)
    assert lines(result.stderr) == [
        NO_ROOT,
        "Running with active profile: 'zenml' (global)",
        "Registered stack with name 'local'.",
        "Stack 'local' successfully registered!",
    ]


def test_stack_set_local(zen):
    result = set_local(zen)
    assert lines(result.stderr) == [
        NO_ROOT,
        "Running with active profile: 'zenml' (global)",
        "Active stack set to: 'local'",
    ]


def test_stack_list_marks_the_local_stack_active(zen):
    set_local(zen)
    result = ok(zen("stack list"))

    assert lines(result.stderr) == [NO_ROOT, "Running with active profile: 'zenml' (global)"]
    assert header(result.stdout) == [
        "ACTIVE", "STACK NAME", "ARTIFACT_STORE", "METADATA_STORE", "ORCHESTRATOR",
    ]
    assert rows(result.stdout) == [
        ["", "default", "default", "default", "default"],
        [ACTIVE, "local", "default", "default", "default"],
    ]
    assert row_named(result.stdout, "local")[0] == ACTIVE
    assert row_named(result.stdout, "default")[0] == ""


def test_the_local_stack_exists_only_in_the_zenml_profile(zen):
    set_local(zen)
    ok(zen("profile set default"))
    result = ok(zen("stack list"))
    assert [r[1] for r in rows(result.stdout)] == ["default"]
    assert active_rows(result.stdout) == ["default"]


# --- Repositories --------------------------------------------------------------------------
def test_init_pins_the_global_profile_and_stack_locally(zen, tmp_path, monkeypatch):
    set_local(zen)
    folder = tmp_path / "work" / "zenml"
    folder.mkdir()
    monkeypatch.chdir(folder)
    result = ok(zen("init"))

    said = " ".join(result.stderr.split())
    assert f"ZenML repository initialized at {folder.resolve()}." in said
    assert (
        "The local active profile was initialized to 'zenml' and the local active stack "
        "to 'local'. This local configuration will only take effect when you're running "
        "ZenML from the initialized repository root, or from a subdirectory. For more "
        "information on profile and stack configuration, please run 'zenml profile "
        "explain'."
    ) in said
    assert (folder / ".zen").is_dir()


def test_stack_list_inside_the_repository_uses_the_local_profile(zen, repo):
    result = ok(zen("stack list"))
    assert lines(result.stderr) == ["Running with active profile: 'zenml' (local)"]
    assert NO_ROOT not in result.stderr
    assert active_rows(result.stdout) == ["local"]
    assert [r[1] for r in rows(result.stdout)] == ["default", "local"]


def test_stack_set_inside_the_repository_changes_only_the_repository(zen, repo, monkeypatch):
    result = ok(zen("stack set default"))
    assert lines(result.stderr) == [
        "Running with active profile: 'zenml' (local)",
        "Active stack set to: 'default'",
    ]

    inside = ok(zen("stack list"))
    assert lines(inside.stderr) == ["Running with active profile: 'zenml' (local)"]
    assert row_named(inside.stdout, "default")[0] == ACTIVE
    assert row_named(inside.stdout, "local")[0] == ""

    monkeypatch.chdir(repo.parent)  # cd ..
    outside = ok(zen("stack list"))
    assert lines(outside.stderr) == [NO_ROOT, "Running with active profile: 'zenml' (global)"]
    assert row_named(outside.stdout, "local")[0] == ACTIVE
    assert row_named(outside.stdout, "default")[0] == ""


def test_a_subfolder_of_the_repository_sees_the_local_settings(zen, repo, monkeypatch):
    ok(zen("stack set default"))
    sub = repo / "src" / "pipelines"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)

    result = ok(zen("stack list"))
    assert lines(result.stderr) == ["Running with active profile: 'zenml' (local)"]
    assert active_rows(result.stdout) == ["default"]


def test_profile_set_inside_the_repository_leaves_the_global_profile(zen, repo, monkeypatch):
    result = ok(zen("profile set default"))
    assert "Active profile changed to: 'default'" in result.stderr
    assert "Running with active profile: 'default' (local)" in ok(zen("stack list")).stderr

    monkeypatch.chdir(repo.parent)
    outside = ok(zen("stack list"))
    assert "Running with active profile: 'zenml' (global)" in outside.stderr
    assert active_rows(outside.stdout) == ["local"]
