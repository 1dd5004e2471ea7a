"""``zenml profile``: create, update, list, set, get, describe, rename, copy, delete, explain."""

from __future__ import annotations

import click

from zen_core.cli.common import confirm_deletion, make_client
from zen_core.cli.completion import complete_profiles, complete_store_types
from zen_core.cli.options import KeptFile, dry_run_option, examples, yes_option
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
from zen_core.config import Profile
from zen_core.records import mask_url_password


@click.group(epilog=examples("zenml profile list", "zenml profile create team --store-type sql"))
def profile() -> None:
    """Configuration contexts, each with its own store of stacks."""


def _profile_data(profile: Profile, url: str, active: bool, active_stack: str | None) -> dict:
    return {
        "name": profile.name,
        "store_type": profile.store_type,
        "url": mask_url_password(url),
        "active_stack": active_stack,
        "active_user": profile.active_user,
        "active": active,
    }


def _effective_profile(client: Client) -> str | None:
    """The name of the profile in effect, None if there is none (a stale global choice)."""
    from zen_core.exceptions import ProfileNotFoundError

    try:
        return client.profile.name
    except ProfileNotFoundError:
        return None


def _data_of(client: Client, name: str) -> dict:
    """``profile list``'s shape for one profile. No store is read: the active stack is the
    one the choices record (a stale one is repaired by the next command that reads it)."""
    from zen_core.services.profiles import store_url

    p = client.config.get_profile(name)
    active = p.name == _effective_profile(client)
    stack = client.context.stack_choice(None).name if active else p.active_stack
    return _profile_data(p, store_url(client.config, p), active, stack)


STORE_TYPE_HELP = "The store back-end: local, sql, rest, or one a plugin adds."


_token_stdin_option = click.option(
    "--token-stdin", is_flag=True,
    help="Read the access token from standard input (kept off the command line, like "
         "`docker login --password-stdin`).")


_keychain_option = click.option(
    "--keychain", is_flag=True,
    help="Keep the access token in the OS keychain instead of config.yaml (needs the "
         "keyring package).")


def _token(token: str | None, from_stdin: bool) -> str | None:
    if not from_stdin:
        return token
    if token is not None:
        raise click.UsageError("Give --token or --token-stdin, not both.")
    import sys

    read = sys.stdin.readline().strip()
    if not read:
        raise click.UsageError("--token-stdin read no token from standard input.")
    return read


_ca_cert_option = click.option(
    "--ca-cert", type=KeptFile(), default=None,
    help="For a store over TLS: trust the server certificates this CA file signed.")
_insecure_option = click.option(
    "--insecure", is_flag=True,
    help="For a store over TLS: check no certificate (development set-ups only).")


def _warn_if_insecure(name: str, insecure: bool) -> None:
    if insecure:
        from zen_core.cli.output import warning

        warning(f"Profile '{name}' does not check the TLS certificate of its store: anyone "
                "between this machine and the store can read and change what it sends, its "
                "key included. Use --ca-cert FILE outside a development set-up.")


@profile.command(epilog=examples(
    "zenml profile create zenml",
    'zenml profile create team --store-type sql --url "mysql://zenml:pw@db/zenml"',
    "zenml profile create shared --type rest --url http://localhost:8000 --token TOKEN",
))
@click.argument("name")
@click.option("--url", "-u", help="Where the store lives (default: in the profile's folder).")
@click.option("--store-type", "--type", "-t", "store_type", default=None,
              shell_complete=complete_store_types, help=STORE_TYPE_HELP)
@click.option("--token", default=None,
              help="Access token of a remote zen service (else $ZENML_STORE_TOKEN at run time).")
@_token_stdin_option
@_keychain_option
@_ca_cert_option
@_insecure_option
@output_option
def create(name: str, url: str | None, store_type: str | None, token: str | None,
           token_stdin: bool, keychain: bool, ca_cert: str | None, insecure: bool,
           output_format: str) -> None:
    """Create a profile (it is not activated)."""
    token = _token(token, token_stdin)
    client = make_client(store=False)
    client.create_profile(name, store_type=store_type, url=url, token=token, ca_cert=ca_cert,
                          insecure=insecure, in_keychain=keychain)
    _warn_if_insecure(name, insecure)
    emit_result(f"Profile '{name}' successfully created.", _data_of(client, name), output_format)


@profile.command(epilog=examples(
    "zenml profile update remote --token-stdin < key.txt",
    "zenml profile update remote --ca-cert ca.pem",
    "zenml profile update remote --url https://zen.example.com",
))
@click.argument("name", shell_complete=complete_profiles)
@click.option("--url", "-u", default=None, help="Where its store lives from now on.")
@click.option("--token-stdin", is_flag=True,
              help="Read its new access token from standard input (never from the command "
                   "line: it would show in the shell history and the process list).")
@_keychain_option
@_ca_cert_option
@output_option
def update(name: str, url: str | None, token_stdin: bool, keychain: bool, ca_cert: str | None,
           output_format: str) -> None:
    """Give a profile a new access token, CA certificate or store URL.

    Its store is not contacted: a profile whose key was revoked or expired, or whose CA
    file went away, is mended this way; the next command that uses it tells whether the
    store accepts it.
    """
    from zen_core.services.profiles import update as update_profile

    token = _token(None, token_stdin)
    client = make_client(store=False)
    _, changed = update_profile(client.config, name, url=url, token=token, ca_cert=ca_cert,
                                in_keychain=keychain)
    emit_result(f"Profile '{name}' updated: {', '.join(changed)}.", _data_of(client, name),
                output_format)


@profile.command("list", epilog=examples("zenml profile list", "zenml profile list -o json"))
@output_option
def list_profiles(output_format: str) -> None:
    """List profiles in the order they were created; 👉 marks the active one."""
    client = make_client(store=False)
    rows = [_data_of(client, name) for name in client.config.profiles]
    if emit_data(rows, output_format):
        return
    print_table(
        ["ACTIVE", "PROFILE NAME", "STORE TYPE", "URL", "ACTIVE STACK"],
        [
            [active_mark(r["active"]), r["name"], r["store_type"], r["url"], r["active_stack"]]
            for r in rows
        ],
    )


@profile.command("set", epilog=examples("zenml profile set zenml",
                                        "zenml profile set zenml --global"))
@click.argument("name", shell_complete=complete_profiles)
@click.option("--global", "-g", "global_", is_flag=True,
              help="Set the global active profile, even inside a repository.")
@output_option
def set_profile(name: str, global_: bool, output_format: str) -> None:
    """Activate a profile: in the repository when inside one, else globally."""
    client = make_client(store=False)
    scope, changed = client.set_profile(name, global_=global_)
    where = "global " if scope == "global" and global_ else ""
    if not changed:
        message = f"Profile '{name}' is already {'globally ' if where else ''}active."
    else:
        message = f"Active {where}profile changed to: '{name}'"
    emit_result(message, {"name": name, "scope": scope}, output_format)


@profile.command(epilog=examples("zenml profile get", "zenml profile get -o json"))
@output_option
def get(output_format: str) -> None:
    """Show the active profile."""
    client = make_client(announce=False, store=False)
    data = {"name": client.profile.name, "scope": client.profile_scope}
    if not emit_data(data, output_format):
        click.echo(f"Active profile is: {data['name']}")


@profile.command(epilog=examples("zenml profile describe", "zenml profile describe team"))
@click.argument("name", required=False, shell_complete=complete_profiles)
@output_option
def describe(name: str | None, output_format: str) -> None:
    """Show a profile's configuration (default: the active one)."""
    client = make_client(store=False)
    data = _data_of(client, name or client.profile.name)
    data["active_user"] = _user_of(client, data["name"], data["active_user"])
    if emit_data(data, output_format):
        return
    print_table(
        ["PROPERTY", "VALUE"],
        [
            ["NAME", data["name"]],
            ["STORE_TYPE", data["store_type"]],
            ["STORE_URL", data["url"]],
            ["ACTIVE_STACK", data["active_stack"]],
            ["ACTIVE_USER", data["active_user"]],
        ],
        title=f"'{data['name']}' Profile Configuration" + (" (ACTIVE)" if data["active"] else ""),
        keep=["PROPERTY"],
    )


@profile.command(epilog=examples("zenml profile delete other",
                                 "zenml profile delete other --dry-run",
                                 "zenml profile delete other -y"))
@click.argument("name", shell_complete=complete_profiles)
@yes_option
@dry_run_option
@output_option
def delete(name: str, yes: bool, dry_run: bool, output_format: str) -> None:
    """Delete a profile and its own store folder (not an active one, nor one a running
    zen service serves).

    On a terminal it asks first, saying how many stacks and components go with it. A
    store that cannot be reached or read (a revoked key, a broken file) does not stop it:
    it says what it could not count, and deletes.
    """
    from zen_core.services.deletion import profile_deletion

    client = make_client(store=False)
    plan = profile_deletion(client.context, name)
    data = _data_of(client, name)
    if plan.unchecked:
        warning(plan.unchecked)
    if dry_run:
        _dry_run(plan.plan, data, output_format)
        return
    confirm_deletion(plan.question, yes)
    client.delete_profile(name)
    emit_result(f"Deleted profile '{name}'.", data, output_format)


def _user_of(client: Client, name: str, recorded: str) -> str:
    """Whom profile ``name`` acts as: for a store that authorizes on its side (a service),
    the key's user as the store knows it (as ``zenml whoami`` says), read from the store;
    if it cannot be read, ``unknown``, with a warning saying why."""
    from zen_core.exceptions import STORE_FAILURES
    from zen_core.plugins import get_plugin_manager
    from zen_core.services.authz import identity_of_profile

    profile = client.config.get_profile(name)
    if not get_plugin_manager().store_type(profile.store_type).authorizes:
        return recorded
    try:
        return identity_of_profile(client.access_of(name), profile).name
    except STORE_FAILURES as err:
        warning(f"Could not ask the store of profile '{name}' whose key it uses: {err}")
        return "unknown"


def _dry_run(plan: str, data: dict, output_format: str) -> None:
    """What a ``--dry-run`` prints: the plan (or the record it concerns) on stdout."""
    if not emit_data(data, output_format):
        click.echo(plan)
    info("Dry run: nothing changed.")


@profile.command(epilog=examples("zenml profile rename zenml team"))
@click.argument("old", shell_complete=complete_profiles)
@click.argument("new")
@output_option
def rename(old: str, new: str, output_format: str) -> None:
    """Rename a profile; the global choice and this repository's follow it.

    A store in the profile's own folder moves with it; a store elsewhere (--url) stays.
    Other repositories that chose OLD follow it too (they record its identity). Refused
    while a running zen service serves it (`zenml service down` first).
    """
    client = make_client(store=False)
    client.rename_profile(old, new)
    emit_result(f"Profile '{old}' renamed to '{new}'.", _data_of(client, new), output_format)


EXPLAIN = """\
# Profiles and stacks

A **stack** is a named set of configured components: an orchestrator, a
metadata store and an artifact store, and optionally a container registry,
step operator, secrets manager, feature store, model deployer and experiment
tracker. Components are registered once (`zenml orchestrator register ...`)
and shared by any number of stacks (`zenml stack register ...`).

A **profile** is a configuration context: a store that keeps stacks and
components, and the profile's active stack. The store can be a folder of YAML
files (`local`, the default), a SQL database (`sql`) or a zen service over the
network (`rest`):

    zenml profile create team --store-type sql --url mysql://user:pw@db/zenml
    zenml profile list

Every new profile gets a `default` stack.

## Global and local settings

The **global** active profile and stack live in the global configuration
(`$ZENML_CONFIG_PATH`, by default `~/.config/zenml`) and apply everywhere.

A **repository** (`zenml init` creates a `.zen` folder) keeps its own
**local** active profile and stack. They apply when you run zenml in that
folder or any subfolder, and "Running with active profile: 'x' (local)" says so.
Inside a repository `zenml profile set` and `zenml stack set` change the local
choice; `--global` changes the global one instead.

For one shell or one program, `ZENML_ACTIVATED_PROFILE` and
`ZENML_ACTIVATED_STACK` override both. For one command, `--profile P` and
`--stack S` override everything (`zenml stack list --profile team`), and
nothing stored changes.
"""


@profile.command(epilog=examples("zenml profile explain"))
def explain() -> None:
    """Explain profiles, stacks and local versus global settings."""
    from rich.console import Console
    from rich.markdown import Markdown

    from zen_core.cli.output import no_color

    plain = no_color()
    console = Console(color_system=None if plain else "auto", no_color=plain)
    with console.capture() as captured:
        console.print(Markdown(EXPLAIN))
    text = captured.get()
    if not console.is_terminal:  # rich pads each line to the width: no trailing spaces in a pipe
        text = "".join(line.rstrip() + "\n" for line in text.splitlines())
    click.echo(text, nl=False)


@profile.command(epilog=examples(
    "zenml profile copy default team-db --store-type sql --url mysql://zenml:pw@db/zenml",
    "zenml profile copy default backup --store-type local --dry-run",
))
@click.argument("source", shell_complete=complete_profiles)
@click.argument("target")
@click.option("--store-type", "--type", "-t", "store_type", required=True,
              shell_complete=complete_store_types,
              help="The store back-end of the new profile.")
@click.option("--url", "-u", help="Where the new store lives (default: in its profile folder).")
@click.option("--token", default=None, help="Access token of a remote zen service.")
@_token_stdin_option
@_ca_cert_option
@_insecure_option
@dry_run_option
@output_option
def copy(source: str, target: str, store_type: str, url: str | None, token: str | None,
         token_stdin: bool, ca_cert: str | None, insecure: bool, dry_run: bool,
         output_format: str) -> None:
    """Copy every stack, component and secret of SOURCE into a new profile TARGET."""
    from zen_core.services.transfer import copy_profile

    token = _token(token, token_stdin)
    client = make_client(store=False)
    profile, notes = copy_profile(client.config, source, target, store_type, url=url,
                                  token=token, dry_run=dry_run, progress=client.progress,
                                  ca_cert=ca_cert, insecure=insecure)
    if not dry_run:
        _warn_if_insecure(target, insecure)
    data = _profile_data(profile, profile.store_url or "", False, profile.active_stack)
    if dry_run:
        _dry_run("\n".join(notes), data, output_format)
        return
    for note in notes:
        info(note)
    emit_result(f"Profile '{source}' copied to '{target}' ({store_type}).", data, output_format)
