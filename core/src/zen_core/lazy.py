"""A module's names defined in another, imported on first use (PEP 562): records only some
commands need are made only then (each class costs ~0.6 ms), and their old home still
serves them."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import Any


def served_from(home: str, names: Iterable[str], module: str) -> Callable[[str], Any]:
    """The ``__getattr__`` of ``module`` that gives ``names`` from module ``home``."""
    served = frozenset(names)

    def __getattr__(name: str) -> Any:
        if name in served:
            return getattr(importlib.import_module(home), name)
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__
