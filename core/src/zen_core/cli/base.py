"""Top-level commands: ``zenml init`` and ``zenml plugins``."""

from __future__ import annotations

from pathlib import Path

import click

from zen_core.cli.output import emit_data, output_option, print_table, success
from zen_core.client import Client


@click.command()
@click.option("--path", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=None, help="The folder to initialize (default: the current one).")
def init(path: Path | None) -> None:
    """Make a folder a repository with its own active profile and stack."""
    from zen_core.cli.output import info, warning
    from zen_core.repository import Repository

    root = (path or Path.cwd()).resolve()
    client = Client(report=info, warn=warning, cwd=root).prepare()
    profile = client.config.get_profile(client.config.activated_profile)
    stack = client.active_stack_of(profile)
    Repository.initialize(root, profile.name, stack)
    success(
        f"ZenML repository initialized at {root}.\n"
        f"The local active profile was initialized to '{profile.name}' and the local active "
        f"stack to '{stack}'. This local configuration will only take effect when you're "
        "running ZenML from the initialized repository root, or from a subdirectory. For "
        "more information on profile and stack configuration, please run "
        "'zenml profile explain'."
    )


@click.command()
@output_option
@click.pass_context
def plugins(ctx: click.Context, output_format: str) -> None:
    """List installed plugins, their versions and what each contributes."""
    from zen_core.plugins import get_plugin_manager

    manager = get_plugin_manager(cached=False)
    manager.store_types()
    manager.flavors()
    ctx.find_root().command.list_commands(ctx)  # make plugins add their commands
    rows = [
        {
            "name": i.name,
            "distribution": i.distribution,
            "version": i.version,
            "error": i.error,
            "contributes": [f"{c.kind} {c.name}" for c in i.contributions],
        }
        for i in manager.infos.values()
    ]
    if emit_data(rows, output_format):
        return
    print_table(
        ["PLUGIN", "DISTRIBUTION", "VERSION", "CONTRIBUTES"],
        [
            [r["name"], r["distribution"], r["version"],
             f"FAILED: {r['error']}" if r["error"] else _summary(r["contributes"])]
            for r in rows
        ],
    )


def _summary(contributions: list[str]) -> str:
    groups: dict[str, list[str]] = {}
    for c in contributions:
        kind, _, name = c.rpartition(" ")
        groups.setdefault(kind, []).append(name)
    return "\n".join(f"{kind}s: {', '.join(names)}" for kind, names in groups.items()) or "-"
