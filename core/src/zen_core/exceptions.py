"""The errors every store and command raises.

Each carries a message a person can act on. Stores raise exactly these, so
the CLI, the Python API and the REST store can handle them the same way.
"""

from __future__ import annotations

from typing import Any


class ZenError(Exception):
    """Base of every error zen reports to the user (``Error: <message>``, exit 1).

    The service answers each with a status of its choosing (``zen_service.errors``); the
    REST store maps the class name it receives back to the class with :func:`error_class`.
    """


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


class UserNotFoundError(NotFoundError):
    pass


class TeamNotFoundError(NotFoundError):
    pass


class ApiKeyNotFoundError(NotFoundError):
    pass


class RoleAssignmentNotFoundError(NotFoundError):
    pass


class SecretNotFoundError(NotFoundError):
    pass


class AlreadyExistsError(ZenError):
    pass


class StackExistsError(AlreadyExistsError):
    pass


class ComponentExistsError(AlreadyExistsError):
    pass


class ProfileExistsError(AlreadyExistsError):
    pass


class UserExistsError(AlreadyExistsError):
    pass


class TeamExistsError(AlreadyExistsError):
    pass


class ApiKeyExistsError(AlreadyExistsError):
    pass


class RoleAssignmentExistsError(AlreadyExistsError):
    pass


class SecretExistsError(AlreadyExistsError):
    pass


class InUseError(ZenError):
    """A component used by a stack, an active stack or profile: refused until freed."""



class InvalidDataError(ZenError, ValueError):
    """Input or stored data that does not fit: a bad name, config, URL or file."""



class DanglingReferenceError(InvalidDataError):
    """A stored stack names a component that is not there (a hand-edited file). ``stack`` is
    the record as stored, for what may still touch it: deleting or repairing it."""

    def __init__(self, message: str, stack: Any = None) -> None:
        super().__init__(message)
        self.stack = stack


class StackRuleError(InvalidDataError):
    """A stack that could not run: a flavor's stack rule refuses it (names stack and rule)."""


class ConflictError(ZenError):
    """A write that named the revision it expected, and another write came first."""



class NotPermittedError(ZenError):
    """The actor's role does not allow the operation (names the role needed)."""



class StoreUnavailableError(ZenError):
    """The store's backing service, database or folder cannot be reached."""



class StoreMissingError(StoreUnavailableError):
    """The store a profile names has gone (its folder, file or database): nothing is
    created in its place."""


class AuthenticationError(ZenError):
    """A service refused the credentials (missing or wrong token)."""



class PluginError(ZenError):
    """A plugin contributed something broken (a duplicate name, a bad record)."""


#: What a store that cannot be reached or read raises when a command opens it or reads
#: through it: unreachable, refused credentials (a revoked or expired key), or data that
#: cannot be parsed (a broken ``stacks.yaml``). Commands that manage profiles carry on
#: past these, saying what they could not check.
STORE_FAILURES: tuple[type[ZenError], ...] = (StoreUnavailableError, AuthenticationError,
                                              InvalidDataError)


def error_class(name: str) -> type[ZenError]:
    """The zen error class called ``name`` (``ZenError`` for a name we don't know)."""
    found = {cls.__name__: cls for cls in _subclasses(ZenError)}
    return found.get(name, ZenError)


def _subclasses(cls: type) -> list[type]:
    result = [cls]
    for sub in cls.__subclasses__():
        result.extend(_subclasses(sub))
    return result
