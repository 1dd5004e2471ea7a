"""How the CLI talks: data on stdout (tables or ``--output json|yaml``), messages on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

import click

OUTPUT_FORMATS = ("table", "json", "yaml")
ACTIVE_MARK = "👉"


def info(message: str) -> None:
    click.echo(message, err=True)


def warning(message: str) -> None:
    click.secho(f"Warning: {message}", err=True, fg="yellow")


def success(message: str) -> None:
    click.echo(message, err=True)


def output_option(func: Any) -> Any:
    """``--output table|json|yaml`` for list, get and describe commands."""
    return click.option(
        "--output",
        "output_format",
        type=click.Choice(OUTPUT_FORMATS),
        default="table",
        show_default=True,
        help="Print a table for people or JSON/YAML for scripts.",
    )(func)


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


def _console():
    from rich.console import Console

    # Piped output is not cut to 80 columns: URLs stay whole.
    width = None if sys.stdout.isatty() else 200
    return Console(width=width, highlight=False, soft_wrap=False)


def print_table(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    title: str | None = None,
    caption: str | None = None,
) -> None:
    from rich import box
    from rich.table import Table

    table = Table(box=box.HEAVY_EDGE, title=title, caption=caption, show_lines=False)
    for column in columns:
        table.add_column(column, justify="center" if column == "ACTIVE" else "left",
                         overflow="ellipsis")
    for row in rows:
        table.add_row(*("" if cell is None else str(cell) for cell in row))
    _console().print(table)


def active_mark(active: bool) -> str:
    return ACTIVE_MARK if active else ""
