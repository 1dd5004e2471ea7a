"""The ``zenml`` entry point: a click group that loads its commands lazily.

Core commands are imported only when invoked; plugin commands are added through
the ``zen_register_commands`` hook on the first look-up (as Flask's FlaskGroup
does), so ``zenml stack list`` pays for neither. Every error ends as one line
``Error: ...`` on stderr and exit code 1; ``ZENML_DEBUG=1`` shows the traceback.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import click

from zen_core import __version__
from zen_core.models import ComponentType

#: Core commands: name -> "module:attribute", imported on use.
CORE_COMMANDS: dict[str, str] = {
    "profile": "zen_core.cli.profile:profile",
    "stack": "zen_core.cli.stack:stack",
    "init": "zen_core.cli.base:init",
    "plugins": "zen_core.cli.base:plugins",
    "user": "zen_core.cli.accounts:user",
    "team": "zen_core.cli.accounts:team",
    "role": "zen_core.cli.accounts:role",
    "whoami": "zen_core.cli.accounts:whoami",
    "history": "zen_core.cli.accounts:history_command",
    **{t.cli_name: f"zen_core.cli.component:group_{t.value}" for t in ComponentType},
}


class ZenGroup(click.Group):
    """Lazy core commands plus plugin commands; turns every error into one line."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plugins_loaded = False

    def _load_plugin_commands(self) -> None:
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        from zen_core.plugins import get_plugin_manager

        get_plugin_manager().add_commands(self)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugin_commands()
        return sorted({*CORE_COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in CORE_COMMANDS:
            module_name, _, attribute = CORE_COMMANDS[name].partition(":")
            return getattr(importlib.import_module(module_name), attribute)
        self._load_plugin_commands()
        return self.commands.get(name)

    def main(self, args: Any = None, prog_name: str | None = None, **kwargs: Any) -> Any:
        from zen_core import plugins

        plugins.failure_reporter = _report_plugin_failure
        kwargs.pop("standalone_mode", None)
        try:
            code = super().main(args, prog_name or "zenml", standalone_mode=False, **kwargs)
        except click.exceptions.Exit as done:
            sys.exit(done.exit_code)
        except click.exceptions.Abort:
            fail("Aborted.")
        except click.UsageError as err:
            hint = f" (see `{err.ctx.command_path} --help`)" if err.ctx else ""
            fail(err.format_message() + hint)
        except click.ClickException as err:
            fail(err.format_message())
        except Exception as err:
            from zen_core.exceptions import ZenError

            if os.environ.get("ZENML_DEBUG", "").lower() in ("1", "true", "yes"):
                raise
            if isinstance(err, ZenError):
                fail(err.message)
            if isinstance(err, KeyboardInterrupt):
                fail("Interrupted.")
            fail(
                f"Unexpected {type(err).__name__}: {err}. Run again with ZENML_DEBUG=1 for "
                "the details and please report it."
            )
        sys.exit(code if isinstance(code, int) else 0)


def _report_plugin_failure(info: Any) -> None:
    click.secho(
        f"Warning: Failed to load plugin {info.name} ({info.distribution} {info.version}): "
        f"{info.error}",
        err=True,
        fg="yellow",
    )


def fail(message: str) -> None:
    click.echo(f"Error: {' '.join(str(message).split())}", err=True)
    sys.exit(1)


@click.group(cls=ZenGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="zen")
def cli() -> None:
    """zen: manage ML stacks and the profiles that keep them."""


def main() -> None:
    cli.main()
