"""The ``zenml`` entry point: a click group that loads its commands lazily.

Core commands are imported only when invoked; plugin commands are added through
the ``zen_register_commands`` hook on the first look-up (as Flask's FlaskGroup
does), so ``zenml stack list`` pays for neither. Every command gets the shared
options (``--profile``, ``--stack``, ``-q``: :mod:`zen_core.cli.options`).

Exit codes: 0 ok, 1 error (one line ``Error: ...`` on stderr; ``ZENML_DEBUG=1``
shows the traceback), 2 usage error, 130 interrupted (Ctrl-C). A group run
without a subcommand prints its help.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any, NoReturn

import click

from zen_core import __version__
from zen_core.cli.options import add_global_options, examples, global_options
from zen_core.models import ComponentType

#: Core commands: name -> "module:attribute", imported on use.
CORE_COMMANDS: dict[str, str] = {
    "profile": "zen_core.cli.profile:profile",
    "stack": "zen_core.cli.stack:stack",
    "init": "zen_core.cli.base:init",
    "status": "zen_core.cli.base:status",
    "plugins": "zen_core.cli.base:plugins",
    "plugin": "zen_core.cli.plugin_init:plugin",
    "user": "zen_core.cli.accounts:user",
    "team": "zen_core.cli.accounts:team",
    "role": "zen_core.cli.accounts:role",
    "whoami": "zen_core.cli.accounts:whoami",
    "history": "zen_core.cli.history:history_command",
    "secret": "zen_core.cli.secret:secret",
    "version": "zen_core.cli.base:version",
    "apply": "zen_core.cli.apply:apply",
    "diff": "zen_core.cli.apply:diff",
    "export": "zen_core.cli.apply:export",
    "schema": "zen_core.cli.apply:schema",
    "completion": "zen_core.cli.base:completion",
    **{t.cli_name: f"zen_core.cli.component:group_{t.value}" for t in ComponentType},
}

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
#: What each exit code means: ``zenml --help`` and the CLI reference say it from here.
EXIT_CODES = {
    EXIT_OK: "ok",
    EXIT_ERROR: "error (one line on stderr)",
    EXIT_USAGE: "usage error (a bad option or argument, an unknown command)",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C)",
}
EXIT_CODES_TEXT = "Exit codes: " + ", ".join(f"{c} {m}" for c, m in EXIT_CODES.items()) + "."


class ZenGroup(click.Group):
    """Lazy core commands plus plugin commands; turns every error into one line."""

    @staticmethod
    def _plugin_commands() -> dict[str, click.Command]:
        """What plugins add (their names checked against core's and each other's)."""
        from zen_core.plugins import get_plugin_manager

        return get_plugin_manager().commands(CORE_COMMANDS)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*CORE_COMMANDS, *self.commands, *self._plugin_commands()})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in CORE_COMMANDS:
            module_name, _, attribute = CORE_COMMANDS[name].partition(":")
            command = getattr(importlib.import_module(module_name), attribute)
        else:
            command = self.commands.get(name) or self._plugin_commands().get(name)
            if command is None and not ctx.resilient_parsing:
                self._refuse_a_conflict(name)
        return add_global_options(command) if command is not None else None

    @staticmethod
    def _refuse_a_conflict(name: str) -> None:
        """A command several plugins add is no command: say so, naming each of them."""
        from zen_core.plugins import get_plugin_manager

        manager = get_plugin_manager()
        if ("command", name) in manager.conflicts:
            raise click.ClickException(manager.conflict_message("command", name))

    def resolve_command(self, ctx: click.Context, args: list[str]) -> Any:
        # click suggests from the commands it holds; core commands are loaded lazily.
        name = click.utils.make_str(args[0])
        if (not ctx.resilient_parsing and not name.startswith("-")
                and self.get_command(ctx, name) is None):
            hint = _did_you_mean(name, self.list_commands(ctx))
            raise click.UsageError(f"No such command '{name}'.{hint}", ctx=ctx)
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        from zen_core.exceptions import ZenError

        try:
            return super().invoke(ctx)
        except ZenError as err:
            from zen_core.cli.common import way_round_of

            err.way_round = way_round_of(ctx, err)  # type: ignore[attr-defined]
            raise

    def main(self, args: Any = None, prog_name: str | None = None, **kwargs: Any) -> Any:
        from zen_core import plugins

        plugins.reporter = _report_plugin_problem
        kwargs.pop("standalone_mode", None)
        try:
            code = super().main(args, prog_name or "zenml", standalone_mode=False, **kwargs)
        except click.exceptions.Exit as done:
            sys.exit(done.exit_code)
        except _NO_ARGS_IS_HELP as err:  # a group without its subcommand: its help
            click.echo(err.ctx.get_help(), color=err.ctx.color)
            sys.exit(EXIT_OK)
        except click.exceptions.Abort as err:
            if isinstance(err.__context__, KeyboardInterrupt):
                fail("Interrupted.", EXIT_INTERRUPTED)
            fail("Aborted: nothing changed.")
        except click.UsageError as err:
            hint = f" (see `{err.ctx.command_path} --help`)" if err.ctx else ""
            fail(err.format_message() + hint, EXIT_USAGE)
        except click.ClickException as err:
            fail(err.format_message(), err.exit_code)
        except KeyboardInterrupt:
            fail("Interrupted.", EXIT_INTERRUPTED)
        except Exception as err:
            from zen_core.exceptions import ZenError

            if os.environ.get("ZENML_DEBUG", "").lower() in ("1", "true", "yes"):
                raise
            if isinstance(err, ZenError):
                way_round = getattr(err, "way_round", None)
                fail(f"{err.message} {way_round}" if way_round else err.message)
            fail(
                f"Unexpected {type(err).__name__}: {err}. Run again with ZENML_DEBUG=1 for "
                "the details and please report it."
            )
        sys.exit(code if isinstance(code, int) else EXIT_OK)


#: click 8.2+ raises this for a group given no subcommand (older ones print the help).
_NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())


def _did_you_mean(name: str, choices: list[str]) -> str:
    """`` Did you mean 'stack'?`` as click says it for options (and plugin commands)."""
    from difflib import get_close_matches

    matches = get_close_matches(name, choices)
    if not matches:
        return ""
    if len(matches) == 1:
        return f" Did you mean '{matches[0]}'?"
    return f" (Did you mean one of: {', '.join(repr(m) for m in matches)}?)"


def _report_plugin_problem(message: str) -> None:
    from zen_core.cli.output import warning

    warning(message)


def fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    """``Error: <message>`` on one line of stderr (passwords in URLs masked), then exit."""
    from zen_core.masking import mask_text

    click.echo(f"Error: {mask_text(' '.join(str(message).split()))}", err=True)
    sys.exit(code)


@click.group(
    cls=ZenGroup,
    help=f"zen: manage ML stacks and the profiles that keep them.\n\n{EXIT_CODES_TEXT}",
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=examples(
        "zenml status",
        "zenml stack list --profile team -o json",
        "zenml completion bash >> ~/.bashrc",
    ),
)
@click.version_option(__version__, prog_name="zen")
def cli() -> None:
    pass


cli.params.extend(global_options())


def main() -> None:
    cli.main()
