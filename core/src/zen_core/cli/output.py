"""How the CLI talks: data on stdout (tables or ``--output json|yaml``), messages on stderr.

``-q/--quiet`` silences progress and success lines (warnings, errors and data
stay); ``NO_COLOR`` turns off every colour and style, in warnings and tables
alike. Long messages are wrapped to the terminal; in a pipe they stay one line
per paragraph so scripts can grep them.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Collection, Sequence
from typing import Any

import click

from zen_core import env
from zen_core.cli.options import QUIET

OUTPUT_FORMATS = ("table", "json", "yaml")
ACTIVE_MARK = "👉"
#: Columns whose values are cut with an ellipsis when the table is too wide (the guide's look).
_ELLIPSIS_COLUMNS = frozenset({"URL"})


def _meta() -> dict[str, Any]:
    ctx = click.get_current_context(silent=True)
    return ctx.meta if ctx is not None else {}


def is_quiet() -> bool:
    return bool(_meta().get(QUIET))


def no_color() -> bool:
    """``NO_COLOR`` set to anything but the empty string (https://no-color.org)."""
    return bool(os.environ.get("NO_COLOR"))


def _isatty(stream: Any) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def wrap(message: str, stream: Any = None) -> str:
    """``message`` wrapped to the terminal's width, paragraph by paragraph; as it is in a pipe.

    Words are never broken, so paths and URLs stay whole and copyable, and a line that is
    a command (starting with a backtick) or indented is never wrapped.
    """
    stream = stream if stream is not None else sys.stderr
    if not _isatty(stream):
        return message
    try:  # $COLUMNS first, as rich and shutil read it
        width = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        try:
            width = os.get_terminal_size(stream.fileno()).columns
        except (OSError, ValueError, AttributeError):
            import shutil

            width = shutil.get_terminal_size().columns
    if width <= 0:  # a terminal that tells no size (0 columns): the usual 80
        width = 80
    if all(len(line) < width for line in message.split("\n")):
        return message
    import textwrap  # only for a line to wrap: every command says something

    return "\n".join(
        textwrap.fill(line, width=max(width - 1, 20), break_long_words=False,
                      break_on_hyphens=False)
        if len(line) >= width and not line.startswith(("`", " ")) else line
        for line in message.split("\n")  # a line that is a command (`zenml ...`) stays whole
    )


def info(message: str) -> None:
    if not is_quiet():
        click.echo(wrap(message), err=True)


def success(message: str) -> None:
    if not is_quiet():
        click.echo(wrap(message), err=True)


def warning(message: str) -> None:
    text = wrap(f"Warning: {message}")
    if no_color():
        click.echo(text, err=True)
    else:
        click.secho(text, err=True, fg="yellow")


def output_option(func: Any = None, *, short: bool = True) -> Any:
    """``-o/--output table|json|yaml`` (default ``$ZENML_DEFAULT_OUTPUT``, else ``table``).

    ``short=False`` leaves ``-o`` to the command (``stack register -o ORCHESTRATOR``).
    """

    def decorate(f: Any) -> Any:
        names = ["--output", "-o", "output_format"] if short else ["--output", "output_format"]
        return click.option(
            *names,
            type=click.Choice(OUTPUT_FORMATS),
            default="table",
            envvar=env.DEFAULT_OUTPUT,
            show_default=True,
            show_envvar=True,
            help="Print a table for people or JSON/YAML for scripts.",
        )(f)

    return decorate(func) if func is not None else decorate


def emit_data(data: Any, output_format: str) -> bool:
    """Print ``data`` as JSON/YAML when asked; return False for the table format."""
    if output_format == "json":
        click.echo(json.dumps(data, indent=2, sort_keys=False, ensure_ascii=False))
        return True
    if output_format == "yaml":
        from zen_core.fileio import dump_yaml

        click.echo(dump_yaml(data), nl=False)
        return True
    return False


def emit_result(message: str, data: Any, output_format: str) -> None:
    """What a command that changed something prints: ``message`` on stderr, and the resulting
    record on stdout when ``--output json|yaml`` asks for it."""
    success(message)
    emit_data(data, output_format)


def _console(stderr: bool = False, width: int | None = None):
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    if width is None and not _isatty(stream):
        width = 200  # piped output is not cut to 80 columns: URLs stay whole
    plain = no_color()
    return Console(file=stream, width=width, highlight=False, soft_wrap=False,
                   color_system=None if plain else "auto", no_color=plain)


def print_table(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    title: str | None = None,
    caption: str | None = None,
    keep: Collection[str] | None = None,
    show_header: bool = True,
) -> None:
    """A rich ``HEAVY_EDGE`` table, as the user guide shows them.

    The columns in ``keep`` (default: the first one after ``ACTIVE``, the row's
    name) are never cut or wrapped, so a name can always be copied; when the
    terminal is too narrow the others wrap first (a URL is cut with an ellipsis).
    """
    if keep is None:
        keep = [next((c for c in columns if c != "ACTIVE"), columns[0])] if columns else []
    cells = [["" if cell is None else str(cell) for cell in row] for row in rows]
    if show_header and _print_plain(columns, cells, keep, title, caption):
        return
    console = _console()
    table, floor = rich_table(columns, cells, keep, title, caption, show_header,
                              width=console.width)
    if console.width < floor:
        # Narrower than the names and one character per other column: draw it that wide and
        # let the terminal wrap the lines, rather than cut the names or drop columns.
        console = _console(width=floor)
    console.print(table, crop=False)


#: The narrowest a wrapped column gets: its header wraps in pieces of this many letters,
#: never one letter a line, however many columns a narrow terminal has to hold.
MIN_WRAPPED_WIDTH = 4


def rich_table(columns: Sequence[str], cells: Sequence[Sequence[str]], keep: Collection[str],
               title: str | None = None, caption: str | None = None,
               show_header: bool = True, width: int | None = None) -> tuple[Any, int]:
    """The rich table ``print_table`` draws, and the narrowest width it can take. On a
    terminal ``width`` wide, the wrapped columns share what the others leave evenly, each
    at least :data:`MIN_WRAPPED_WIDTH` (or its header's width, if narrower)."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(box=box.HEAVY_EDGE, title=title, caption=caption, show_lines=False,
                  show_header=show_header)
    floor = len(columns) + 1  # the borders
    fixed = sum(max([len(c), *(len(row[i]) for row in cells)]) + 2
                for i, c in enumerate(columns) if c in keep or c == "ACTIVE")
    wrapped = [c for c in columns if c not in keep and c != "ACTIVE"]
    share = ((width - fixed - len(columns) - 1) // len(wrapped) - 2
             if width and wrapped else MIN_WRAPPED_WIDTH)
    for index, column in enumerate(columns):
        if column in keep:
            longest = max([len(column), *(len(row[index]) for row in cells)])
            table.add_column(column, no_wrap=True, min_width=longest)
            floor += longest + 2
        elif column == "ACTIVE":
            table.add_column(column, justify="center", no_wrap=True, min_width=len(column))
            floor += len(column) + 2
        else:
            least = min(len(column), max(share, MIN_WRAPPED_WIDTH))
            table.add_column(column, overflow="ellipsis" if column in _ELLIPSIS_COLUMNS
                             else "fold", min_width=least)
            floor += least + 2
    for row in cells:
        table.add_row(*(Text(cell) for cell in row))  # a value is text, never rich markup
    return table, floor


def plain_table(columns: Sequence[str], cells: Sequence[Sequence[str]], keep: Collection[str],
                width: int, bold: bool, title: str | None = None,
                caption: str | None = None) -> str | None:
    """What :func:`rich_table` draws, made without rich, or None where only rich can."""
    from zen_core.cli.table import render

    active = {i for i, c in enumerate(columns) if c == "ACTIVE" and c not in keep}
    min_widths = {i: len(c) for i, c in enumerate(columns) if c == "ACTIVE" or c in keep}
    return render(columns, cells, centered=active, min_widths=min_widths, max_width=width,
                  bold=bold, title=title, caption=caption)


def _print_plain(columns: Sequence[str], cells: Sequence[Sequence[str]],
                 keep: Collection[str], title: str | None = None,
                 caption: str | None = None) -> bool:
    """Print the table without rich when that draws exactly what rich would; return whether
    it did (:mod:`zen_core.cli.table`)."""
    from zen_core.cli.table import terminal_width

    terminal = _isatty(sys.stdout)
    width = terminal_width() if terminal else 200
    if width is None:
        return False
    text = plain_table(columns, cells, keep, width, bold=terminal and not no_color(),
                       title=title, caption=caption)
    if text is None:
        return False
    click.echo(text, nl=False)
    return True


def active_mark(active: bool) -> str:
    return ACTIVE_MARK if active else ""
