"""``--profile`` and ``--stack`` for one command (like ``aws --profile``, ``kubectl
--context``): before or after the subcommand, over every stored choice and the environment,
storing nothing; and ``-q/--quiet``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zen_core.client import Client
from zen_core.testing.cli import active_rows, failed, ok, rows, snapshot, usage_error


@pytest.fixture
def world(zen, tmp_path, monkeypatch):
    """Profiles default (globally active, stacks default + d2) and team (stacks default + t2,
    t2 active); a repository at work/repo pinned to default/d2; cwd inside it."""
    ok(zen("profile list"))
    ok(zen("stack register d2 -o default -m default -a default"))
    ok(zen("profile create team"))
    ok(zen("--profile team stack register t2 -o default -m default -a default"))
    ok(zen("--profile team stack set t2"))
    root = tmp_path / "work" / "repo"
    root.mkdir()
    monkeypatch.chdir(root)
    ok(zen("init"))
    ok(zen("stack set d2"))
    return root


def stack_names(result) -> list[str]:
    return [r[1] for r in rows(result.stdout)]


@pytest.mark.parametrize("command", [
    "--profile team stack list",
    "stack --profile team list",
    "stack list --profile team",
    "stack list --profile=team",
])
def test_the_profile_can_be_named_before_or_after_the_subcommand(zen, world, command):
    result = ok(zen(command))
    assert stack_names(result) == ["default", "t2"]
    assert active_rows(result.stdout) == ["t2"]  # the named profile's own active stack
    assert "Running with active profile: 'team' (--profile)" in result.stderr


def test_it_wins_over_the_environment_the_repository_and_the_global_choice(
        zen, world, monkeypatch):
    monkeypatch.setenv("ZENML_ACTIVATED_PROFILE", "default")
    monkeypatch.setenv("ZENML_ACTIVATED_STACK", "d2")  # goes with the environment's profile
    result = ok(zen("stack list --profile team"))
    assert active_rows(result.stdout) == ["t2"]
    assert json.loads(ok(zen("--profile team profile get -o json")).stdout) == {
        "name": "team", "scope": "--profile"}


def test_the_stack_can_be_named_too(zen, world):
    result = ok(zen("stack list --stack default"))
    assert active_rows(result.stdout) == ["default"]
    assert "(local)" in result.stderr  # the profile is still the repository's
    result = ok(zen("--profile team --stack default orchestrator list"))
    assert active_rows(result.stdout) == ["default"]
    assert json.loads(ok(zen("stack get --stack default -o json")).stdout) == {"name": "default"}


def test_nothing_stored_changes(zen, world, zen_home):
    before = {**snapshot(zen_home), **snapshot(world / ".zen")}
    for command in ("--profile team stack list", "stack list --stack default",
                    "--profile team --stack default stack describe", "status --profile team"):
        ok(zen(command))
    assert {**snapshot(zen_home), **snapshot(world / ".zen")} == before
    assert "(local)" in ok(zen("stack list")).stderr
    assert active_rows(ok(zen("stack list")).stdout) == ["d2"]


def test_writes_go_to_the_named_profile(zen, world):
    ok(zen("--profile team stack register t3 -o default -m default -a default"))
    assert "t3" in stack_names(ok(zen("stack list --profile team")))
    assert "t3" not in stack_names(ok(zen("stack list")))
    # `stack set` with a named profile sets that profile's own active stack
    ok(zen("stack set t3 --profile team"))
    assert active_rows(ok(zen("stack list --profile team")).stdout) == ["t3"]
    assert active_rows(ok(zen("stack list")).stdout) == ["d2"]


def test_unknown_names_are_one_line_errors(zen, world):
    assert "named by --profile does not exist" in failed(zen("stack list --profile nope"))
    error = failed(zen("stack list --stack nope"))
    assert "'nope' named by --stack does not exist in profile 'default'" in error
    assert "d2" in error  # the choices


def test_given_twice_with_different_values_is_a_usage_error(zen, world):
    error = usage_error(zen("--profile team stack list --profile default"))
    assert "--profile is given twice" in error
    ok(zen("--profile team stack list --profile team"))


def test_a_named_stack_is_not_protected_by_being_named(zen, world):
    ok(zen("--profile team stack register t3 -o default -m default -a default"))
    ok(zen("--profile team --stack t3 stack delete t3"))
    # what is stored stays protected
    assert "globally active" in failed(zen("--profile team stack delete t2"))
    assert "active" in failed(zen("--stack default stack delete d2"))


def test_a_named_profile_can_be_deleted_but_not_a_stored_one(zen, world):
    ok(zen("profile create spare"))
    ok(zen("--profile spare profile delete spare"))
    ok(zen("profile set team"))  # the repository's choice
    assert "locally active" in failed(zen("--profile default profile delete team"))


def test_the_python_api_takes_them_too(world):
    client = Client(profile="team").prepare()
    assert client.profile.name == "team" and client.profile_scope == "--profile"
    assert client.active_stack_name == "t2"
    assert Client(stack="default").active_stack_name == "default"


def test_quiet_leaves_data_warnings_and_errors(zen, world):
    result = ok(zen("-q stack list"))
    assert result.stderr == ""
    assert stack_names(result) == ["d2", "default"]
    result = ok(zen("stack register q -o default -m default -a default --quiet"))
    assert result.stderr == ""
    assert "Error:" in zen("stack list -q --profile nope").stderr


def test_a_plugin_command_with_its_own_profile_option_gets_the_named_one(zen, world):
    import click

    from zen_core.cli.main import cli
    from zen_core.cli.options import add_global_options

    seen = {}

    @click.command("probe")
    @click.option("--profile", default=None)
    def probe(profile):
        seen["profile"] = profile

    add_global_options(probe)
    cli.add_command(probe)
    try:
        ok(zen("--profile team probe"))
        assert seen["profile"] == "team"
        ok(zen("probe --profile default"))
        assert seen["profile"] == "default"
    finally:
        cli.commands.pop("probe")


def test_completion_of_names_follows_the_named_profile(zen_process, world):
    env = {"_ZENML_COMPLETE": "bash_complete", "COMP_WORDS": "zenml --profile team stack set ",
           "COMP_CWORD": "5"}
    result = zen_process([], cwd=world, env=env)
    assert result.stdout.split() == ["plain,default", "plain,t2"]


def test_repository_root_is_untouched_by_a_named_profile(zen, world):
    config = (world / ".zen" / "config.yaml").read_text()
    ok(zen("--profile team stack list"))
    assert (world / ".zen" / "config.yaml").read_text() == config
    assert Path(world / ".zen").is_dir()


def test_a_config_key_named_like_a_zen_option_goes_after_a_double_dash(zen, world):
    ok(zen("orchestrator register a -t airflow -- --airflow_home=/data/airflow"))
    error = failed(zen("orchestrator register b -t local -- --profile=aws-dev"))
    assert "unknown field 'profile'" in error  # reached the flavor, not zen's --profile
