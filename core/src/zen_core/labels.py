"""Labels on stacks and components: what a key and a value may be, and selectors.

A label is ``key=value``, as Kubernetes has them: a key is letters, digits, ``_``,
``-`` and ``.``, optionally after a prefix and ``/`` (``zen.dev/apply-set``), at most
100 characters; a value is at most 100 letters, digits, ``_``, ``-`` and ``.``
(empty allowed). Labels say what a record is for (``env=prod``, ``team=ml``): they
are part of the record (its equality, its revision), never configuration, and never
secret.

A selector (``-l env=prod,team!=ml``, ``?label=...``) is a comma-separated list of
requirements, all of which must hold: ``k=v`` (or ``k==v``), ``k!=v`` (absent, or
another value), ``k`` (present) and ``!k`` (absent).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from zen_core.exceptions import InvalidDataError

MAX_KEY_LENGTH = 100
MAX_VALUE_LENGTH = 100
#: At most this many labels on one record.
MAX_LABELS = 64
_KEY = re.compile(r"(?:[a-z0-9]([a-z0-9.-]*[a-z0-9])?/)?[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?")
_VALUE = re.compile(r"(?:[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?)?")
#: The same rules as JSON Schema patterns (the service's spec says what it accepts).
KEY_PATTERN = f"^{_KEY.pattern}$"
VALUE_PATTERN = f"^{_VALUE.pattern}$"
_REQUIREMENT = (rf"\s*(?:!\s*{_KEY.pattern}|{_KEY.pattern}\s*(?:!=|==?)\s*{_VALUE.pattern}"
                rf"|{_KEY.pattern})\s*")
SELECTOR_PATTERN = f"^{_REQUIREMENT}(?:,{_REQUIREMENT})*$"


def _shown(text: str) -> str:
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode()
                   for c in text[:120])


def check_key(key: object) -> str:
    if not isinstance(key, str) or not key:
        raise InvalidDataError("A label key must not be empty.")
    if len(key) > MAX_KEY_LENGTH or not _KEY.fullmatch(key):
        raise InvalidDataError(
            f"Invalid label key '{_shown(key)}': use letters, digits, '_', '-' and '.', "
            "starting and ending with a letter or digit, optionally after a prefix and '/' "
            f"(zen.dev/owner); at most {MAX_KEY_LENGTH} characters.")
    return key


def check_value(key: str, value: object) -> str:
    if isinstance(value, (bool, int, float)):
        value = str(value).lower() if isinstance(value, bool) else str(value)
    if not isinstance(value, str):
        raise InvalidDataError(f"The value of label '{key}' must be text.")
    if len(value) > MAX_VALUE_LENGTH or not _VALUE.fullmatch(value):
        raise InvalidDataError(
            f"Invalid value '{_shown(value)}' of label '{key}': use letters, digits, '_', "
            f"'-' and '.', starting and ending with a letter or digit (or nothing); at most "
            f"{MAX_VALUE_LENGTH} characters.")
    return value


def check_labels(labels: object) -> dict[str, str]:
    """``labels`` as a checked ``{key: value}`` (sorted by key)."""
    if labels is None:
        return {}
    if not isinstance(labels, Mapping):
        raise InvalidDataError("Labels must be a mapping of keys to values.")
    if len(labels) > MAX_LABELS:
        raise InvalidDataError(f"A record takes at most {MAX_LABELS} labels.")
    # NOTE: every record read checks its labels (a list of thousands): a pair seen valid
    # is not matched again
    checked = {}
    for key, value in sorted(labels.items()):
        if not (type(key) is str and type(value) is str and (key, value) in _VALID):
            check_value(check_key(key), value)
            if type(value) is str and type(key) is str:
                if len(_VALID) > 10_000:
                    _VALID.clear()
                _VALID.add((key, value))
            else:
                value = check_value(key, value)
        checked[key] = value
    return checked


#: (key, value) pairs known to be valid.
_VALID: set[tuple[str, str]] = set()


def check_changes(changes: object) -> dict[str, str | None]:
    """A labels change: ``{key: value}`` sets, ``{key: None}`` removes."""
    if changes is None:
        return {}
    if not isinstance(changes, Mapping):
        raise InvalidDataError("A labels change must be a mapping of keys to values (or null "
                               "to remove one).")
    return {check_key(k): (None if v is None else check_value(k, v))
            for k, v in sorted(changes.items())}


def merged(labels: Mapping[str, str], changes: Mapping[str, str | None]) -> dict[str, str]:
    out = dict(labels)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return dict(sorted(out.items()))


def parse_assignments(items: Iterable[str], *, removals: bool = False) -> dict[str, str | None]:
    """``["env=prod", "team=ml"]`` (``--label``) as a mapping; with ``removals``, ``key-``
    removes a label (kubectl's ``label key-``)."""
    out: dict[str, str | None] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            if removals and item.endswith("-"):
                out[check_key(item[:-1])] = None
                continue
            raise InvalidDataError(f"Invalid label '{_shown(item)}': write it as KEY=VALUE"
                                   + (" (or KEY- to remove it)." if removals else "."))
        key = check_key(key.strip())
        if key in out:
            raise InvalidDataError(f"The label '{key}' is given twice.")
        out[key] = check_value(key, value.strip())
    return out


class Requirement(NamedTuple):
    key: str
    op: str  # "=", "!=", "exists", "!exists"
    value: str = ""

    def matches(self, labels: Mapping[str, str]) -> bool:
        if self.op == "=":
            return labels.get(self.key) == self.value
        if self.op == "!=":
            return labels.get(self.key) != self.value
        if self.op == "exists":
            return self.key in labels
        return self.key not in labels

    def __str__(self) -> str:
        if self.op in ("=", "!="):
            return f"{self.key}{self.op}{self.value}"
        return self.key if self.op == "exists" else f"!{self.key}"


class Selector(NamedTuple):
    requirements: tuple[Requirement, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        return all(r.matches(labels) for r in self.requirements)

    def __bool__(self) -> bool:
        return bool(self.requirements)

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)


def parse_selector(texts: str | Iterable[str] | None) -> Selector:
    """A selector from one text or several (``-l a=b -l c``: all must hold)."""
    if texts is None:
        return Selector()
    if isinstance(texts, str):
        texts = [texts]
    found: list[Requirement] = []
    for text in texts:
        if len(text) > 1000:
            raise InvalidDataError("The label selector is too long (at most 1000 characters).")
        for part in (p.strip() for p in text.split(",")):
            if not part:
                raise InvalidDataError(
                    f"Invalid label selector '{_shown(text)}': an empty requirement. Write "
                    "KEY=VALUE, KEY!=VALUE, KEY or !KEY, separated by commas.")
            if "!=" in part:
                key, _, value = part.partition("!=")
                found.append(Requirement(check_key(key.strip()), "!=",
                                         check_value(key.strip(), value.strip())))
            elif "=" in part:
                key, _, value = part.partition("=")
                value = value[1:] if value.startswith("=") else value
                found.append(Requirement(check_key(key.strip()), "=",
                                         check_value(key.strip(), value.strip())))
            elif part.startswith("!"):
                found.append(Requirement(check_key(part[1:].strip()), "!exists"))
            else:
                found.append(Requirement(check_key(part), "exists"))
    return Selector(tuple(found))
