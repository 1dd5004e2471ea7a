"""``zenml history``, and the ``history`` subcommands of stacks, components and secrets:
every change to the active profile's store, who made it and when (rules in
``zen_core.services.history``)."""

from __future__ import annotations

import click

from zen_core.cli.common import make_client
from zen_core.cli.options import examples
from zen_core.cli.output import emit_data, info, output_option, print_table


def history_options(func):
    func = click.option("--offset", type=click.IntRange(min=0), default=0,
                        help="Skip this many of the newest events.")(func)
    func = click.option("--limit", "-n", type=click.IntRange(1, 1000), default=20,
                        show_default=True, help="How many events to show.")(func)
    return output_option(func)


def diff_option(func):
    return click.option("--diff", "show_diff", is_flag=True,
                        help="Show what each change of a stack or component changed, old "
                             "and new values (secret values never).")(func)


def show_history(target: str | None, name: str | None, limit: int, offset: int,
                 user_name: str | None, output_format: str, show_diff: bool = False) -> None:
    from zen_core.services import history

    access = make_client().access
    events, total = history.list_(access, limit=limit, offset=offset, user=user_name,
                                  target=target, name=name)
    changes = {}
    if show_diff:
        from zen_core.services.revisions import diffs

        changes = diffs(access, events)
    data = [e.to_dict() for e in events]
    if show_diff:
        for entry, event in zip(data, events, strict=True):
            if event.seq in changes:
                entry["changes"] = [k.to_dict() for k in changes[event.seq]]
    if emit_data({"total": total, "events": data}, output_format):
        return
    if not events:
        info("No changes recorded" + (f" for {target} '{name}'." if name else "."))
        return
    print_table(["#", "TIME", "USER", "ACTION", "TARGET", "REVISION",
                 "CHANGES" if show_diff else "DETAILS"],
                [[e.seq, e.time, e.actor or "-", e.action, f"{e.target} {e.name}",
                  e.revision or "",
                  _changes(changes[e.seq]) if e.seq in changes else _details(e.details)]
                 for e in events],
                caption=f"{len(events)} of {total} changes, newest first")


def _changes(keys: list) -> str:
    import json

    def shown(value: object) -> str:
        return "(none)" if value is None else json.dumps(value, ensure_ascii=False)

    return "\n".join(f"{k.key}: {shown(k.old)} -> {shown(k.new)}" for k in keys) or "-"


def _details(details: dict) -> str:
    parts = []
    for key, value in details.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in value.items())
        elif isinstance(value, list):
            value = ", ".join(map(str, value))
        parts.append(f"{key}: {value}")
    return "; ".join(parts)


@click.command("history", epilog=examples("zenml history --limit 50 --user alice",
                                          "zenml history --diff"))
@click.option("--user", "user_name", default=None, help="Only changes made by this user.")
@history_options
@diff_option
def history_command(user_name: str | None, limit: int, offset: int, output_format: str,
                    show_diff: bool) -> None:
    """Every change to the active profile's store: who, what, when."""
    show_history(None, None, limit, offset, user_name, output_format, show_diff)
