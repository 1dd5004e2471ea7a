"""``zenml user``, ``zenml team``, ``zenml role`` and ``zenml whoami``.

The shapes are ZenML 0.7.3's (``zenml role assign ROLE --user U``); every rule
is in ``zen_core.services`` (accounts, keys), checked for the acting
user (``zenml whoami``).
"""

from __future__ import annotations

import click

from zen_core.cli.common import make_client
from zen_core.cli.options import examples
from zen_core.cli.output import emit_data, info, output_option, print_table, success


def _access():
    return make_client().access


# --- users ------------------------------------------------------------------------------------
@click.group(epilog=examples("zenml user create alice", "zenml role assign editor --user alice",
                             "zenml user key create alice --expires-in 30d"))
def user() -> None:
    """Users of the active profile's store, and their API keys."""


@user.command("get", epilog=examples("zenml user get"))
def get_user() -> None:
    """Show the user the active profile acts as."""
    click.echo(f"Active user: '{make_client().profile.active_user}'")


@user.command("set", epilog=examples("zenml user set alice"))
@click.argument("name")
def set_user(name: str) -> None:
    """Make the active profile act as another user of its store (on a direct store this is
    who the history names and whose roles apply)."""
    from zen_core.services import choices

    client = make_client()
    choices.set_user(client.context, client.access, name)
    success(f"Active user of profile '{client.profile.name}' set to '{name}'.")


@user.command("create", epilog=examples("zenml user create alice"))
@click.argument("name")
def create_user(name: str) -> None:
    """Create a user (an admin's task)."""
    from zen_core.services import accounts

    accounts.create_user(_access(), name)
    success(f"Created user '{name}'.")


@user.command("list", epilog=examples("zenml user list"))
@output_option
def list_users(output_format: str) -> None:
    """List users with their roles and teams."""
    from zen_core.services import accounts

    access = _access()
    teams = accounts.list_teams(access)
    rows = [{"name": u.name, "created": u.created, "roles": accounts.roles_of(access, u.name),
             "teams": [t.name for t in teams if u.name in t.members]}
            for u in accounts.list_users(access)]
    if emit_data(rows, output_format):
        return
    if not rows:
        info("No users yet: every local user acts as an admin until a role is assigned.")
        return
    print_table(["USER", "ROLES", "TEAMS", "CREATED"],
                [[r["name"], ", ".join(r["roles"]), ", ".join(r["teams"]), r["created"]]
                 for r in rows])


@user.command("describe", epilog=examples("zenml user describe alice"))
@click.argument("name")
@output_option
def describe_user(name: str, output_format: str) -> None:
    """Show a user's roles, teams and API keys."""
    from zen_core.services import accounts

    access = _access()
    found = accounts.get_user(access, name)
    data = {"name": found.name, "created": found.created,
            "roles": accounts.roles_of(access, name),
            "teams": [t.name for t in accounts.list_teams(access) if name in t.members]}
    if emit_data(data, output_format):
        return
    print_table(["PROPERTY", "VALUE"],
                [["NAME", data["name"]], ["ROLES", ", ".join(data["roles"]) or "-"],
                 ["TEAMS", ", ".join(data["teams"]) or "-"], ["CREATED", data["created"]]],
                title=f"User '{name}'")


@user.command("delete", epilog=examples("zenml user delete alice"))
@click.argument("name")
def delete_user(name: str) -> None:
    """Delete a user with their roles, team memberships and API keys."""
    from zen_core.services import accounts

    accounts.delete_user(_access(), name)
    success(f"Deleted user '{name}'.")


@user.group(epilog=examples("zenml user key create alice --name laptop",
                            "zenml user key list alice"))
def key() -> None:
    """A user's API keys for the zen service (shown once, stored as a hash)."""


@key.command("create", epilog=examples("zenml user key create alice",
                                        "zenml user key create ci --name ci --expires-in 30d"))
@click.argument("user_name", metavar="USER")
@click.option("--name", "key_name", default=None, help="A name for the key (default key-N).")
@click.option("--expires-in", default=None, metavar="DURATION",
              help="Expire after e.g. 90m, 12h, 30d, 2w (default: never).")
def create_key(user_name: str, key_name: str | None, expires_in: str | None) -> None:
    """Create an API key and print it (this once)."""
    from zen_core.services import keys

    record, secret = keys.create(_access(), user_name, key_name, expires_in)
    click.echo(secret)
    success(f"Created API key '{record.name}' for user '{user_name}'"
            + (f", expiring {record.expires}" if record.expires else "")
            + ". Keep it safe: it is not shown again.")


@key.command("list", epilog=examples("zenml user key list alice"))
@click.argument("user_name", metavar="USER")
@output_option
def list_keys(user_name: str, output_format: str) -> None:
    """List a user's API keys (never the keys)."""
    from zen_core.services import keys

    rows = [k.to_dict(with_hash=False) for k in keys.list_(_access(), user_name)]
    for row in rows:
        row.pop("key_id", None)
    if emit_data(rows, output_format):
        return
    if not rows:
        info(f"User '{user_name}' has no API keys.")
        return
    print_table(["NAME", "CREATED", "LAST USED", "EXPIRES"],
                [[r["name"], r["created"], r["last_used"] or "never", r["expires"] or "never"]
                 for r in rows])


@key.command("revoke", epilog=examples("zenml user key revoke alice laptop"))
@click.argument("user_name", metavar="USER")
@click.argument("name")
def revoke_key(user_name: str, name: str) -> None:
    """Revoke an API key: every service over this store refuses it within a second."""
    from zen_core.services import keys

    keys.revoke(_access(), user_name, name)
    success(f"Revoked API key '{name}' of user '{user_name}'.")


# --- teams ------------------------------------------------------------------------------------
@click.group(epilog=examples("zenml team create ml", "zenml team add ml --user alice",
                             "zenml role assign editor --team ml"))
def team() -> None:
    """Teams of users; a role given to a team is given to its members."""


@team.command("create", epilog=examples("zenml team create ml"))
@click.argument("name")
def create_team(name: str) -> None:
    """Create a team."""
    from zen_core.services import accounts

    accounts.create_team(_access(), name)
    success(f"Created team '{name}'.")


@team.command("list", epilog=examples("zenml team list"))
@output_option
def list_teams(output_format: str) -> None:
    """List teams and their members."""
    from zen_core.services import accounts

    rows = [t.to_dict() for t in accounts.list_teams(_access())]
    if emit_data(rows, output_format):
        return
    if not rows:
        info("No teams.")
        return
    print_table(["TEAM", "MEMBERS", "CREATED"],
                [[r["name"], ", ".join(r["members"]), r["created"]] for r in rows])


@team.command("describe", epilog=examples("zenml team describe ml"))
@click.argument("name")
@output_option
def describe_team(name: str, output_format: str) -> None:
    """Show a team's members and roles."""
    from zen_core.services import accounts

    access = _access()
    found = accounts.get_team(access, name)
    data = {**found.to_dict(), "roles": sorted(
        a.role for a in accounts.list_assignments(access) if a.team == name)}
    if emit_data(data, output_format):
        return
    print_table(["PROPERTY", "VALUE"],
                [["NAME", name], ["MEMBERS", ", ".join(data["members"]) or "-"],
                 ["ROLES", ", ".join(data["roles"]) or "-"], ["CREATED", data["created"]]],
                title=f"Team '{name}'")


@team.command("delete", epilog=examples("zenml team delete ml"))
@click.argument("name")
def delete_team(name: str) -> None:
    """Delete a team and the roles given to it (its members stay users)."""
    from zen_core.services import accounts

    accounts.delete_team(_access(), name)
    success(f"Deleted team '{name}'.")


@team.command("add", epilog=examples("zenml team add ml --user alice"))
@click.argument("name")
@click.option("--user", "user_name", required=True, help="The user to add.")
def add_member(name: str, user_name: str) -> None:
    """Add a user to a team."""
    from zen_core.services import accounts

    accounts.add_member(_access(), name, user_name)
    success(f"Added user '{user_name}' to team '{name}'.")


@team.command("remove", epilog=examples("zenml team remove ml --user alice"))
@click.argument("name")
@click.option("--user", "user_name", required=True, help="The user to remove.")
def remove_member(name: str, user_name: str) -> None:
    """Remove a user from a team."""
    from zen_core.services import accounts

    accounts.remove_member(_access(), name, user_name)
    success(f"Removed user '{user_name}' from team '{name}'.")


# --- roles ------------------------------------------------------------------------------------
@click.group(epilog=examples("zenml role list", "zenml role assign viewer --user bob",
                             "zenml role assignment list"))
def role() -> None:
    """The built-in roles (viewer, editor, admin) and who has them."""


@role.command("list", epilog=examples("zenml role list"))
@output_option
def list_roles(output_format: str) -> None:
    """List the roles and what each may do."""
    from zen_core.services import accounts

    rows = accounts.list_roles()
    if emit_data(rows, output_format):
        return
    print_table(["ROLE", "MAY", "WHAT IT IS FOR"],
                [[r["name"], ", ".join(r["permissions"]), r["description"]] for r in rows])


def _holder_options(func):
    func = click.option("--team", "team_name", default=None, help="Give it to this team.")(func)
    return click.option("--user", "user_name", default=None, help="Give it to this user.")(func)


@role.command("assign", epilog=examples("zenml role assign editor --user alice"))
@click.argument("role_name", metavar="ROLE")
@_holder_options
def assign_role(role_name: str, user_name: str | None, team_name: str | None) -> None:
    """Give a role to a user or a team. The first role given in a store also makes you an
    admin."""
    from zen_core.services import accounts

    access = _access()
    assigned = accounts.assign(access, role_name, user_name, team_name)
    for assignment in assigned:
        success(f"Assigned role '{assignment.role}' to {assignment.holder}.")


@role.command("revoke", epilog=examples("zenml role revoke editor --user alice"))
@click.argument("role_name", metavar="ROLE")
@_holder_options
def revoke_role(role_name: str, user_name: str | None, team_name: str | None) -> None:
    """Take a role from a user or a team."""
    from zen_core.services import accounts

    accounts.revoke(_access(), role_name, user_name, team_name)
    holder = f"user '{user_name}'" if user_name else f"team '{team_name}'"
    success(f"Revoked role '{role_name}' from {holder}.")


@role.group(epilog=examples("zenml role assignment list"))
def assignment() -> None:
    """Who has which role."""


@assignment.command("list", epilog=examples("zenml role assignment list"))
@output_option
def list_assignments(output_format: str) -> None:
    """List every role given to a user or a team."""
    from zen_core.services import accounts

    rows = [a.to_dict() for a in accounts.list_assignments(_access())]
    if emit_data(rows, output_format):
        return
    if not rows:
        info("No roles assigned: every local user acts as an admin.")
        return
    print_table(["ROLE", "USER", "TEAM", "SINCE"],
                [[r["role"], r["user"] or "", r["team"] or "", r["created"]] for r in rows])


# --- who and what ---------------------------------------------------------------------------
@click.command(epilog=examples("zenml whoami"))
@output_option
def whoami(output_format: str) -> None:
    """Say which user the active profile acts as, and with which roles."""
    from zen_core.services.authz import identity_of_profile

    client = make_client()
    actor = identity_of_profile(client.access, client.profile)
    data = {"profile": client.profile.name, "user": actor.name,
            "roles": sorted(actor.roles), "note": actor.reason}
    if emit_data(data, output_format):
        return
    roles = ", ".join(data["roles"]) or "no role"
    click.echo(f"User '{data['user']}' ({roles}) on profile '{data['profile']}'"
               + (f": {data['note']}." if data["note"] else "."))
