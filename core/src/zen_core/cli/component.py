"""One command group per component type (``zenml orchestrator ...``), built from one template."""

from __future__ import annotations

import re
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
    warning,
)
from zen_core.client import Client
from zen_core.exceptions import InvalidDataError
from zen_core.models import Component, ComponentType

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def parse_config_args(args: list[str]) -> dict[str, Any]:
    """``--key=value`` / ``--key value`` pairs into a dict (``-`` in keys becomes ``_``)."""
    config: dict[str, Any] = {}
    tokens = list(args)
    while tokens:
        token = tokens.pop(0)
        if not token.startswith("--"):
            raise InvalidDataError(
                f"Unexpected argument '{token}'. Give configuration as --key=value, "
                'for example --path="/data/artifacts".'
            )
        key, sep, value = token[2:].partition("=")
        if not sep:
            if not tokens or tokens[0].startswith("--"):
                raise InvalidDataError(f"The option --{key} needs a value: --{key}=VALUE.")
            value = tokens.pop(0)
        if not _KEY.fullmatch(key):
            raise InvalidDataError(f"Invalid configuration key '--{key}'.")
        key = key.replace("-", "_")
        if key in config:
            raise InvalidDataError(f"The option --{key} is given twice.")
        config[key] = _parse_value(key, value)
    return config


def _parse_value(key: str, value: str) -> Any:
    """Strings stay strings (pydantic coerces them); JSON-like lists and maps are parsed."""
    if value[:1] not in ("[", "{"):
        return value
    import yaml

    try:
        return yaml.safe_load(value)
    except yaml.YAMLError:
        raise InvalidDataError(
            f"The value of --{key} is not a valid list or mapping: {value!r}. "
            'Write it as JSON, for example --labels=\'{"team": "ml"}\'.'
        ) from None


def component_data(component: Component, active: bool) -> dict[str, Any]:
    """What list, describe and ``--output`` show of a component: secrets masked."""
    from zen_core.services.components import masked_config

    return {
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


def _active_name(client: Client, ctype: ComponentType) -> str | None:
    name = client.active_stack_name
    if name is None:
        return None
    return client.store.get_stack(name).components.get(ctype)


def make_group(ctype: ComponentType) -> click.Group:
    display = ctype.display

    @click.group(name=ctype.cli_name, help=f"Commands for {ctype.display_plural}.")
    def group() -> None:
        pass

    @group.command(
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
        help=f"Register a {display}: NAME -t FLAVOR --key=value ...",
    )
    @click.argument("name")
    @click.option("--type", "-t", "flavor", help="The flavor (see `flavor list`).")
    @click.option("--flavor", "flavor_alias", help="Same as --type.")
    @click.pass_context
    def register(ctx: click.Context, name: str, flavor: str | None,
                 flavor_alias: str | None) -> None:
        flavor = flavor or flavor_alias
        if not flavor:
            raise click.UsageError("Missing option '--type' / '-t' (the flavor).")
        config = parse_config_args(ctx.args)
        client = make_client()
        client.register_component(ctype, name, flavor, config)
        success(f"Successfully registered {display} `{name}`.")

    @group.command("list", help=f"List the {ctype.display_plural}; 👉 marks the active stack's.")
    @output_option
    def list_components(output_format: str) -> None:
        client = make_client()
        active = _active_name(client, ctype)
        rows = [component_data(c, c.name == active)
                for c in client.store.list_components(ctype)]
        if emit_data(rows, output_format):
            return
        if not rows:
            info(f"No {ctype.display_plural} registered.")
            return
        keys = sorted({k for r in rows for k in r["config"]})
        print_table(
            ["ACTIVE", "NAME", "FLAVOR", *(k.upper() for k in keys)],
            [[active_mark(r["active"]), r["name"], r["flavor"],
              *(_cell(r["config"].get(k)) for k in keys)] for r in rows],
        )

    @group.command(help=f"Show the active stack's {display}.")
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

    @group.command(help=f"Show a {display}'s configuration (default: the active stack's).")
    @click.argument("name", required=False)
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
        data = component_data(client.store.get_component(ctype, name), name == active)
        if emit_data(data, output_format):
            return
        print_table(
            ["COMPONENT_PROPERTY", "VALUE"],
            [["NAME", data["name"]], ["FLAVOR", data["flavor"]], ["UUID", data["uuid"]],
             *([k.upper(), _cell(v)] for k, v in data["config"].items())],
            title=f"{ctype.value.upper()} Component Configuration"
            + (" (ACTIVE)" if data["active"] else ""),
        )

    @group.command(help=f"Delete a {display} that no stack uses.")
    @click.argument("name")
    def delete(name: str) -> None:
        client = make_client()
        client.delete_component(ctype, name)
        success(f"Deleted {display}: {name}")

    @group.command(
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
        help=f"Change a {display}'s configuration: NAME [--flavor F] --key=value ... "
             "Only the keys given change, even when others change them at the same time.",
    )
    @click.argument("name")
    @click.option("--flavor", "--type", "-t", "flavor", default=None,
                  help="A new flavor; the configuration must fit its fields.")
    @click.pass_context
    def update(ctx: click.Context, name: str, flavor: str | None) -> None:
        changes = parse_config_args(ctx.args)
        if not changes and not flavor:
            raise click.UsageError("Give at least one --key=value (or --flavor) to change.")
        client = make_client()
        client.update_component(ctype, name, changes, flavor=flavor)
        success(f"Successfully updated {display} `{name}`.")

    @group.command("remove-attribute",
                   help=f"Remove configuration keys of a {display} (back to their defaults).")
    @click.argument("name")
    @click.argument("keys", nargs=-1, required=True)
    def remove_attribute(name: str, keys: tuple[str, ...]) -> None:
        client = make_client()
        client.update_component(ctype, name, {}, unset=[k.replace("-", "_") for k in keys])
        success(f"Successfully updated {display} `{name}`.")

    @group.command(help=f"Rename a {display}; stacks follow the new name.")
    @click.argument("name")
    @click.argument("new_name")
    def rename(name: str, new_name: str) -> None:
        client = make_client()
        client.rename_component(ctype, name, new_name)
        success(f"Successfully renamed {display} `{name}` to `{new_name}`.")

    @group.command("history", help=f"The changes to one {display}, newest first.")
    @click.argument("name")
    @history_options
    def component_history(name: str, limit: int, offset: int, output_format: str) -> None:
        show_history(ctype.cli_name, name, limit, offset, None, output_format)

    @group.group(help=f"The flavors of {ctype.display_plural}.")
    def flavor() -> None:
        pass

    @flavor.command("list", help=f"List the {display} flavors and their fields.")
    @output_option
    def list_flavors(output_format: str) -> None:
        from zen_core.flavors.base import describe_fields
        from zen_core.plugins import get_plugin_manager

        flavors = [f for (t, _), f in get_plugin_manager().flavors().items() if t is ctype]
        rows = [{"name": f.name, "description": f.description,
                 "fields": describe_fields(f.load_model())} for f in flavors]
        if emit_data(rows, output_format):
            return
        print_table(
            ["FLAVOR", "DESCRIPTION", "FIELDS"],
            [[r["name"], r["description"], "\n".join(_field_line(f) for f in r["fields"])]
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
