"""``zenml secret``: create, list, describe, update, rename, delete secrets; rotate the key;
move plain secret fields into secrets.

Values are best kept off the command line (shell history, ``ps``): ``-i`` asks for
them without echo, ``--KEY`` with no value asks for that key, ``--values @FILE``
reads a YAML mapping from a file and ``--values -`` from stdin. ``--KEY=VALUE``
works too, as in ZenML.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from zen_core.cli.common import confirm_deletion, make_client
from zen_core.cli.history import history_options, show_history
from zen_core.cli.options import dry_run_option, examples, yes_option
from zen_core.cli.output import emit_data, emit_result, info, output_option, print_table
from zen_core.exceptions import InvalidDataError
from zen_core.secret_records import Secret

_KEY_ARGS = {"ignore_unknown_options": True, "allow_extra_args": True}
_VALUES_HELP = ("Read the values as a YAML mapping (key: value) from FILE (@FILE) or stdin "
                "(-).")
_INPUT_NOTE = ("Give each value as --KEY=VALUE, or --KEY alone to be asked for it without "
               "echo (-i asks for keys too), or --values @FILE / --values - (YAML). A key named "
               "like one of zen's own options (--profile...) goes after `--`.")


@click.group(epilog=examples("zenml secret create db -i", "zenml secret list",
                             "zenml orchestrator update kf --password='{{db.password}}'"))
def secret() -> None:
    """Secrets: named sets of values, sealed at rest; components refer to them as
    {{NAME.KEY}}."""


def _data(s: Secret, values: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {"name": s.name, "keys": s.keys, "revision": s.revision,
                            "created": s.created, "updated": s.updated}
    if values:
        data["values"] = dict(s.values)
    return data


def _key_args(args: list[str]) -> dict[str, str | None]:
    """``--KEY=VALUE`` and ``--KEY`` (None: to be asked for) pairs."""
    found: dict[str, str | None] = {}
    for token in args:
        if not token.startswith("--") or token == "--":
            if token == "--":
                continue
            raise click.UsageError(f"Unexpected argument '{token}'. {_INPUT_NOTE}")
        key, sep, value = token[2:].partition("=")
        key = key.replace("-", "_")
        if key in found:
            raise click.UsageError(f"The key --{key} is given twice.")
        found[key] = value if sep else None
    return found


def _from_source(source: str) -> dict[str, str]:
    import yaml

    if source == "-":
        text, where = sys.stdin.read(), "stdin"
    else:
        path = Path(source.removeprefix("@")).expanduser()
        where = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as err:
            raise InvalidDataError(f"Cannot read {path}: {err.strerror or err}.") from None
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError:
        raise InvalidDataError(f"The values in {where} are not YAML.") from None
    if not isinstance(data, dict) or not all(isinstance(v, (str, int, float, bool))
                                             for v in data.values()):
        raise InvalidDataError(f"The values in {where} must be a mapping of keys to text.")
    return {str(k): str(v) for k, v in data.items()}


def _ask(prompt: str, hide: bool = True) -> str:
    if not sys.stdin.isatty():
        raise InvalidDataError("There is no terminal to ask on: give the values with "
                               "--values - (stdin) or --values @FILE.")
    return click.prompt(prompt, hide_input=hide, err=True, default="" if not hide else None,
                        show_default=False)


def gather(args: list[str], interactive: bool, source: str | None) -> dict[str, str]:
    """The values a command was given: from ``source``, the arguments and the terminal."""
    given = _key_args(args)
    values = _from_source(source) if source else {}
    for key, value in given.items():
        if value is None:
            value = _ask(f"Value for {key}")
        values[key] = value
    if interactive and not given:
        while True:
            key = _ask("Key (an empty line ends)", hide=False).strip()
            if not key:
                break
            values[key] = _ask(f"Value for {key}")
    return values


def _inputs(func: Any) -> Any:
    func = click.option("--values", "source", metavar="@FILE|-", help=_VALUES_HELP)(func)
    func = click.option("--interactive", "-i", is_flag=True,
                        help="Ask for the keys and their values (without echo).")(func)
    return func


@secret.command(context_settings=_KEY_ARGS, help=f"Create a secret.\n\n{_INPUT_NOTE}",
                epilog=examples("zenml secret create db -i",
                                "zenml secret create db --user=app --password",
                                "zenml secret create db --values @db.yaml"))
@click.argument("name")
@_inputs
@output_option
@click.pass_context
def create(ctx: click.Context, name: str, interactive: bool, source: str | None,
           output_format: str) -> None:
    from zen_core.services import secrets

    values = gather(ctx.args, interactive, source)
    written = secrets.create(make_client().access, name, values)
    emit_result(f"Created secret '{name}' with {', '.join(written.keys)}.", _data(written),
                output_format)


@secret.command("list", epilog=examples("zenml secret list", "zenml secret list -o json"))
@output_option
def list_secrets(output_format: str) -> None:
    """List the secrets: names and keys, never values."""
    from zen_core.services import secrets

    rows = [_data(s) for s in secrets.list_(make_client().access)]
    if emit_data(rows, output_format):
        return
    if not rows:
        info("No secrets. Create one with `zenml secret create NAME -i`.")
        return
    print_table(["SECRET", "KEYS", "REVISION", "UPDATED"],
                [[r["name"], ", ".join(r["keys"]), r["revision"], r["updated"]] for r in rows])


@secret.command(epilog=examples("zenml secret describe db", "zenml secret describe db --show"))
@click.argument("name")
@click.option("--show", is_flag=True,
              help="Show the values too (to a user who may read secrets: an editor).")
@output_option
def describe(name: str, show: bool, output_format: str) -> None:
    """Show a secret's keys (and with --show, its values)."""
    from zen_core.services import secrets

    access = make_client().access
    found = secrets.revealed(access, name) if show else secrets.get(access, name)
    data = _data(found, values=show)
    if emit_data(data, output_format):
        return
    print_table(["KEY", "VALUE"], [[k, v] for k, v in sorted(found.values.items())],
                title=f"Secret '{name}' (revision {found.revision})", keep=["KEY"])


@secret.command(context_settings=_KEY_ARGS,
                help=f"Set or remove keys of a secret; keys not named keep their values.\n\n"
                     f"{_INPUT_NOTE}",
                epilog=examples("zenml secret update db --password",
                                "zenml secret update db --remove old_password"))
@click.argument("name")
@click.option("--remove", "remove", multiple=True, metavar="KEY", help="Remove this key.")
@_inputs
@output_option
@click.pass_context
def update(ctx: click.Context, name: str, remove: tuple[str, ...], interactive: bool,
           source: str | None, output_format: str) -> None:
    from zen_core.services import secrets

    values = gather(ctx.args, interactive, source)
    if not values and not remove:
        raise click.UsageError("Give a key to set (--KEY=VALUE, --KEY, -i, --values) or one "
                               "to --remove.")
    written = secrets.update(make_client().access, name, set=values, unset=list(remove))
    emit_result(f"Updated secret '{name}'.", _data(written), output_format)


@secret.command(epilog=examples("zenml secret rename db postgres"))
@click.argument("old")
@click.argument("new")
@output_option
def rename(old: str, new: str, output_format: str) -> None:
    """Rename a secret that no component refers to."""
    from zen_core.services import secrets

    written = secrets.rename(make_client().access, old, new)
    emit_result(f"Renamed secret '{old}' to '{new}'.", _data(written), output_format)


@secret.command(epilog=examples("zenml secret delete db", "zenml secret delete db -y"))
@click.argument("name")
@yes_option
@dry_run_option
@output_option
def delete(name: str, yes: bool, dry_run: bool, output_format: str) -> None:
    """Delete a secret; refused while a component refers to it."""
    from zen_core.services import secrets

    access = make_client().access
    found = secrets.get(access, name)
    if dry_run:
        if not emit_data(_data(found), output_format):
            click.echo(f"Would delete secret '{name}'.")
        info("Dry run: nothing changed.")
        return
    confirm_deletion(f"Delete secret '{name}' ({', '.join(found.keys)})?", yes)
    secrets.delete(access, name)
    emit_result(f"Deleted secret '{name}'.", _data(found), output_format)


@secret.command("rotate-key", epilog=examples("zenml secret rotate-key"))
def rotate_key() -> None:
    """Seal every secret again with a new key (admins), in one batch.

    With ZENML_SECRETS_KEY set, put the new key first in it (comma-separated, the old
    one after) on every machine, run this, then drop the old key."""
    from zen_core.services import secrets

    key, count = secrets.rotate_key(make_client().access)
    info(f"Sealed {count} secret{'' if count == 1 else 's'} with key {key}.")


@secret.command(epilog=examples("zenml secret migrate --dry-run", "zenml secret migrate"))
@dry_run_option
def migrate(dry_run: bool) -> None:
    """Move every plain value of a secret field (a password...) into a secret of its own,
    leaving a reference: for stores written before zen kept secrets (ZenML 0.7's too)."""
    from zen_core.services import secrets

    notes = secrets.migrate(make_client().access, dry_run=dry_run)
    for note in notes:
        info(("Would move " if dry_run else "Moved ") + note)
    info("Dry run: nothing changed." if dry_run else
         f"{len(notes)} component{'' if len(notes) == 1 else 's'} now refer to secrets."
         if notes else "No plain secret value left.")


@secret.command("history", epilog=examples("zenml secret history db"))
@click.argument("name")
@history_options
def secret_history(name: str, limit: int, offset: int, output_format: str) -> None:
    """The changes to one secret, newest first (keys, never values)."""
    show_history("secret", name, limit, offset, None, output_format)
