"""Validation of user-given names (profiles, stacks, components).

Names become file names in the local store and URL segments in the REST API,
so anything that could escape a folder or a path segment is refused up front.
"""

from __future__ import annotations

import re

from zen_core.exceptions import InvalidDataError

MAX_NAME_LENGTH = 100
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def is_valid_name(name: object) -> bool:
    """Whether ``name`` passes :func:`check_name` (fast: for names read in bulk from files)."""
    return isinstance(name, str) and 0 < len(name) <= MAX_NAME_LENGTH and \
        _NAME.fullmatch(name) is not None


def check_name(name: str, what: str = "name") -> str:
    """Return ``name`` if it is a safe name, else raise :class:`InvalidDataError`."""
    if not isinstance(name, str) or not name:
        raise InvalidDataError(f"The {what} must not be empty.")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidDataError(
            f"The {what} '{name[:20]}...' is too long ({len(name)} characters, "
            f"at most {MAX_NAME_LENGTH})."
        )
    if not _NAME.fullmatch(name):
        # As typed (café stays café); only what cannot be shown is escaped (a NUL, a newline).
        shown = "".join(c if c.isprintable() else c.encode("unicode_escape").decode()
                        for c in name)
        raise InvalidDataError(
            f"Invalid {what} '{shown}': use letters, digits, '_', '-' and '.', "
            "starting with a letter or digit."
        )
    return name
