"""``zenml stack``: register, list, set, get, describe, update, rename, delete stacks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from zen_core.cli.accounts import history_options, show_history
from zen_core.cli.common import make_client
from zen_core.cli.output import (
    active_mark,
    emit_data,
    info,
    output_option,
    print_table,
    success,
)
from zen_core.models import REQUIRED_TYPES, ComponentType, Stack

#: (type, short flag) for every component option; long names are --type-name and --type_name.
_FLAGS = {
    ComponentType.ORCHESTRATOR: "-o",
    ComponentType.METADATA_STORE: "-m",
    ComponentType.ARTIFACT_STORE: "-a",
    ComponentType.CONTAINER_REGISTRY: "-c",
    ComponentType.STEP_OPERATOR: "-s",
    ComponentType.SECRETS_MANAGER: "-x",
    ComponentType.FEATURE_STORE: "-f",
    ComponentType.MODEL_DEPLOYER: "-d",
    ComponentType.EXPERIMENT_TRACKER: "-e",
}


def _long_names(ctype: ComponentType) -> list[str]:
    names = [f"--{ctype.cli_name}"]
    if "_" in ctype.value:
        names.append(f"--{ctype.value}")
    return names


def component_options(required: bool) -> Callable[[Any], Any]:
    """One option per component type naming the component to use."""

    def decorate(func: Any) -> Any:
        for ctype in reversed(list(ComponentType)):
            func = click.option(
                *_long_names(ctype), _FLAGS[ctype], ctype.value,
                required=required and ctype in REQUIRED_TYPES,
                help=f"Name of the {ctype.display} to use.",
            )(func)
        return func

    return decorate


def removal_flags(func: Any) -> Any:
    for ctype in reversed([t for t in ComponentType if t not in REQUIRED_TYPES]):
        func = click.option(
            *_long_names(ctype), _FLAGS[ctype], ctype.value, is_flag=True,
            help=f"Remove the {ctype.display}.",
        )(func)
    return func


@click.group()
def stack() -> None:
    """Stacks: named sets of components."""


@stack.command()
@click.argument("name")
@component_options(required=True)
def register(name: str, **components: str | None) -> None:
    """Register a stack from registered components."""
    client = make_client()
    client.register_stack(name, components)
    success(f"Stack '{name}' successfully registered!")


def _columns(stacks: list[Stack]) -> list[ComponentType]:
    used = {t for s in stacks for t in s.components}
    core = sorted((t for t in REQUIRED_TYPES), key=lambda t: t.value)
    return [*core, *(t for t in ComponentType if t in used and t not in REQUIRED_TYPES)]


def _stack_data(s: Stack, active: str | None) -> dict:
    return {
        "name": s.name,
        "active": s.name == active,
        "revision": s.revision,
        "created": s.created,
        "updated": s.updated,
        "components": {t.value: n for t, n in s.components.items()},
    }


@stack.command("list")
@output_option
def list_stacks(output_format: str) -> None:
    """List the stacks of the active profile; 👉 marks the active one."""
    client = make_client()
    stacks = client.store.list_stacks()
    active = client.active_stack_name
    if emit_data([_stack_data(s, active) for s in stacks], output_format):
        return
    if not stacks:
        info("No stacks registered!")
        return
    columns = _columns(stacks)
    print_table(
        ["ACTIVE", "STACK NAME", *(t.value.upper() for t in columns)],
        [
            [active_mark(s.name == active), s.name, *(s.components.get(t) for t in columns)]
            for s in stacks
        ],
    )


@stack.command()
@click.argument("name", required=False)
@output_option
def describe(name: str | None, output_format: str) -> None:
    """Show a stack's components (default: the active stack)."""
    client = make_client()
    active = client.active_stack_name
    s = client.store.get_stack(name or active) if (name or active) else client.active_stack
    if emit_data(_stack_data(s, active), output_format):
        return
    print_table(
        ["COMPONENT_TYPE", "COMPONENT_NAME"],
        [[t.value.upper(), n] for t, n in s.components.items()],
        title="Stack Configuration",
        caption=f"'{s.name}' stack" + (" (ACTIVE)" if s.name == active else ""),
    )


@stack.command("set")
@click.argument("name")
@click.option("--global", "-g", "global_", is_flag=True,
              help="Set the profile's global active stack, even inside a repository.")
def set_stack(name: str, global_: bool) -> None:
    """Activate a stack: in the repository when inside one, else for the profile."""
    client = make_client()
    scope = client.set_stack(name, global_=global_)
    if global_ and scope == "global":
        success(f"Active global stack set to: '{name}'")
    else:
        success(f"Active stack set to: '{name}'")


@stack.command()
@output_option
def get(output_format: str) -> None:
    """Show the active stack."""
    client = make_client()
    name = client.active_stack.name
    if not emit_data({"name": name}, output_format):
        click.echo(f"The active stack is: '{name}'")


@stack.command()
@click.argument("name")
def delete(name: str) -> None:
    """Delete a stack (its components stay registered)."""
    client = make_client()
    client.delete_stack(name)
    success(f"Deleted stack '{name}'.")


@stack.command()
@click.argument("name")
@component_options(required=False)
def update(name: str, **components: str | None) -> None:
    """Replace some components of a stack."""
    client = make_client()
    if not any(components.values()):
        raise click.UsageError("Name at least one component to change, e.g. -o ORCHESTRATOR.")
    client.update_stack(name, components)
    success(f"Stack `{name}` successfully updated!")


@stack.command("remove-component")
@click.argument("name")
@removal_flags
def remove_component(name: str, **flags: bool) -> None:
    """Remove optional components from a stack."""
    client = make_client()
    types = [t for t, chosen in flags.items() if chosen]
    if not types:
        raise click.UsageError("Name at least one component type to remove, e.g. -c.")
    client.remove_stack_components(name, types)
    success(f"Stack `{name}` successfully updated!")


@stack.command()
@click.argument("old")
@click.argument("new")
def rename(old: str, new: str) -> None:
    """Rename a stack; an active stack stays active under its new name."""
    client = make_client()
    client.rename_stack(old, new)
    success(f"Stack `{old}` successfully renamed as `{new}`!")


@stack.command("export")
@click.argument("name")
@click.argument("file", type=click.Path(dir_okay=False, writable=True), required=False)
@click.option("--include-secrets", is_flag=True,
              help="Also export secret fields (passwords, keys). Keep the file safe.")
def export_stack(name: str, file: str | None, include_secrets: bool) -> None:
    """Write a stack and its components as one YAML document (to FILE or stdout)."""
    from zen_core.fileio import dump_yaml, write_text_atomic
    from zen_core.services.transfer import export_stack as export

    client = make_client()
    text = dump_yaml(export(client.access, name, include_secrets=include_secrets))
    if file is None:
        click.echo(text, nl=False)
        return
    from pathlib import Path

    write_text_atomic(Path(file), text, mode=0o600)
    success(f"Stack '{name}' exported to {file}.")


@stack.command("import")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--name", "new_name", help="Register the stack under this name.")
@click.option("--rename-components", is_flag=True,
              help="Register conflicting components under new names instead of refusing.")
def import_stack(file: str, new_name: str | None, rename_components: bool) -> None:
    """Register an exported stack (and its components) in the active profile."""
    from pathlib import Path

    from zen_core.exceptions import InvalidDataError
    from zen_core.fileio import parse_yaml
    from zen_core.services.transfer import import_stack as do_import

    try:
        text = click.get_text_stream("stdin").read() if file == "-" else Path(file).read_text()
    except OSError as err:
        raise InvalidDataError(f"Cannot read {file}: {err.strerror}.") from None
    client = make_client()
    imported, notes = do_import(client.access, parse_yaml(text, file), name=new_name,
                                rename_components=rename_components, source=file)
    for note in notes:
        info(note)
    success(f"Stack '{imported.name}' successfully imported!")


@stack.command("history")
@click.argument("name")
@history_options
def stack_history(name: str, limit: int, offset: int, output_format: str) -> None:
    """The changes to one stack, newest first. Example: zenml stack history prod"""
    show_history("stack", name, limit, offset, None, output_format)
