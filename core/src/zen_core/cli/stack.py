"""``zenml stack``: register, list, set, get, describe, update, rename, copy, delete, export,
import stacks."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import Any

import click

from zen_core.cli.common import confirm_deletion, make_client
from zen_core.cli.completion import complete_components, complete_profiles, complete_stacks
from zen_core.cli.history import diff_option, history_options, show_history
from zen_core.cli.listing import (
    label_option,
    labels_cell,
    list_options,
    page_caption,
    parse_labels,
    parse_list_query,
)
from zen_core.cli.options import dry_run_option, examples, yes_option
from zen_core.cli.output import (
    active_mark,
    emit_data,
    emit_result,
    info,
    output_option,
    print_table,
    success,
    warning,
)
from zen_core.client import Client
from zen_core.models import REQUIRED_TYPES, ComponentType, Stack
from zen_core.services import stacks

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


def component_options(required: bool, what: str = "to use") -> Callable[[Any], Any]:
    """One option per component type naming the component to use."""
    from zen_core.services.rules import a_or_an

    def decorate(func: Any) -> Any:
        for ctype in reversed(list(ComponentType)):
            func = click.option(
                *_long_names(ctype), _FLAGS[ctype], ctype.value,
                required=required and ctype in REQUIRED_TYPES, metavar="NAME",
                shell_complete=complete_components(ctype),
                help=f"Name of {a_or_an(ctype.display)} {what}.",
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


def no_short_output(func: Any) -> Any:
    """``--output`` without ``-o``, which names the orchestrator here."""
    return output_option(short=False)(func)


@contextlib.contextmanager
def _output_meant(components: dict[str, str | None]) -> Iterator[None]:
    """``-o json`` here names an orchestrator called json: if there is none, say that
    ``--output json`` is what was likely meant."""
    from zen_core.cli.output import OUTPUT_FORMATS
    from zen_core.exceptions import ComponentNotFoundError

    given = components.get(ComponentType.ORCHESTRATOR.value)
    try:
        yield
    except ComponentNotFoundError as err:
        if given not in OUTPUT_FORMATS:
            raise
        raise ComponentNotFoundError(
            f"{err.message} Here -o is --orchestrator: for {given.upper()} output give "
            f"`--output {given}`.") from None


@click.group(epilog=examples("zenml stack list", "zenml stack register local -o default "
                                                 "-m default -a default"))
def stack() -> None:
    """Stacks: named sets of components."""


def _stack_data(s: Stack, active: str | None) -> dict:
    data = {
        "name": s.name,
        "active": s.name == active,
        "revision": s.revision,
        "created": s.created,
        "updated": s.updated,
        "components": {t.value: n for t, n in s.components.items()},
    }
    if s.labels:  # only then: the documented shape stays as it was
        data["labels"] = dict(s.labels)
    if s.problem:  # only then: the documented shape stays as it was
        data["problem"] = s.problem
    return data


def _active_name(client: Client) -> str | None:
    return client.active_stack_name


@stack.command(epilog=examples(
    "zenml stack register local -o default -m default -a default",
    "zenml stack register kf -o kubeflow -m default -a s3 -c registry",
    "zenml stack register prod -o kf -m meta -a s3 --label env=prod --label team=ml",
))
@click.argument("name")
@component_options(required=True)
@label_option()
@no_short_output
def register(name: str, output_format: str, labels: tuple[str, ...],
             **components: str | None) -> None:
    """Register a stack from registered components."""
    given = parse_labels(labels)
    client = make_client()
    with _output_meant(components):
        written = client.register_stack(name, components, labels=given)
    emit_result(f"Stack '{name}' successfully registered!",
                _stack_data(written, _active_name(client)), output_format)


def _columns(records: list[Stack]) -> list[ComponentType]:
    used = {t for s in records for t in s.components}
    core = sorted((t for t in REQUIRED_TYPES), key=lambda t: t.value)
    return [*core, *(t for t in ComponentType if t in used and t not in REQUIRED_TYPES)]


@stack.command("list", epilog=examples(
    "zenml stack list",
    "zenml stack list --name contains:prod --sort=-updated --limit 10 --page 2",
    "zenml stack list --flavor kubeflow -o json",
    "zenml stack list -l env=prod,team!=ml",
))
@list_options("Only stacks with a component of this flavor.")
@output_option
def list_stacks(output_format: str, name_filter: str | None, flavor_filter: str | None,
                sort: str, limit: str | None, page: str | None,
                selector: tuple[str, ...]) -> None:
    """List the stacks of the active profile; 👉 marks the active one."""
    query = parse_list_query(name=name_filter, flavor=flavor_filter, sort=sort, limit=limit,
                             page=page, selector=selector)
    client = make_client()
    found = stacks.page(client.access, query)
    shown = found.items
    active = client.active_stack_name
    for s in shown:
        if s.problem:
            warning(s.problem)
    if emit_data([_stack_data(s, active) for s in shown], output_format):
        return
    if not found.total:
        info("No stacks match." if query.filtered else "No stacks registered!")
        return
    page_caption(found, "stacks")
    if not shown:
        return
    columns = _columns(shown)
    labelled = any(s.labels for s in shown)  # the column only then: the seed's tables stay
    print_table(
        ["ACTIVE", "STACK NAME", *(t.value.upper() for t in columns),
         *(["LABELS"] if labelled else [])],
        [
            [active_mark(s.name == active), f"{s.name} (broken)" if s.problem else s.name,
             *(s.components.get(t) for t in columns),
             *([labels_cell(s.labels)] if labelled else [])]
            for s in shown
        ],
    )


@stack.command(epilog=examples("zenml stack describe", "zenml stack describe prod -o yaml",
                               "zenml stack describe prod --resolve"))
@click.argument("name", required=False, shell_complete=complete_stacks)
@click.option("--resolve", is_flag=True,
              help="Print the configuration a pipeline runs with: every {{secret.key}} "
                   "replaced by its value (YAML unless -o json; needs the editor role).")
@output_option
def describe(name: str | None, resolve: bool, output_format: str) -> None:
    """Show a stack's components (default: the active stack)."""
    client = make_client()
    active = client.active_stack_name
    s = client.get_stack(name or active) if (name or active) else client.active_stack
    if resolve:
        resolved = client.resolve(s.name)
        emit_data({t.value: {"name": c.name, "flavor": c.flavor, "config": c.config}
                   for t, c in resolved.items()},
                  "json" if output_format == "json" else "yaml")
        return
    if emit_data(_stack_data(s, active), output_format):
        return
    print_table(
        ["COMPONENT_TYPE", "COMPONENT_NAME"],
        [[t.value.upper(), n] for t, n in s.components.items()],
        title="Stack Configuration",
        caption=f"'{s.name}' stack" + (" (ACTIVE)" if s.name == active else ""),
        keep=["COMPONENT_TYPE", "COMPONENT_NAME"],
    )


@stack.command("set", epilog=examples("zenml stack set local", "zenml stack set local --global"))
@click.argument("name", shell_complete=complete_stacks)
@click.option("--global", "-g", "global_", is_flag=True,
              help="Set the profile's global active stack, even inside a repository.")
@output_option
def set_stack(name: str, global_: bool, output_format: str) -> None:
    """Activate a stack: in the repository when inside one, else for the profile."""
    client = make_client()
    scope = client.set_stack(name, global_=global_)
    message = (f"Active global stack set to: '{name}'" if global_ and scope == "global"
               else f"Active stack set to: '{name}'")
    emit_result(message, {"name": name, "scope": scope}, output_format)


@stack.command(epilog=examples("zenml stack get", "zenml stack get -o json"))
@output_option
def get(output_format: str) -> None:
    """Show the active stack."""
    client = make_client()
    name = client.active_stack.name
    if not emit_data({"name": name}, output_format):
        click.echo(f"The active stack is: '{name}'")


@stack.command(epilog=examples("zenml stack delete dev", "zenml stack delete dev --dry-run",
                               "zenml stack delete dev -y"))
@click.argument("name", shell_complete=complete_stacks)
@yes_option
@dry_run_option
@output_option
def delete(name: str, yes: bool, dry_run: bool, output_format: str) -> None:
    """Delete a stack (its components stay registered); asks first on a terminal."""
    from zen_core.services.deletion import stack_deletion

    client = make_client()
    plan = stack_deletion(client.context, client.access, name)
    data = _stack_data(stacks.stored(client.access, name), None)
    if dry_run:
        _dry_run(plan.plan, data, output_format)
        return
    confirm_deletion(plan.question, yes)
    client.delete_stack(name)
    emit_result(f"Deleted stack '{name}'.", data, output_format)


def _dry_run(plan: str, data: Any, output_format: str) -> None:
    if not emit_data(data, output_format):
        click.echo(plan)
    info("Dry run: nothing changed.")


@stack.command(epilog=examples("zenml stack update local -a s3",
                               "zenml stack update kf -c registry --output json"))
@click.argument("name", shell_complete=complete_stacks)
@component_options(required=False, what="to put in the stack")
@label_option(removals=True)
@no_short_output
def update(name: str, output_format: str, labels: tuple[str, ...],
           **components: str | None) -> None:
    """Replace some components of a stack, or change its labels."""
    changes = parse_labels(labels, removals=True)
    if not any(components.values()) and not changes:
        raise click.UsageError("Name at least one component to change, e.g. -o ORCHESTRATOR "
                               "(or a --label).")
    client = make_client()
    with _output_meant(components):
        written = stacks.update(client.access, name, set=components, labels=changes)
    emit_result(f"Stack `{name}` successfully updated!",
                _stack_data(written, _active_name(client)), output_format)


@stack.command("remove-component", epilog=examples("zenml stack remove-component local -c"))
@click.argument("name", shell_complete=complete_stacks)
@removal_flags
@no_short_output
def remove_component(name: str, output_format: str, **flags: bool) -> None:
    """Remove optional components from a stack."""
    types = [t for t, chosen in flags.items() if chosen]
    if not types:
        raise click.UsageError("Name at least one component type to remove, e.g. -c.")
    client = make_client()
    written = client.remove_stack_components(name, types)
    emit_result(f"Stack `{name}` successfully updated!",
                _stack_data(written, _active_name(client)), output_format)


@stack.command(epilog=examples("zenml stack rename local dev"))
@click.argument("old", shell_complete=complete_stacks)
@click.argument("new")
@output_option
def rename(old: str, new: str, output_format: str) -> None:
    """Rename a stack; an active stack stays active under its new name."""
    client = make_client()
    written = client.rename_stack(old, new)
    emit_result(f"Stack `{old}` successfully renamed as `{new}`!",
                _stack_data(written, _active_name(client)), output_format)


@stack.command(epilog=examples(
    "zenml stack copy local local-gpu",
    "zenml stack copy prod prod --from-profile team",
    "zenml stack copy prod prod --from-profile team --dry-run",
))
@click.argument("source", shell_complete=complete_stacks)
@click.argument("target")
@click.option("--from-profile", "from_profile", metavar="PROFILE",
              shell_complete=complete_profiles,
              help="Copy from this profile (default: the active one).")
@click.option("--rename-components", is_flag=True,
              help="Register conflicting components under new names instead of refusing.")
@dry_run_option
@output_option
def copy(source: str, target: str, from_profile: str | None, rename_components: bool,
         dry_run: bool, output_format: str) -> None:
    """Copy stack SOURCE into the active profile as TARGET.

    Within one profile the copy shares the components; from another profile
    (--from-profile) the components it needs come along, identical ones reused.
    """
    client = make_client()
    copied, notes = client.copy_stack(source, target, from_profile=from_profile,
                                      rename_components=rename_components, dry_run=dry_run)
    data = _stack_data(copied, None)
    if dry_run:
        _dry_run("\n".join(notes), data, output_format)
        return
    for note in notes:
        info(note)
    written = client.get_stack(target)
    emit_result(f"Stack '{source}' copied to '{target}'.",
                _stack_data(written, _active_name(client)), output_format)


EXPORT_FORMATS = ("zen", "zenml")


@stack.command("export", epilog=examples(
    "zenml stack export prod prod.yaml",
    "zenml stack export prod --include-secrets > prod-with-secrets.yaml",
    "zenml stack export prod prod-zenml.yaml --format zenml",
))
@click.argument("name", shell_complete=complete_stacks)
@click.argument("file", type=click.Path(dir_okay=False, writable=True, allow_dash=True),
                required=False)
@click.option("--include-secrets", is_flag=True,
              help="Also export secret fields (passwords, keys). Keep the file safe.")
@click.option("--format", "file_format", type=click.Choice(EXPORT_FORMATS), default="zen",
              show_default=True,
              help="zen's format, or ZenML's own (what `zenml stack import` of ZenML reads).")
def export_stack(name: str, file: str | None, include_secrets: bool, file_format: str) -> None:
    """Write a stack and its components as one YAML document (to FILE, or to stdout when
    FILE is - or not given)."""
    from zen_core.fileio import dump_yaml, write_text_atomic
    from zen_core.services.transfer import export_stack as export
    from zen_core.services.transfer import export_stack_zenml

    client = make_client()
    if file_format == "zenml":
        document, notes = export_stack_zenml(client.access, name,
                                             include_secrets=include_secrets)
        for note in notes:
            info(note)
    else:
        document = export(client.access, name, include_secrets=include_secrets)
    text = dump_yaml(document)
    if file is None or file == "-":
        click.echo(text, nl=False)
        return
    from pathlib import Path

    write_text_atomic(Path(file), text, mode=0o600)
    success(f"Stack '{name}' exported to {file}.")


@stack.command("import", epilog=examples(
    "zenml stack import prod.yaml",
    "zenml stack import prod.yaml --name prod2 --rename-components",
    "zenml stack import zenml-export.yaml -a default     # ZenML's default stack",
    "zenml stack import prod.yaml --dry-run",
))
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--name", "new_name", help="Register the stack under this name.")
@click.option("--rename-components", is_flag=True,
              help="Register conflicting components under new names instead of refusing.")
@component_options(required=False, what="registered already, to use instead of the file's")
@dry_run_option
@no_short_output
def import_stack(file: str, new_name: str | None, rename_components: bool, dry_run: bool,
                 output_format: str, **use: str | None) -> None:
    """Register an exported stack (and its components) in the active profile.

    Reads zen's exports and ZenML's own (`zenml stack export` of ZenML).
    """
    from pathlib import Path

    from zen_core.exceptions import InvalidDataError
    from zen_core.fileio import parse_yaml
    from zen_core.services.transfer import import_stack as do_import

    try:
        text = sys.stdin.read() if file == "-" else Path(file).read_text()
    except OSError as err:
        raise InvalidDataError(f"Cannot read {file}: {err.strerror}.") from None
    client = make_client()
    with _output_meant(use):
        imported, notes = do_import(client.access, parse_yaml(text, file), name=new_name,
                                    rename_components=rename_components, source=file,
                                    use=use, dry_run=dry_run, progress=client.progress)
    if dry_run:
        _dry_run("\n".join(notes), _stack_data(imported, None), output_format)
        return
    for note in notes:
        info(note)
    written = client.get_stack(imported.name)
    emit_result(f"Stack '{imported.name}' successfully imported!",
                _stack_data(written, _active_name(client)), output_format)


@stack.command("history", epilog=examples("zenml stack history prod",
                                          "zenml stack history prod --diff",
                                          "zenml stack history prod --output json"))
@click.argument("name", shell_complete=complete_stacks)
@history_options
@diff_option
def stack_history(name: str, limit: int, offset: int, output_format: str,
                  show_diff: bool) -> None:
    """The changes to one stack, newest first."""
    show_history("stack", name, limit, offset, None, output_format, show_diff)


@stack.command(epilog=examples("zenml stack history prod --diff",
                               "zenml stack revert prod --revision 2"))
@click.argument("name", shell_complete=complete_stacks)
@click.option("--revision", "-r", type=click.IntRange(min=1), required=True,
              help="The revision to go back to (see `zenml stack history NAME --diff`).")
@no_short_output
def revert(name: str, revision: int, output_format: str) -> None:
    """Put a stack back as it was at a revision (members and labels, from the history),
    as a new revision."""
    from zen_core.services.revisions import revert_stack

    client = make_client()
    written = revert_stack(client.access, name, revision)
    emit_result(f"Reverted stack `{name}` to revision {revision} (now revision "
                f"{written.revision}).", _stack_data(written, _active_name(client)),
                output_format)
