"""Progress bars on a terminal (rich), nothing in a pipe or with ``-q``.

Implements :class:`zen_core.services.progress.Progress` for the domain layer:
each task is one transient bar on stderr (a pulsing one when its length is not
known), gone when the task ends so the command's own output stays clean.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

from zen_core.cli.output import is_quiet, no_color
from zen_core.services.progress import Advance, Progress, no_progress


def cli_progress() -> Progress:
    """Bars when stderr is a terminal and ``-q`` was not given, else nothing."""
    try:
        terminal = sys.stderr.isatty()
    except (AttributeError, ValueError):
        terminal = False
    return rich_progress if terminal and not is_quiet() else no_progress


@contextlib.contextmanager
def rich_progress(description: str, total: int | None = None) -> Iterator[Advance]:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    plain = no_color()
    console = Console(file=sys.stderr, color_system=None if plain else "auto", no_color=plain)
    columns = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn()]
    if total is not None:
        columns.append(MofNCompleteColumn())
    columns.append(TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n=1: bar.advance(task, n)
