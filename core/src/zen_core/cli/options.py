"""Options every command shares, and the help epilog with examples.

``--profile NAME``, ``--stack NAME`` and ``-q/--quiet`` are accepted before
the command (``zenml --profile P stack list``) and after it (``zenml stack list
--profile P``), like ``aws --profile`` and ``kubectl --context``. They are
attached to every command by :func:`add_global_options` (the root group does it
when it hands out a command) and land in ``ctx.meta``, which click shares
between a context and its children; :func:`zen_core.cli.common.make_client`
passes them to the :class:`~zen_core.client.Client`. Nothing here is stored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from zen_core.cli.meta import PROFILE, QUIET, STACK

_META = {"zen_profile": PROFILE, "zen_stack": STACK, "zen_quiet": QUIET}


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    if value is None or value is False:
        return
    key = _META[param.name or ""]
    previous = ctx.meta.get(key)
    if previous is not None and previous != value and not ctx.resilient_parsing:
        raise click.UsageError(
            f"{param.opts[-1]} is given twice, as '{previous}' and '{value}': give it once.",
            ctx=ctx,
        )
    ctx.meta[key] = value


def _complete(kind: str) -> Callable[..., list]:
    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
        from zen_core.cli import completion

        return getattr(completion, kind)(ctx, param, incomplete)

    return complete


def global_options() -> list[click.Option]:
    """Fresh ``--profile``, ``--stack`` and ``-q/--quiet`` options (one set per command)."""
    return [
        click.Option(
            ["--profile", "zen_profile"], metavar="NAME", expose_value=False,
            callback=_remember, shell_complete=_complete("profiles"),
            help="Run with profile NAME, whatever the environment, the repository or the "
                 "global config choose (nothing stored changes).",
        ),
        click.Option(
            ["--stack", "zen_stack"], metavar="NAME", expose_value=False,
            callback=_remember, shell_complete=_complete("stacks"),
            help="Run with stack NAME of the profile in effect (nothing stored changes).",
        ),
        click.Option(
            ["-q", "--quiet", "zen_quiet"], is_flag=True, default=False, expose_value=False,
            callback=_remember,
            help="Print only data, warnings and errors: no progress or success lines.",
        ),
    ]


def _taken(command: click.Command) -> set[str]:
    return {opt for p in command.params for opt in (*p.opts, *p.secondary_opts)}


def add_global_options(command: click.Command) -> click.Command:
    """Give ``command`` (and, for a group, every subcommand) the shared options, once.

    A command with an option of its own called ``--profile`` (``zenml service up
    --profile P``) keeps it; ``zenml --profile P service up`` then fills it in.
    """
    if getattr(command, "_zen_global_options", False):
        return command
    command._zen_global_options = True  # type: ignore[attr-defined]
    taken = _taken(command)
    for option in global_options():
        if any(opt in taken for opt in option.opts):
            own = next(p for p in command.params if set(p.opts) & set(option.opts))
            if option.name == "zen_profile" and own.default is None:
                own.default = _from_meta(PROFILE)  # type: ignore[assignment]
            continue
        command.params.append(option)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            add_global_options(sub)
    return command


def _from_meta(key: str) -> Callable[[], Any]:
    def default() -> Any:
        ctx = click.get_current_context(silent=True)
        return ctx.meta.get(key) if ctx is not None else None

    return default


def yes_option(func: Any) -> Any:
    return click.option(
        "--yes", "-y", is_flag=True,
        help="Do not ask for confirmation (without a terminal nobody is asked).",
    )(func)


def dry_run_option(func: Any) -> Any:
    return click.option("--dry-run", is_flag=True,
                        help="Show what would change, and change nothing.")(func)


def examples(*lines: str) -> str:
    """A help epilog: ``Examples:`` and the command lines, kept as written (click's ``\\b``)."""
    title = "Example:" if len(lines) == 1 else "Examples:"
    return "\b\n" + title + "\n" + "\n".join(f"  {line}" for line in lines)


class KeptFile(click.Path):
    """A file zen records and reads again later (a profile's CA certificate, the service's
    TLS certificate and key): a path, never ``-``, which means standard input elsewhere and
    cannot be read twice."""

    def __init__(self) -> None:
        super().__init__(dir_okay=False)

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        if value == "-":
            self.fail("is a file zen reads again later, so it cannot be standard input "
                      "('-'): give its path.", param, ctx)
        return super().convert(value, param, ctx)
