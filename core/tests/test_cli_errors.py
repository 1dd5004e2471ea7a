"""Bad input anywhere: one ``Error: ...`` line on stderr, exit code 1, no traceback, and
nothing changed on disk."""

from __future__ import annotations

import json
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
    assert "pip install ./plugins/sql_store` in a clone of zen's repository" in error
    assert "pip install --no-index --find-links WHEELHOUSE zen-sql-store`" in error


# --- unknown names -----------------------------------------------------------------------
PROFILE_MISSING = "Profile 'nope' does not exist. Available profiles: default."
STACK_MISSING = "Unable to find stack with name 'nope'. Available stacks: 'default'."
ORCHESTRATOR_MISSING = ("Unable to find orchestrator with name 'nope'. "
                        "Available orchestrators: 'default'.")


@pytest.mark.parametrize(
    "command, message",
    [
        ("profile set nope", PROFILE_MISSING),
        ("profile set --global nope", PROFILE_MISSING),
        ("profile describe nope", PROFILE_MISSING),
        ("profile delete nope", PROFILE_MISSING),
        ("stack set nope", STACK_MISSING),
        ("stack set --global nope", STACK_MISSING),
        ("stack describe nope", STACK_MISSING),
        ("stack delete nope", STACK_MISSING),
        ("stack update nope -a default", STACK_MISSING),
        ("stack rename nope other", STACK_MISSING),
        ("stack remove-component nope -c", STACK_MISSING),
        ("orchestrator describe nope", ORCHESTRATOR_MISSING),
        ("orchestrator delete nope", ORCHESTRATOR_MISSING),
        ("orchestrator update nope --airflow_home=x", ORCHESTRATOR_MISSING),
        ("orchestrator rename nope other", ORCHESTRATOR_MISSING),
        ("container-registry delete nope", "Unable to find container registry with name "
                                           "'nope'. Available container registries: none."),
    ],
)
def test_missing_things(zen, unchanged, command, message):
    # what is missing, of which kind, and the names there are to choose from
    assert unchanged(zen(command)) == f"Error: {message}"


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
STACK_EXISTS = "A stack with name 'default' already exists. Please choose a different name."
ORCHESTRATOR_EXISTS = ("An orchestrator with name 'default' already exists. "  # 0.7's wording
                       "Please choose a different name.")


@pytest.mark.parametrize(
    "command, message",
    [
        ("profile create default", "Profile 'default' already exists."),
        ("stack register default -o default -m default -a default", STACK_EXISTS),
        ("orchestrator register default -t local", ORCHESTRATOR_EXISTS),
        ("stack rename s default", STACK_EXISTS),
        ("orchestrator rename o default", ORCHESTRATOR_EXISTS),
    ],
)
def test_registering_an_existing_name(zen, more, unchanged, command, message):
    assert unchanged(zen(command)) == f"Error: {message}"


@pytest.fixture
def more(zen, home):
    """A stack `s` and an orchestrator `o` besides the defaults."""
    for command in ("stack register s -o default -m default -a default",
                    "orchestrator register o -t local"):
        assert zen(command).exit_code == 0


@pytest.mark.parametrize(("command", "error"), [
    ("stack rename default default", "Error: A stack with name 'default' already exists. "
                                     "Please choose a different name."),
    ("orchestrator rename default default", "Error: An orchestrator with name 'default' "
                                            "already exists. Please choose a different name."),
])
def test_renaming_to_the_same_name(zen, unchanged, command, error):
    assert unchanged(zen(command)) == error


def test_an_existing_component_of_another_stack_profile_is_fine(zen, home):
    # The same name in another profile is another component.
    def registries() -> dict[str, dict]:
        listed = zen("container-registry list --output json")
        assert listed.exit_code == 0, listed.output
        return {c["name"]: c["config"] for c in json.loads(listed.stdout)}

    assert zen("container-registry register reg -t default --uri=localhost:5000").exit_code == 0
    assert zen("profile create other").exit_code == 0
    assert zen("profile set other").exit_code == 0
    assert registries() == {}
    result = zen("container-registry register reg -t default --uri=localhost:6000")
    assert result.exit_code == 0, result.output
    assert "Error" not in result.output
    assert registries() == {"reg": {"uri": "localhost:6000"}}
    assert zen("profile set default").exit_code == 0
    assert registries() == {"reg": {"uri": "localhost:5000"}}  # untouched


# --- usage errors ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "command, says",
    [
        ("stack list --bogus", "No such option '--bogus'. (see `zenml stack list --help`)"),
        ("stack list --output xml", "'xml' is not one of 'table', 'json', 'yaml'."),
        ("stack register s -o default", "Missing option '--metadata-store'"),
        ("profile create", "Missing argument 'NAME'. (see `zenml profile create --help`)"),
        ("stack nope", "No such command 'nope'. (see `zenml stack --help`)"),
        ("nope", "No such command 'nope'. (see `zenml --help`)"),
        ("orchestrator register o", "Missing option '--type' / '-t' (the flavor)."),
        ("orchestrator register o -t airflow airflow_home=x",
         "Unexpected argument 'airflow_home=x'. Give configuration as --key=value"),
        ("orchestrator register o -t airflow --airflow_home=a --airflow_home=b",
         "The option --airflow_home is given twice."),
        ("container-registry update default",
         "Give at least one --key=value (or --flavor, or --label) to change."),
        ("stack update default", "Name at least one component to change, e.g. -o ORCHESTRATOR "
                                 "(or a --label)."),
        ("stack remove-component default", "Name at least one component type to remove, e.g. -c."),
        ("init --path /nonexistent/zen/folder",
         "Invalid value for '--path': Directory '/nonexistent/zen/folder' does not exist."),
    ],
)
def test_usage_errors(zen, unchanged, command, says):
    # exit code 2 (a usage error), one line that says what is wrong
    assert says in unchanged(zen(command), exit_code=2)


def test_unknown_option_names_it(zen, unchanged):
    error = unchanged(zen("stack list --bogus"), exit_code=2)
    assert "--bogus" in error


# --- in use ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "command, says",
    [
        ("profile delete default", "Profile 'default' cannot be deleted because it's globally "
                                   "active. Please choose a different active global profile "
                                   "first by running 'zenml profile set --global PROFILE'."),
        ("stack delete default", "Stack 'default' cannot be deleted while it is globally "
                                 "active. Please choose a different active global stack first "
                                 "by running 'zenml stack set --global STACK'."),
        ("orchestrator delete default", "The orchestrator 'default' cannot be deleted: it is "
                                        "used by stack 'default'. Remove it from that stack "
                                        "first"),
        ("artifact-store delete default", "The artifact store 'default' cannot be deleted: it "
                                          "is used by stack 'default'."),
    ],
)
def test_things_in_use(zen, unchanged, command, says):
    # why it is refused and what to do first; nothing deleted (``unchanged``)
    assert says in unchanged(zen(command))


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
