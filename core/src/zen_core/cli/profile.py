"""``zenml profile``: create, list, set, get, describe, delete and explain profiles."""

from __future__ import annotations

import click

from zen_core.cli.common import make_client
from zen_core.cli.output import active_mark, emit_data, output_option, print_table, success
from zen_core.client import Client
from zen_core.config import Profile
from zen_core.exceptions import StoreUnavailableError
from zen_core.records import mask_url_password


@click.group()
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


def _effective_stack(client: Client) -> str | None:
    """The effective stack; the recorded one if the store cannot be read (its profile can
    still be listed, switched from and deleted)."""
    try:
        return client.active_stack_name
    except StoreUnavailableError:
        return client.profile.active_stack


@profile.command()
@click.argument("name")
@click.option("--url", "-u", help="Where the store lives (default: in the profile's folder).")
@click.option(
    "--store-type", "--type", "-t", "store_type", default=None,
    help="The store back-end: local, sql, rest, or one a plugin adds.",
)
@click.option("--token", default=None,
              help="Access token of a remote zen service (else $ZENML_STORE_TOKEN at run time).")
@click.option("--ca-cert", type=click.Path(dir_okay=False), default=None,
              help="For a store over TLS: trust the server certificates this CA file signed.")
@click.option("--insecure", is_flag=True,
              help="For a store over TLS: check no certificate (development set-ups only).")
def create(name: str, url: str | None, store_type: str | None, token: str | None,
           ca_cert: str | None, insecure: bool) -> None:
    """Create a profile (it is not activated)."""
    client = make_client()
    client.create_profile(name, store_type=store_type, url=url, token=token, ca_cert=ca_cert,
                          insecure=insecure)
    if insecure:
        from zen_core.cli.output import warning

        warning(f"Profile '{name}' does not check the TLS certificate of its store: anyone "
                "between this machine and the store can read and change what it sends, its "
                "key included. Use --ca-cert FILE outside a development set-up.")
    success(f"Profile '{name}' successfully created.")


@profile.command("list")
@output_option
def list_profiles(output_format: str) -> None:
    """List profiles; 👉 marks the active one."""
    client = make_client()
    active = client.profile.name
    rows = []
    for p in client.list_profiles():
        stack = _effective_stack(client) if p.name == active else p.active_stack
        rows.append(_profile_data(p, client.store_url(p), p.name == active, stack))
    if emit_data(rows, output_format):
        return
    print_table(
        ["ACTIVE", "PROFILE NAME", "STORE TYPE", "URL", "ACTIVE STACK"],
        [
            [active_mark(r["active"]), r["name"], r["store_type"], r["url"], r["active_stack"]]
            for r in rows
        ],
    )


@profile.command("set")
@click.argument("name")
@click.option("--global", "-g", "global_", is_flag=True,
              help="Set the global active profile, even inside a repository.")
def set_profile(name: str, global_: bool) -> None:
    """Activate a profile: in the repository when inside one, else globally."""
    client = make_client()
    scope, changed = client.set_profile(name, global_=global_)
    where = "global " if scope == "global" and global_ else ""
    if not changed:
        success(f"Profile '{name}' is already {'globally ' if where else ''}active.")
    else:
        success(f"Active {where}profile changed to: '{name}'")


@profile.command()
@output_option
def get(output_format: str) -> None:
    """Show the active profile."""
    client = make_client(announce=False)
    data = {"name": client.profile.name, "scope": client.profile_scope}
    if not emit_data(data, output_format):
        click.echo(f"Active profile is: {data['name']}")


@profile.command()
@click.argument("name", required=False)
@output_option
def describe(name: str | None, output_format: str) -> None:
    """Show a profile's configuration (default: the active one)."""
    client = make_client()
    active = client.profile.name
    p = client.get_profile(name or active)
    stack = _effective_stack(client) if p.name == active else p.active_stack
    data = _profile_data(p, client.store_url(p), p.name == active, stack)
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
        title=f"'{p.name}' Profile Configuration" + (" (ACTIVE)" if data["active"] else ""),
    )


@profile.command()
@click.argument("name")
def delete(name: str) -> None:
    """Delete a profile and its own store folder (not the active one)."""
    client = make_client()
    client.delete_profile(name)
    success(f"Deleted profile '{name}'.")


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
`ZENML_ACTIVATED_STACK` override both.
"""


@profile.command()
def explain() -> None:
    """Explain profiles, stacks and local versus global settings."""
    from rich.console import Console
    from rich.markdown import Markdown

    Console().print(Markdown(EXPLAIN))


@profile.command()
@click.argument("source")
@click.argument("target")
@click.option("--store-type", "--type", "-t", "store_type", required=True,
              help="The store back-end of the new profile.")
@click.option("--url", "-u", help="Where the new store lives (default: in its profile folder).")
@click.option("--token", default=None, help="Access token of a remote zen service.")
def copy(source: str, target: str, store_type: str, url: str | None, token: str | None) -> None:
    """Copy every stack and component of SOURCE into a new profile TARGET."""
    from zen_core.services.transfer import copy_profile

    client = make_client()
    copy_profile(client.config, source, target, store_type, url=url, token=token)
    success(f"Profile '{source}' copied to '{target}' ({store_type}).")
