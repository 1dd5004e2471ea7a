"""Bad input anywhere: one ``Error: ...`` line on stderr, exit code 1, no traceback, and
nothing changed on disk."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from zen_core.plugins import reset_plugin_manager
from zen_core.testing.cli import snapshot

BAD_NAMES = {
    "dotdot": "../x",
    "slash": "a/b",
    "empty": "",
    "nul": "a\x00b",
    "long": "n" * 300,
}


def single_error(result, exit_code: int = 1) -> str:
    """Assert the failure shape (exit 1, or 2 for a usage error) and return the ``Error: ...``
    line."""
    assert result.exit_code == exit_code, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, result.stderr
    assert result.stderr.rstrip("\n").splitlines()[-1] == errors[0]
    assert "Error" not in result.stdout
    return errors[0]


@pytest.fixture
def home(zen, zen_home) -> Path:
    """A config dir after the first run (the default profile exists)."""
    result = zen("profile list")
    assert result.exit_code == 0, result.output
    return zen_home


@pytest.fixture
def unchanged(home):
    """Call with a result: asserts it failed as one line and left the config dir as it was."""
    before = snapshot(home)

    def check(result, exit_code: int = 1) -> str:
        error = single_error(result, exit_code)
        assert snapshot(home) == before
        return error

    return check


# --- bad names -----------------------------------------------------------------------------
NAME_COMMANDS = {
    "profile-create": ["profile", "create", "{}"],
    "stack-register": ["stack", "register", "{}", "-o", "default", "-m", "default",
                       "-a", "default"],
    "orchestrator-register": ["orchestrator", "register", "{}", "-t", "local"],
    "stack-rename": ["stack", "rename", "default", "{}"],
    "orchestrator-rename": ["orchestrator", "rename", "default", "{}"],
}


@pytest.mark.parametrize("command", NAME_COMMANDS.values(), ids=NAME_COMMANDS.keys())
@pytest.mark.parametrize("name", BAD_NAMES.values(), ids=BAD_NAMES.keys())
def test_bad_names_are_refused(zen, unchanged, command, name):
    argv = [name if arg == "{}" else arg for arg in command]
    error = unchanged(zen(argv))
    assert "name" in error
    assert "\x00" not in error


def test_a_bad_name_in_a_real_process(zen_process, unchanged, tmp_path):
    result = zen_process(["profile", "create", "../escape"], cwd=tmp_path / "work")
    unchanged(result)
    assert not (tmp_path / "config" / "escape").exists()


# --- store types ---------------------------------------------------------------------------
def test_unknown_store_type(zen, unchanged):
    error = unchanged(zen("profile create p -t nope"))
    assert "nope" in error
    assert "local" in error


def test_sql_store_type_without_the_plugin(zen, unchanged, monkeypatch):
    from zen_core import entrypoints

    installed = entrypoints.scan
    monkeypatch.setattr(entrypoints, "scan", lambda group: [
        ep for ep in installed(group) if ep.distribution != "zen-sql-store"])
    monkeypatch.setattr(entrypoints, "discover", lambda group, cache_dir: entrypoints.scan(group))
    reset_plugin_manager()
    error = unchanged(zen("profile create p -t sql"))
    assert "pip install zen-sql-store" in error


# --- unknown names -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "command",
    [
        "profile set nope",
        "profile set --global nope",
        "profile describe nope",
        "profile delete nope",
        "stack set nope",
        "stack set --global nope",
        "stack describe nope",
        "stack delete nope",
        "stack update nope -a default",
        "stack rename nope other",
        "stack remove-component nope -c",
        "orchestrator describe nope",
        "orchestrator delete nope",
        "orchestrator update nope --airflow_home=x",
        "orchestrator rename nope other",
        "container-registry delete nope",
    ],
)
def test_missing_things(zen, unchanged, command):
    error = unchanged(zen(command))
    assert "nope" in error


@pytest.mark.parametrize(
    "command, what",
    [
        ("stack register s -o nope -m default -a default", "nope"),
        ("stack register s -o default -m default -a default -c nope", "nope"),
        ("stack update default -m nope", "nope"),
    ],
)
def test_a_stack_referencing_a_missing_component(zen, unchanged, command, what):
    error = unchanged(zen(command))
    assert what in error


# --- things that exist already -------------------------------------------------------------
@pytest.mark.parametrize(
    "command",
    [
        "profile create default",
        "stack register default -o default -m default -a default",
        "orchestrator register default -t local",
        "stack rename s default",
        "orchestrator rename o default",
    ],
)
def test_registering_an_existing_name(zen, more, unchanged, command):
    error = unchanged(zen(command))
    assert "default" in error


@pytest.fixture
def more(zen, home):
    """A stack `s` and an orchestrator `o` besides the defaults."""
    for command in ("stack register s -o default -m default -a default",
                    "orchestrator register o -t local"):
        assert zen(command).exit_code == 0


@pytest.mark.parametrize("command", ["stack rename default default",
                                     "orchestrator rename default default"])
def test_renaming_to_the_same_name(zen, unchanged, command):
    error = unchanged(zen(command))
    assert "already exists" in error


def test_an_existing_component_of_another_stack_profile_is_fine(zen, home):
    # The same name in another profile is another component.
    assert zen("profile create other").exit_code == 0
    assert zen("profile set other").exit_code == 0
    result = zen("container-registry register reg -t default --uri=localhost:5000")
    assert result.exit_code == 0, result.output


# --- usage errors ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "command",
    [
        "stack list --bogus",
        "stack list --output xml",
        "stack register s -o default",
        "profile create",
        "stack nope",
        "nope",
        "orchestrator register o",
        "orchestrator register o -t airflow airflow_home=x",
        "orchestrator register o -t airflow --airflow_home=a --airflow_home=b",
        "container-registry update default",
        "stack update default",
        "stack remove-component default",
        "init --path /nonexistent/zen/folder",
    ],
)
def test_usage_errors(zen, unchanged, command):
    unchanged(zen(command), exit_code=2)


def test_unknown_option_names_it(zen, unchanged):
    error = unchanged(zen("stack list --bogus"), exit_code=2)
    assert "--bogus" in error


# --- in use ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "command",
    ["profile delete default", "stack delete default", "orchestrator delete default",
     "artifact-store delete default"],
)
def test_things_in_use(zen, unchanged, command):
    unchanged(zen(command))


# --- broken files -------------------------------------------------------------------------
BROKEN = "stacks: [unclosed\n"


def test_a_broken_stacks_file(zen, home):
    stacks = home / "profiles" / "default" / "stacks.yaml"
    stacks.write_text(BROKEN)
    before = snapshot(home)
    error = single_error(zen("stack list"))
    assert str(stacks) in error
    assert re.search(r"line \d+", error)
    assert snapshot(home) == before


def test_a_broken_stacks_file_in_a_real_process(zen_process, home, tmp_path):
    stacks = home / "profiles" / "default" / "stacks.yaml"
    stacks.write_text(BROKEN)
    before = snapshot(home)
    error = single_error(zen_process("stack list", cwd=tmp_path / "work"))
    assert str(stacks) in error
    assert re.search(r"line \d+", error)
    assert snapshot(home) == before


@pytest.mark.parametrize("command", ["profile list", "stack list", "profile create p"])
def test_a_broken_global_config(zen, home, command):
    config = home / "config.yaml"
    config.write_text("profiles: [unclosed\n")
    before = snapshot(home)
    error = single_error(zen(command))
    assert str(config) in error
    assert re.search(r"line \d+", error)
    assert snapshot(home) == before


def test_a_broken_global_config_in_a_real_process(zen_process, home, tmp_path):
    config = home / "config.yaml"
    config.write_text("activated_profile: [unclosed\n")
    before = snapshot(home)
    error = single_error(zen_process("profile list", cwd=tmp_path / "work"))
    assert str(config) in error
    assert re.search(r"line \d+", error)
    assert snapshot(home) == before


def test_a_global_config_that_is_not_a_mapping(zen, home):
    config = home / "config.yaml"
    config.write_text("- just\n- a list\n")
    error = single_error(zen("profile list"))
    assert str(config) in error


def test_a_broken_repository_config(zen, home, tmp_path, monkeypatch):
    repo = tmp_path / "work" / "repo"
    repo.mkdir()
    monkeypatch.chdir(repo)
    assert zen("init").exit_code == 0
    local = repo / ".zen" / "config.yaml"
    local.write_text("active_profile_name: [unclosed\n")
    error = single_error(zen("stack list"))
    assert str(local) in error
    assert re.search(r"line \d+", error)


def test_a_bad_structured_value_names_the_option(zen, unchanged):
    error = unchanged(zen(["orchestrator", "register", "o", "-t", "vertex", "--location=eu",
                           "--pipeline_root=gs://b", "--labels=[unclosed"]))
    assert "labels" in error
    assert "[unclosed" not in error  # never echoed: it could be a secret
    assert "file" not in error


def test_a_config_path_that_is_a_file(zen, tmp_path, monkeypatch):
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("")
    monkeypatch.setenv("ZENML_CONFIG_PATH", str(not_a_folder))
    error = single_error(zen("stack list"))
    assert "Unexpected" not in error
    assert "ZENML_CONFIG_PATH" in error
    assert not_a_folder.read_text() == ""
