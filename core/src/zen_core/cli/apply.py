"""Stacks as code: ``zenml diff``, ``zenml apply``, ``zenml export``, ``zenml schema stacks``.

The domain is :mod:`zen_core.services.stackfile` (reading files),
:mod:`zen_core.services.plan` (what would change; saved plans) and
:mod:`zen_core.services.stackexport` (a profile as a file, the JSON Schema).
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from zen_core.cli.common import confirm_deletion, make_client
from zen_core.cli.options import dry_run_option, examples, yes_option
from zen_core.cli.output import emit_data, info, output_option, success, warning

#: ``zenml diff`` exits with these (kubectl's convention).
SAME, DIFFERS, DIFF_ERROR = 0, 1, 2


def _files_option(required: bool) -> Any:
    return click.option("--filename", "-f", "files", multiple=True, required=required,
                        metavar="FILE", help="A stacks file, a folder of them, or - for "
                                             "standard input (repeatable).")


def _set_option(func: Any) -> Any:
    return click.option("--set", "set_name", metavar="NAME",
                        help="The apply set (default: the files' `set:`, else 'default'): "
                             "what --prune may delete.")(func)


def _prune_option(func: Any) -> Any:
    return click.option("--prune", is_flag=True,
                        help="Also delete the records this apply set applied that no file "
                             "names any more.")(func)


def _value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if value is not None else "(none)"


def render(plan: Any) -> str:
    """The plan for people: one block per record that changes, deletions first."""
    from zen_core.services.plan import CREATE, DELETE, UNCHANGED

    lines = [f"Plan for profile '{plan.profile}' (apply set '{plan.set_name}'):"]
    marks = {CREATE: "+", DELETE: "-"}
    for change in plan.changes:
        if change.action == UNCHANGED:
            continue
        mark = marks.get(change.action, "~")
        where = [f"revision {change.revision}"] if change.revision else []
        if change.source:
            where.append(change.source)
        if change.last_change:
            last = change.last_change
            where.append(f"last changed by {last.get('actor') or 'unknown'} at "
                         f"{last.get('time')}")
        lines.append(f"{mark} {change.action} {change.what}"
                     + (f" ({'; '.join(where)})" if where else ""))
        for key in change.keys:
            if change.action == CREATE:
                lines.append(f"    + {key.key}: {_value(key.new)}")
            elif change.action == DELETE:
                lines.append(f"    - {key.key}: {_value(key.old)}")
            elif key.old is None:
                lines.append(f"    + {key.key}: {_value(key.new)}")
            elif key.new is None:
                lines.append(f"    - {key.key}: {_value(key.old)}")
            else:
                lines.append(f"    ~ {key.key}: {_value(key.old)} -> {_value(key.new)}")
    lines.extend(f"Note: {note}" for note in plan.notes)
    lines.append(("Nothing differs: " if not plan.differs else "") + plan.summary())
    return "\n".join(lines)


def _plan(client: Any, files: tuple[str, ...], set_name: str | None, prune: bool) -> Any:
    from zen_core.services import plan as plans
    from zen_core.services import stackfile

    desired = stackfile.parse(stackfile.read_texts(files), client.access.rules)
    return plans.make(client.access, desired, profile=client.profile.name, set_name=set_name,
                      prune=prune)


@click.command("diff", epilog=examples(
    "zenml diff -f stacks.yaml",
    "zenml diff -f stacks/ --prune -o json",
    "cat stacks.yaml | zenml diff -f -",
))
@_files_option(required=True)
@_set_option
@_prune_option
@output_option
def diff(files: tuple[str, ...], set_name: str | None, prune: bool, output_format: str) -> None:
    """Show what `zenml apply` of FILES would change, record by record and key by key
    (secret values never shown). Exit 0: nothing differs; 1: something does; 2: error."""
    from zen_core.exceptions import ZenError
    from zen_core.masking import mask_text

    try:
        client = make_client()
        plan = _plan(client, files, set_name, prune)
    except ZenError as err:
        click.echo(f"Error: {mask_text(' '.join(err.message.split()))}", err=True)
        sys.exit(DIFF_ERROR)
    if not emit_data(plan.to_dict(), output_format):
        click.echo(render(plan))
    sys.exit(DIFFERS if plan.differs else SAME)


@click.command("apply", epilog=examples(
    "zenml apply -f stacks.yaml",
    "zenml apply -f stacks/ --prune --yes",
    "zenml apply -f stacks.yaml --plan-out plan.json",
    "zenml apply plan.json",
))
@click.argument("saved_plan", required=False, metavar="[PLAN]")
@_files_option(required=False)
@_set_option
@_prune_option
@click.option("--plan-out", metavar="FILE", type=click.Path(dir_okay=False),
              help="Save the plan to FILE and change nothing; `zenml apply FILE` applies "
                   "exactly it, or refuses if a record it read has changed since.")
@yes_option
@dry_run_option
@output_option
def apply(saved_plan: str | None, files: tuple[str, ...], set_name: str | None, prune: bool,
          plan_out: str | None, yes: bool, dry_run: bool, output_format: str) -> None:
    """Make the profile match stacks FILES (or a saved PLAN): show the plan, ask on a
    terminal, then apply it as one batch, all or nothing."""
    from zen_core.services import plan as plans

    if bool(saved_plan) == bool(files):
        raise click.UsageError("Give stacks files with -f FILE, or one saved plan, not both.")
    if saved_plan and (set_name or prune or plan_out):
        raise click.UsageError("A saved plan is applied as it is: --set, --prune and "
                               "--plan-out go with -f FILE when making it.")
    client = make_client()
    if saved_plan:
        plan = plans.Plan.from_dict(_read_json(saved_plan), saved_plan)
        plans.check_unchanged(client.access, plan, client.profile.name)
    else:
        plan = _plan(client, files, set_name, prune)
    if not emit_data(plan.to_dict(), output_format):
        click.echo(render(plan))
    if plan_out:
        _write_json(plan_out, plan.to_dict())
        success(f"Saved the plan to {plan_out}: `zenml apply {plan_out}` applies it.")
        return
    if dry_run:
        info("Dry run: nothing changed.")
        return
    if not plan.differs:
        info("Nothing to apply.")
        return
    confirm_deletion(f"Apply these changes to profile '{plan.profile}'?", yes)
    plans.apply(client.access, plan)
    success(f"Applied: {plan.summary()}")


@click.command("export", epilog=examples("zenml export -f stacks.yaml", "zenml export"))
@click.option("--filename", "-f", "file", metavar="FILE", type=click.Path(dir_okay=False),
              help="Write to FILE (default: standard output).")
def export(file: str | None) -> None:
    """Write the profile's components and stacks as a stacks file (references kept, never
    a secret value), ready for `zenml apply -f`."""
    from zen_core.fileio import dump_yaml
    from zen_core.services.stackexport import export as export_profile

    client = make_client()
    document, notes = export_profile(client.access)
    for note in notes:
        warning(note)
    text = dump_yaml(document)
    if file is None:
        click.echo(text, nl=False)
        return
    from pathlib import Path

    Path(file).write_text(text, encoding="utf-8")
    success(f"Exported {len(document['components'])} components and "
            f"{len(document['stacks'])} stacks to {file}.")


@click.group("schema", epilog=examples("zenml schema stacks > stacks.schema.json"))
def schema() -> None:
    """JSON Schemas of zen's files, for editors."""


@schema.command("stacks", epilog=examples("zenml schema stacks > stacks.schema.json"))
def schema_stacks() -> None:
    """The JSON Schema of stacks files, from the installed flavors. With
    yaml-language-server, start a file with
    `# yaml-language-server: $schema=stacks.schema.json`."""
    from zen_core.services.stackexport import schema as stacks_schema

    click.echo(json.dumps(stacks_schema(), indent=2))


def _read_json(path: str) -> Any:
    from zen_core.exceptions import InvalidDataError

    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except OSError as err:
        raise InvalidDataError(f"Cannot read the plan {path}: {err.strerror}.") from None
    except ValueError:
        raise InvalidDataError(f"{path} is not a saved plan (not JSON).") from None


def _write_json(path: str, data: Any) -> None:
    from pathlib import Path

    Path(path).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
