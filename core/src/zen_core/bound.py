"""How the Python API's methods are the domain's operations (:class:`~zen_core.client.Client`
binds them to its working directory's door and context)."""

from __future__ import annotations

import functools
import importlib
import inspect  # click's already
from collections.abc import Callable
from typing import Any


def bound(operation: Callable[..., Any], takes: str = "access") -> Any:
    """A method that is the domain's ``operation`` on the client's door (``access``), its
    ``context`` or ``both``; after a change of context the choices are resolved again."""

    @functools.wraps(operation)
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        if takes == "access":
            return operation(self.access, *args, **kwargs)
        given = (self.context, self.access) if takes == "both" else (self.context,)
        result = operation(*given, *args, **kwargs)
        self._forget()
        return result

    shown = inspect.signature(operation)  # as called on a client: self, not the door
    first, *rest = shown.parameters.values()
    method.__signature__ = shown.replace(parameters=[  # type: ignore[attr-defined]
        first.replace(name="self", annotation=first.empty), *rest[takes == "both":]])
    return method


class BoundLater:
    """:func:`bound` to operation ``name`` of ``zen_core.services.<module>``, imported when
    the method is first looked up: most commands never touch secrets, whose module and
    records cost ~2 ms to import."""

    def __init__(self, module: str, name: str) -> None:
        self.module, self.name = f"zen_core.services.{module}", name

    def __set_name__(self, owner: type, attribute: str) -> None:
        self.attribute = attribute

    def __get__(self, instance: Any, owner: type) -> Any:
        method = bound(getattr(importlib.import_module(self.module), self.name))
        setattr(owner, self.attribute, method)  # from now on the class holds the method
        return method if instance is None else method.__get__(instance, owner)
