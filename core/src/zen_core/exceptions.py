"""The errors every store and command raises.

Each carries a message a person can act on. Stores raise exactly these, so
the CLI, the Python API and the REST store can handle them the same way.
"""

from __future__ import annotations


class ZenError(Exception):
    """Base of every error zen reports to the user (``Error: <message>``, exit 1)."""

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.__class__.__name__


class NotFoundError(ZenError, KeyError):
    """Something named does not exist. Also a ``KeyError`` for callers that expect one."""

    def __str__(self) -> str:  # KeyError would quote the message
        return self.message


class StackNotFoundError(NotFoundError):
    pass


class ComponentNotFoundError(NotFoundError):
    pass


class ProfileNotFoundError(NotFoundError):
    pass


class AlreadyExistsError(ZenError):
    pass


class StackExistsError(AlreadyExistsError):
    pass


class ComponentExistsError(AlreadyExistsError):
    pass


class ProfileExistsError(AlreadyExistsError):
    pass


class InUseError(ZenError):
    """A component used by a stack, an active stack or profile: refused until freed."""


class InvalidDataError(ZenError, ValueError):
    """Input or stored data that does not fit: a bad name, config, URL or file."""


class StoreUnavailableError(ZenError):
    """The store's backing service, database or folder cannot be reached."""


class PluginError(ZenError):
    """A plugin contributed something broken (a duplicate name, a bad record)."""
