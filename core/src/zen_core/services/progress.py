"""Progress of long work (profile copy, stack import, a large legacy migration).

The domain layer says what it is doing and how far it got; whoever runs it
decides how to show it. The CLI draws a bar on a terminal and nothing in a
pipe (:mod:`zen_core.cli.progress`); programs hear nothing by default::

    with progress("Checking components", total=len(components)) as advance:
        for component in components:
            ...
            advance(1)
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Protocol

#: Moves a task on by the given number of steps.
Advance = Callable[[int], None]


class Progress(Protocol):
    def __call__(self, description: str,
                 total: int | None = None) -> contextlib.AbstractContextManager[Advance]:
        """A task of ``total`` steps (None: of unknown length), ended by leaving the block."""


def _ignore(_: int = 1) -> None:
    pass


@contextlib.contextmanager
def no_progress(description: str, total: int | None = None) -> Iterator[Advance]:
    yield _ignore
