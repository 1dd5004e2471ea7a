"""Help that helps: groups print their help, every command's help has an example, grammar,
"did you mean" for every command, ``zenml version``, names shown as typed."""

from __future__ import annotations

import json
import re

import click
import pytest

from zen_core.testing.cli import failed, ok, usage_error


def all_commands() -> list[tuple[str, click.Command]]:
    """Every command and group under ``zenml``, by path (``stack list``), core and plugins."""
    from zen_core.cli.main import cli

    ctx = click.Context(cli, info_name="zenml")
    found: list[tuple[str, click.Command]] = []

    def walk(group: click.Group, prefix: str) -> None:
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            path = f"{prefix} {name}".strip()
            found.append((path, command))
            if isinstance(command, click.Group):
                walk(command, path)

    walk(cli, "")
    return found


def groups() -> list[str]:
    return ["", *(path for path, c in all_commands() if isinstance(c, click.Group))]


@pytest.mark.parametrize("path", groups())
def test_a_group_without_its_subcommand_prints_its_help(zen, path):
    result = zen(path)
    assert result.exit_code == 0, result.output
    assert "Error" not in result.output
    assert result.stdout.startswith(f"Usage: zenml {path}".rstrip() + " ")
    assert "\nCommands:\n" in result.stdout
    assert "Example" in result.stdout


def test_every_command_has_an_example():
    missing = set()
    for path, command in all_commands():
        ctx = click.Context(command, info_name=path)
        if not re.search(r"Examples?:\n +.*\bzenml ", command.get_help(ctx)):
            missing.add(path)
    assert missing == set()


def test_examples_are_shown_as_written(zen):
    text = ok(zen("stack list --help")).stdout
    assert ("Examples:\n    zenml stack list\n    zenml stack list --name contains:prod "
            "--sort=-updated --limit 10 --page 2\n") in text


def test_every_command_takes_the_shared_options():
    for path, command in all_commands():
        options = {opt for p in command.params for opt in p.opts}
        assert {"--profile", "--stack", "--quiet"} <= options, path


def test_grammar():
    texts = []
    for path, command in all_commands():
        texts.append(command.get_help(click.Context(command, info_name=path)))
    text = " ".join(" ".join(texts).split())
    assert not re.search(r"\b[Aa] (orchestrator|artifact|experiment)\b", text)
    assert not re.search(r"\b[Aa]n (metadata|model|container|step|secrets|feature)\b", text)
    assert "Register an orchestrator" in text
    assert "Name of an artifact store to use" in text
    assert "Delete an experiment tracker that no stack uses" in text


@pytest.mark.parametrize(("typo", "suggestion"), [
    ("stak", "'stack'"),
    ("profil", "'profile'"),
    ("orchestrater", "'orchestrator'"),
    ("stack lsit", "'list'"),
    ("verison", "'version'"),
])
def test_did_you_mean(zen, typo, suggestion):
    error = usage_error(zen(typo))
    assert "Did you mean" in error and suggestion in error


def test_version_lists_core_and_every_plugin(zen):
    from zen_core import __version__

    data = json.loads(ok(zen("version -o json")).stdout)
    versions = {d["distribution"]: d["version"] for d in data["distributions"]}
    assert versions["zen-core"] == __version__
    assert "zen-local-store" in versions
    assert data["python"]
    assert "zen-core" in ok(zen("version")).stdout


def test_a_refused_name_is_shown_as_typed(zen):
    ok(zen("profile list"))
    error = failed(zen("stack register café -o default -m default -a default"))
    assert "Invalid stack name 'café'" in error
    error = failed(zen(["stack", "register", "a\nb", "-o", "default", "-m", "default",
                        "-a", "default"]))
    assert "'a\\nb'" in error  # what cannot be shown is escaped
