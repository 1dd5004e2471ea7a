"""One command group per component type (``zenml orchestrator ...``), built from one template."""

from __future__ import annotations

import re
import sys
from typing import Any

import click

from zen_core.cli.common import confirm_deletion, make_client
from zen_core.cli.completion import complete_components, complete_flavors, complete_profiles
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
    warning,
)
from zen_core.client import Client
from zen_core.exceptions import InvalidDataError
from zen_core.models import Component, ComponentType
from zen_core.services.rules import a_or_an

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")

#: For each type, an example: name, flavor and one configuration key with its value.
EXAMPLES: dict[ComponentType, tuple[str, str, str]] = {
    ComponentType.ORCHESTRATOR: ("airflow", "airflow", "--airflow_home=/data/airflow"),
    ComponentType.METADATA_STORE: ("meta", "sqlite", "--uri=/data/metadata.db"),
    ComponentType.ARTIFACT_STORE: ("s3", "s3", "--path=s3://bucket/artifacts"),
    ComponentType.CONTAINER_REGISTRY: ("registry", "default", "--uri=localhost:5000"),
    ComponentType.STEP_OPERATOR: ("sagemaker", "sagemaker",
                                  "--role=zen-role --instance_type=ml.m5.large"),
    ComponentType.SECRETS_MANAGER: ("aws", "aws", "--region_name=eu-west-1"),
    ComponentType.FEATURE_STORE: ("feast", "feast", "--feast_repo=/data/feast"),
    ComponentType.MODEL_DEPLOYER: ("seldon", "seldon", "--base_url=http://seldon:8080"),
    ComponentType.EXPERIMENT_TRACKER: ("mlflow", "mlflow", "--tracking_uri=http://mlflow:5000"),
}


#: ``--KEY-stdin``: the value of KEY is read from standard input (``docker login``'s way).
STDIN_SUFFIX = "_stdin"


def parse_config_args(args: list[str]) -> dict[str, str | None]:
    """``--key=value`` / ``--key value`` pairs into a dict of text (``-`` in keys becomes
    ``_``); a ``--key`` with no value maps to None (:func:`fill_secrets` asks for it).
    What the text means is the flavor's business
    (:func:`zen_core.services.components.parse_text_values`)."""
    config: dict[str, str | None] = {}
    tokens = list(args)
    while tokens:
        token = tokens.pop(0)
        if not token.startswith("--"):
            raise click.UsageError(
                f"Unexpected argument '{token}'. Give configuration as --key=value, "
                'for example --path="/data/artifacts".'
            )
        key, sep, value = token[2:].partition("=")
        value_or_none: str | None = value
        if not sep:
            value_or_none = None if not tokens or tokens[0].startswith("--") else tokens.pop(0)
        if not _KEY.fullmatch(key):
            raise click.UsageError(f"Invalid configuration key '--{key}'.")
        key = key.replace("-", "_")
        if key in config:
            raise click.UsageError(f"The option --{key} is given twice.")
        config[key] = value_or_none
    return config


def fill_secrets(raw: dict[str, str | None], secret_fields: set[str]) -> dict[str, str]:
    """The values of ``raw``, a secret field given without one asked for on the terminal
    (no echo), ``--FIELD-stdin`` read from standard input: a secret kept off the command
    line (shell history, ``ps``)."""
    filled: dict[str, str] = {}
    for key, value in raw.items():
        if key.endswith(STDIN_SUFFIX) and value is None:
            field = key.removesuffix(STDIN_SUFFIX)
            if field in raw:
                raise click.UsageError(f"--{field} is given twice (also as --{field}-stdin).")
            filled[field] = sys.stdin.readline().rstrip("\r\n")
        elif value is not None:
            filled[key] = value
        elif key in secret_fields and sys.stdin.isatty():
            filled[key] = click.prompt(f"Value for {key}", hide_input=True, err=True)
        else:
            hint = " (or --{k}-stdin, or alone on a terminal to be asked)" if \
                key in secret_fields else ""
            raise click.UsageError(f"The option --{key} needs a value: --{key}=VALUE"
                                   + hint.format(k=key) + ".")
    if sum(k.endswith(STDIN_SUFFIX) for k in raw) > 1:
        raise click.UsageError("Only one value can be read from standard input.")
    return filled


def component_data(component: Component, active: bool) -> dict[str, Any]:
    """What list, describe and ``--output`` show of a component: secrets masked."""
    from zen_core.services.components import masked_config

    data = {
        "type": component.type.value,
        "name": component.name,
        "flavor": component.flavor,
        "uuid": component.uuid,
        "revision": component.revision,
        "created": component.created,
        "updated": component.updated,
        "active": active,
        "config": masked_config(component),
    }
    if component.labels:  # only then: the documented shape stays as it was
        data["labels"] = dict(component.labels)
    return data


def _active_name(client: Client, ctype: ComponentType) -> str | None:
    name = client.active_stack_name
    if name is None:
        return None
    return client.get_stack(name).components.get(ctype)


def _data(client: Client, component: Component) -> dict[str, Any]:
    return component_data(component, component.name == _active_name(client, component.type))


def _secret_fields(client: Client, ctype: ComponentType, flavor: str,
                   raw: dict[str, str | None]) -> set[str]:
    """The keys of ``raw`` that are secret: the flavor's secret fields, and keys named like
    secrets (``password``, ``token``...)."""
    from zen_core.masking import SECRET_NAME

    flavor_fields = client.access.secret_keys(Component(ctype, flavor, "x", {}))
    return {k for k in raw if k in flavor_fields or SECRET_NAME.search(k)}


def _dry_run(plan: str, data: Any, output_format: str) -> None:
    if not emit_data(data, output_format):
        click.echo(plan)
    info("Dry run: nothing changed.")


CONFIG_ARGS = {"ignore_unknown_options": True, "allow_extra_args": True}
RESERVED_NOTE = (
    "A configuration key named like one of zen's own options (--profile, --stack, --output, "
    "...) goes after `--`: ... -- --profile=aws-dev"
)


def make_group(ctype: ComponentType) -> click.Group:
    display = ctype.display
    a_display = a_or_an(display)
    command = f"zenml {ctype.cli_name}"
    ex_name, ex_flavor, ex_config = EXAMPLES[ctype]
    names = complete_components(ctype)

    @click.group(name=ctype.cli_name, help=f"Commands for {ctype.display_plural}.",
                 epilog=examples(f"{command} list", f"{command} flavor list"))
    def group() -> None:
        pass

    @group.command(
        context_settings=CONFIG_ARGS,
        help=f"Register {a_display}: NAME -t FLAVOR --key=value ...\n\n{RESERVED_NOTE}",
        epilog=examples(f"{command} register {ex_name} -t {ex_flavor} {ex_config}"),
    )
    @click.argument("name")
    @click.option("--type", "-t", "flavor", shell_complete=complete_flavors(ctype),
                  help="The flavor (see `flavor list`).")
    @click.option("--flavor", "flavor_alias", shell_complete=complete_flavors(ctype),
                  help="Same as --type.")
    @label_option()
    @output_option
    @click.pass_context
    def register(ctx: click.Context, name: str, flavor: str | None,
                 flavor_alias: str | None, labels: tuple[str, ...], output_format: str) -> None:
        from zen_core.services.components import parse_text_values

        flavor = flavor or flavor_alias
        if not flavor:
            raise click.UsageError("Missing option '--type' / '-t' (the flavor).")
        raw = parse_config_args(ctx.args)
        given = parse_labels(labels)
        client = make_client()
        values = parse_text_values(ctype, flavor, fill_secrets(
            raw, _secret_fields(client, ctype, flavor, raw)))
        written = client.register_component(ctype, name, flavor, values, labels=given)
        emit_result(f"Successfully registered {display} `{name}`.", _data(client, written),
                    output_format)

    @group.command("list", help=f"List the {ctype.display_plural}; 👉 marks the active stack's.",
                   epilog=examples(f"{command} list",
                                   f"{command} list --flavor {ex_flavor} --sort=-updated",
                                   f"{command} list --name prefix:prod --limit 20 -o json"))
    @list_options("Only components of this flavor.")
    @output_option
    def list_components(output_format: str, name_filter: str | None,
                        flavor_filter: str | None, sort: str, limit: str | None,
                        page: str | None, selector: tuple[str, ...]) -> None:
        from zen_core.services import components

        query = parse_list_query(name=name_filter, flavor=flavor_filter, sort=sort,
                                 limit=limit, page=page, selector=selector)
        client = make_client()
        active = _active_name(client, ctype)
        found = components.page(client.access, ctype, query)
        rows = [component_data(c, c.name == active) for c in found.items]
        if emit_data(rows, output_format):
            return
        if not found.total:
            info(f"No {ctype.display_plural} match." if query.filtered
                 else f"No {ctype.display_plural} registered.")
            return
        page_caption(found, ctype.display_plural)
        if not rows:
            return
        keys = sorted({k for r in rows for k in r["config"]})
        labelled = any(r.get("labels") for r in rows)  # the column only then
        print_table(
            ["ACTIVE", "NAME", "FLAVOR", *(k.upper() for k in keys),
             *(["LABELS"] if labelled else [])],
            [[active_mark(r["active"]), r["name"], r["flavor"],
              *(_cell(r["config"].get(k)) for k in keys),
              *([labels_cell(r.get("labels") or {})] if labelled else [])] for r in rows],
        )

    @group.command(help=f"Show the active stack's {display}.",
                   epilog=examples(f"{command} get", f"{command} get -o json"))
    @output_option
    def get(output_format: str) -> None:
        client = make_client()
        name = _active_name(client, ctype)
        if emit_data({"name": name}, output_format):
            return
        if name is None:
            warning(f"No {display} set for active stack ('{client.active_stack_name}').")
        else:
            click.echo(f"Active {display}: '{name}'")

    @group.command(help=f"Show the configuration of {a_display} (default: the active "
                        "stack's).",
                   epilog=examples(f"{command} describe", f"{command} describe {ex_name}"))
    @click.argument("name", required=False, shell_complete=names)
    @output_option
    def describe(name: str | None, output_format: str) -> None:
        client = make_client()
        active = _active_name(client, ctype)
        if name is None:
            if active is None:
                raise InvalidDataError(
                    f"No {display} in the active stack: name the one to describe."
                )
            name = active
            info(f"No component name given, using `{name}` from active stack.")
        data = component_data(client.get_component(ctype, name), name == active)
        if emit_data(data, output_format):
            return
        print_table(
            ["COMPONENT_PROPERTY", "VALUE"],
            [["NAME", data["name"]], ["FLAVOR", data["flavor"]], ["UUID", data["uuid"]],
             *([k.upper(), _cell(v)] for k, v in data["config"].items())],
            title=f"{ctype.value.upper()} Component Configuration"
            + (" (ACTIVE)" if data["active"] else ""),
        )

    @group.command(help=f"Delete {a_display} that no stack uses; asks first on a terminal.",
                   epilog=examples(f"{command} delete {ex_name}",
                                   f"{command} delete {ex_name} --dry-run",
                                   f"{command} delete {ex_name} -y"))
    @click.argument("name", shell_complete=names)
    @yes_option
    @dry_run_option
    @output_option
    def delete(name: str, yes: bool, dry_run: bool, output_format: str) -> None:
        from zen_core.services.deletion import component_deletion

        client = make_client()
        plan = component_deletion(client.access, ctype, name)
        data = component_data(client.get_component(ctype, name), False)
        if dry_run:
            _dry_run(plan.plan, data, output_format)
            return
        confirm_deletion(plan.question, yes)
        client.delete_component(ctype, name)
        emit_result(f"Deleted {display}: {name}", data, output_format)

    @group.command(
        context_settings=CONFIG_ARGS,
        help=f"Change the configuration of {a_display}: NAME [--flavor F] --key=value ... "
             "Only the keys given change, even when others change them at the same time."
             f"\n\n{RESERVED_NOTE}",
        epilog=examples(f"{command} update {ex_name} {ex_config}"),
    )
    @click.argument("name", shell_complete=names)
    @click.option("--flavor", "--type", "-t", "flavor", default=None,
                  shell_complete=complete_flavors(ctype),
                  help="A new flavor; the configuration must fit its fields.")
    @label_option(removals=True)
    @output_option
    @click.pass_context
    def update(ctx: click.Context, name: str, flavor: str | None, labels: tuple[str, ...],
               output_format: str) -> None:
        from zen_core.services import components
        from zen_core.services.components import parse_text_changes

        raw = parse_config_args(ctx.args)
        label_changes = parse_labels(labels, removals=True)
        if not raw and not flavor and not label_changes:
            raise click.UsageError("Give at least one --key=value (or --flavor, or --label) "
                                   "to change.")
        client = make_client()
        changes: dict[str, Any] = {}
        if raw or flavor:
            target = flavor or client.get_component(ctype, name).flavor
            changes = parse_text_changes(client.access, ctype, name, flavor, fill_secrets(
                raw, _secret_fields(client, ctype, target, raw)))
        written = components.update(client.access, ctype, name, set=changes, flavor=flavor,
                                    labels=label_changes)
        emit_result(f"Successfully updated {display} `{name}`.", _data(client, written),
                    output_format)

    @group.command("remove-attribute",
                   help=f"Remove configuration keys of {a_display} (back to their defaults).",
                   epilog=examples(f"{command} remove-attribute {ex_name} "
                                   f"{ex_config.split('=')[0].lstrip('-')}"))
    @click.argument("name", shell_complete=names)
    @click.argument("keys", nargs=-1, required=True)
    @output_option
    def remove_attribute(name: str, keys: tuple[str, ...], output_format: str) -> None:
        client = make_client()
        written = client.update_component(ctype, name, {},
                                          unset=[k.replace("-", "_") for k in keys])
        emit_result(f"Successfully updated {display} `{name}`.", _data(client, written),
                    output_format)

    @group.command(help=f"Rename {a_display}; stacks follow the new name.",
                   epilog=examples(f"{command} rename {ex_name} {ex_name}-old"))
    @click.argument("name", shell_complete=names)
    @click.argument("new_name")
    @output_option
    def rename(name: str, new_name: str, output_format: str) -> None:
        client = make_client()
        written = client.rename_component(ctype, name, new_name)
        emit_result(f"Successfully renamed {display} `{name}` to `{new_name}`.",
                    _data(client, written), output_format)

    @group.command("history", help=f"The changes to one {display}, newest first.",
                   epilog=examples(f"{command} history {ex_name}"))
    @click.argument("name")
    @history_options
    @diff_option
    def component_history(name: str, limit: int, offset: int, output_format: str,
                          show_diff: bool) -> None:
        show_history(ctype.cli_name, name, limit, offset, None, output_format, show_diff)

    @group.command(help=f"Put {a_display} back as it was at a revision (from the history), "
                        "as a new revision.",
                   epilog=examples(f"{command} history {ex_name} --diff",
                                   f"{command} revert {ex_name} --revision 2"))
    @click.argument("name", shell_complete=names)
    @click.option("--revision", "-r", type=click.IntRange(min=1), required=True,
                  help="The revision to go back to (see `history NAME --diff`).")
    @output_option
    def revert(name: str, revision: int, output_format: str) -> None:
        from zen_core.services.revisions import revert_component

        client = make_client()
        written, notes = revert_component(client.access, ctype, name, revision)
        for note in notes:
            warning(note)
        emit_result(f"Reverted {display} `{name}` to revision {revision} (now revision "
                    f"{written.revision}).", _data(client, written), output_format)

    @group.command(help=f"Copy {a_display} as NEW_NAME (from another profile with "
                        "--from-profile): same flavor and configuration, a new uuid.",
                   epilog=examples(f"{command} copy {ex_name} {ex_name}-test",
                                   f"{command} copy {ex_name} {ex_name} --from-profile team"))
    @click.argument("name", shell_complete=names)
    @click.argument("new_name")
    @click.option("--from-profile", "from_profile", metavar="PROFILE",
                  shell_complete=complete_profiles,
                  help="Copy from this profile (default: the active one).")
    @dry_run_option
    @output_option
    def copy(name: str, new_name: str, from_profile: str | None, dry_run: bool,
             output_format: str) -> None:
        client = make_client()
        copied = client.copy_component(ctype, name, new_name, from_profile=from_profile,
                                       dry_run=dry_run)
        if dry_run:
            _dry_run(f"Would register {display} '{new_name}' ({copied.flavor} flavor).",
                     component_data(copied, False), output_format)
            return
        emit_result(f"Successfully copied {display} `{name}` to `{new_name}`.",
                    _data(client, copied), output_format)

    @group.group(help=f"The flavors of {ctype.display_plural}.",
                 epilog=examples(f"{command} flavor list"))
    def flavor() -> None:
        pass

    @flavor.command("list", help=f"List the {display} flavors and their fields.",
                    epilog=examples(f"{command} flavor list", f"{command} flavor list -o json"))
    @output_option
    def list_flavors(output_format: str) -> None:
        from zen_core.exceptions import PluginError
        from zen_core.flavors.base import describe_fields
        from zen_core.plugins import get_plugin_manager

        flavors = [f for (t, _), f in get_plugin_manager().flavors().items() if t is ctype]
        rows = []
        for f in flavors:
            try:  # a plugin's bad lazy path: that flavor shows its problem, the rest list
                row = {"name": f.name, "description": f.description,
                       "fields": describe_fields(f.load_model())}
            except PluginError as err:
                from zen_core.cli.output import warning

                warning(err.message)
                row = {"name": f.name, "description": f.description, "fields": [],
                       "error": err.message}
            rows.append(row)
        if emit_data(rows, output_format):
            return
        print_table(
            ["FLAVOR", "DESCRIPTION", "FIELDS"],
            [[r["name"], r["description"], "\n".join(_field_line(f) for f in r["fields"])
              or ("cannot be loaded: see the warning" if r.get("error") else "")]
             for r in rows],
        )

    return group


def _field_line(field: dict[str, Any]) -> str:
    note = "required" if field["required"] else f"default {field['default']!r}"
    secret = ", secret" if field["secret"] else ""
    return f"{field['name']}: {field['type']} ({note}{secret})"


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def __getattr__(name: str) -> click.Group:
    """``group_<type>`` for each component type, made on first use."""
    prefix = "group_"
    if name.startswith(prefix):
        ctype = ComponentType.parse(name[len(prefix):])
        group = make_group(ctype)
        globals()[name] = group
        return group
    raise AttributeError(name)
