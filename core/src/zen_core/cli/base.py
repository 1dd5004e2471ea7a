"""Top-level commands: ``init``, ``status``, ``plugins``, ``version`` and ``completion``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from zen_core.cli.options import PROFILE, STACK, examples
from zen_core.cli.output import emit_data, emit_result, output_option, print_table
from zen_core.client import Client


@click.command(epilog=examples("zenml init", "zenml init --path ~/projects/churn"))
@click.option("--path", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=None, help="The folder to initialize (default: the current one).")
@output_option
@click.pass_context
def init(ctx: click.Context, path: Path | None, output_format: str) -> None:
    """Make a folder a repository with its own active profile and stack.

    They start as the global ones, or as those named with --profile and --stack.
    """
    from zen_core.cli.output import info, warning
    from zen_core.repository import Repository
    from zen_core.services import choices, profiles

    root = (path or Path.cwd()).resolve()
    named, named_stack = ctx.meta.get(PROFILE), ctx.meta.get(STACK)
    client = Client(report=info, warn=warning, cwd=root, profile=named,
                    stack=named_stack).prepare()
    profile = (client.profile if named else
               client.config.get_profile(client.config.activated_profile))
    stack = (client.active_stack_name if named or named_stack else
             choices.active_stack_of(client.access_of(profile.name), profile))
    Repository.initialize(root, profile.name, stack,
                          profile_id=profiles.identity_of(client.config, profile.name))
    emit_result(
        f"ZenML repository initialized at {root}.\n"
        f"The local active profile was initialized to '{profile.name}' and the local active "
        f"stack to '{stack}'. This local configuration will only take effect when you're "
        "running ZenML from the initialized repository root, or from a subdirectory. For "
        "more information on profile and stack configuration, please run "
        "'zenml profile explain'.",
        {"root": str(root), "profile": profile.name, "stack": stack},
        output_format,
    )


@click.command(epilog=examples("zenml status", "zenml status --profile team -o json"))
@output_option
@click.pass_context
def status(ctx: click.Context, output_format: str) -> None:
    """Show what is in effect here: profile, stack, store, repository and services.

    Each with where it comes from (--profile, environment, local, global). Plugins
    report their own rows (`zen_status` hook: the zen service's, for one).
    """
    from zen_core.cli.output import info, warning
    from zen_core.services.status import summary

    client = Client(report=info, warn=warning, profile=ctx.meta.get(PROFILE),
                    stack=ctx.meta.get(STACK)).prepare()
    data = summary(client.context, client.access)
    items = _plugin_statuses(client.config.directory)
    data["services"] = {item.name: item.to_dict() for item in items}
    if emit_data(data, output_format):
        return
    stack = data["stack"]
    rows = [
        ["PROFILE", f"{data['profile']['name']} ({data['profile']['scope']})"],
        ["STACK", f"{stack['name']} ({stack['scope']})" if stack["name"]
         else stack.get("error") or "none"],
        ["STORE", f"{data['store']['type']}: {data['store']['url']}"],
        ["REPOSITORY", data["repository"] or "none (outside any repository)"],
    ]
    for item in items:
        rows.append([item.name.upper(), " ".join(filter(None, [item.state, item.detail]))])
    print_table(["WHAT", "IN EFFECT"], rows, keep=["WHAT"], show_header=False)


def _plugin_statuses(config_directory: Path | None) -> list[Any]:
    """Every plugin's ``zen_status`` items, by name; two with one name: the first."""
    from zen_core.plugins import get_plugin_manager

    found: dict[str, Any] = {}
    for _, item in get_plugin_manager().status_items(config_directory):
        found.setdefault(item.name, item)
    return list(found.values())


@click.command(epilog=examples("zenml plugins", "zenml plugins -o json",
                               "ZENML_DISABLE_PLUGINS=redis_store zenml plugins --disabled"))
@click.option("--disabled", is_flag=True,
              help="List only the plugins ZENML_DISABLE_PLUGINS switches off.")
@output_option
def plugins(disabled: bool, output_format: str) -> None:
    """List installed plugins: distribution, version, what each adds, and its problems.

    A plugin named in ZENML_DISABLE_PLUGINS (comma-separated) is not loaded at all.
    """
    from zen_core.cli.main import CORE_COMMANDS
    from zen_core.plugins import get_plugin_manager

    infos = get_plugin_manager(cached=False).describe(CORE_COMMANDS)
    rows = [
        {
            "name": i.name,
            "distribution": i.distribution,
            "version": i.version,
            "disabled": i.disabled,
            "error": i.error,
            "contributes": [f"{c.kind} {c.name}" for c in i.contributions],
            "problems": ([f"failed to load: {i.error}"] if i.error else []) + i.problems,
        }
        for i in infos if i.disabled or not disabled
    ]
    if emit_data(rows, output_format):
        return
    print_table(
        ["PLUGIN", "DISTRIBUTION", "VERSION", "CONTRIBUTES", "PROBLEMS"],
        [
            [r["name"], r["distribution"], r["version"],
             "DISABLED" if r["disabled"] else
             f"FAILED: {r['error']}" if r["error"] else _summary(r["contributes"]),
             "\n".join(r["problems"]) or "-"]
            for r in rows
        ],
    )


def _summary(contributions: list[str]) -> str:
    groups: dict[str, list[str]] = {}
    for c in contributions:
        kind, _, name = c.rpartition(" ")
        groups.setdefault(kind, []).append(name)
    return "\n".join("zenml status: a row" if kind == "status" else
                     f"{kind}s: {', '.join(names)}" for kind, names in groups.items()) or "-"


@click.command(epilog=examples("zenml version", "zenml version -o json"))
@output_option
def version(output_format: str) -> None:
    """Show the version of zen-core and of each installed plugin's distribution."""
    import platform

    from zen_core import __version__
    from zen_core.plugins import get_plugin_manager

    rows = [{"distribution": "zen-core", "version": __version__}]
    seen = {"zen-core"}
    for info in get_plugin_manager().infos.values():
        if info.distribution not in seen:
            seen.add(info.distribution)
            rows.append({"distribution": info.distribution, "version": info.version})
    data = {"distributions": rows, "python": platform.python_version()}
    if emit_data(data, output_format):
        return
    print_table(["DISTRIBUTION", "VERSION"],
                [[r["distribution"], r["version"]] for r in rows],
                caption=f"Python {data['python']}")


SHELLS = ("bash", "zsh", "fish")


@click.command(epilog=examples(
    'eval "$(zenml completion bash)"                          # in ~/.bashrc',
    'eval "$(zenml completion zsh)"                           # in ~/.zshrc',
    "zenml completion fish > ~/.config/fish/completions/zenml.fish",
))
@click.argument("shell", type=click.Choice(SHELLS))
@click.pass_context
def completion(ctx: click.Context, shell: str) -> None:
    """Print the shell completion script for SHELL.

    It completes commands and options, and the names of profiles, stacks,
    components, flavors and store types of the profile in effect (or the one
    named with --profile).
    """
    from click.shell_completion import get_completion_class

    root = ctx.find_root()
    cls = get_completion_class(shell)
    click.echo(cls(root.command, {}, "zenml", "_ZENML_COMPLETE").source())
