"""The history of changes: one :class:`~zen_core.accounts.Event` per write.

Every store records, in the same lock or transaction as the write itself, the
event :func:`event_for` builds, so every store type's history reads the same.
An event says who did what to which record and at which revision, and names
changed keys and members, never a value: a secret never reaches the history.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zen_core.account_records import Event
from zen_core.models import Component, Stack, utc_now
from zen_core.secret_records import Secret
from zen_core.writes import (
    AddTeamMember,
    AssignRole,
    CreateApiKey,
    CreateSecret,
    CreateTeam,
    CreateUser,
    DeleteComponent,
    DeleteSecret,
    DeleteStack,
    DeleteTeam,
    DeleteUser,
    RegisterComponent,
    RegisterStack,
    RemoveTeamMember,
    RevokeApiKey,
    RevokeRole,
    TouchApiKey,
    UpdateComponent,
    UpdateSecret,
    UpdateStack,
    Write,
    op_name,
)


def event_for(write: Write, written: Any, actor: str | None) -> Event | None:
    """The event recording ``write`` (``written``: what the store returned for it)."""
    target, name, details = _describe(write)
    if target is None:
        return None
    revision = written.revision if isinstance(written, (Stack, Component, Secret)) else None
    if isinstance(written, (Stack, Component, Secret)):
        name = written.name  # a rename is recorded under the new name
    return Event(utc_now(), actor, op_name(write), target, name, revision, details,
                 state=state_of(written))


def page_events(events: Sequence[Event], *, limit: int = 50, offset: int = 0,
                actor: str | None = None, target: str | None = None,
                name: str | None = None) -> tuple[list[Event], int]:
    """What ``BaseStore.list_events`` returns, from every event oldest first: the page of
    the matching ones, newest first, and how many match."""
    matching = [e for e in reversed(events)
                if (actor is None or e.actor == actor)
                and (target is None or e.target == target)
                and (name is None or e.name == name)]
    return matching[offset:offset + limit], len(matching)


def state_of(record: Any) -> dict[str, Any] | None:
    """What a stack or component is after a write, as the history keeps it: members and
    labels; flavor, configuration and labels, a secret field's value (anything but a
    reference) as the mask. None for other records."""
    if isinstance(record, Stack):
        return {"components": {t.value: n for t, n in record.components.items()},
                "labels": dict(record.labels)}
    if not isinstance(record, Component):
        return None
    if not record.config:  # nothing to mask (and no flavor to ask)
        return {"flavor": record.flavor, "config": {}, "labels": dict(record.labels)}
    MASK, secret_keys, is_reference = _helpers or _load_helpers()
    try:
        secret = secret_keys(record)
    except Exception:  # a broken flavor plugin must not fail the write: keep no value
        secret = set(record.config)
    config = {k: (MASK if k in secret and v not in (None, "") and not is_reference(v) else v)
              for k, v in record.config.items()}
    return {"flavor": record.flavor, "config": config, "labels": dict(record.labels)}


#: What :func:`state_of` needs of the services, imported on its first component (the
#: services are not imported by every read); then kept: 12,000 events of a profile copy
#: spent ~35 ms importing them again and again.
_helpers: tuple[str, Any, Any] | None = None


def _load_helpers() -> tuple[str, Any, Any]:
    global _helpers
    from zen_core.masking import MASK
    from zen_core.services.components import secret_keys
    from zen_core.services.references import is_reference

    _helpers = (MASK, secret_keys, is_reference)
    return _helpers


def _describe(write: Write) -> tuple[str | None, str, dict[str, Any]]:
    """(target kind, record name, details) of a write; target None: not recorded."""
    if isinstance(write, RegisterComponent):
        c = write.component
        details = {"flavor": c.flavor}
        if c.config:
            details["keys"] = sorted(c.config)
        if c.labels:
            details["labels"] = dict(c.labels)
        return c.type.cli_name, c.name, details
    if isinstance(write, UpdateComponent):
        change = write.change
        details: dict[str, Any] = {}
        if change.set:
            details["set"] = sorted(change.set)
        if change.unset:
            details["unset"] = sorted(change.unset)
        if change.flavor:
            details["flavor"] = change.flavor
        if change.labels:
            details["labels"] = dict(change.labels)
        if change.name and change.name != write.name:
            details["renamed_from"] = write.name
        return write.type.cli_name, write.name, details
    if isinstance(write, DeleteComponent):
        return write.type.cli_name, write.name, {}
    if isinstance(write, RegisterStack):
        s = write.stack
        details = {"components": {t.value: n for t, n in s.components.items()}}
        if s.labels:
            details["labels"] = dict(s.labels)
        return "stack", s.name, details
    if isinstance(write, UpdateStack):
        change = write.change
        details = {}
        if change.set:
            details["set"] = {t.value: n for t, n in change.set.items()}
        if change.remove:
            details["remove"] = [t.value for t in change.remove]
        if change.labels:
            details["labels"] = dict(change.labels)
        if change.name and change.name != write.name:
            details["renamed_from"] = write.name
        return "stack", write.name, details
    if isinstance(write, DeleteStack):
        return "stack", write.name, {}
    if isinstance(write, CreateSecret):
        return "secret", write.secret.name, {"keys": write.secret.keys}
    if isinstance(write, UpdateSecret):
        change = write.change
        details = {}
        if change.set:
            details["set"] = sorted(change.set)
        if change.unset:
            details["unset"] = sorted(change.unset)
        if change.name and change.name != write.name:
            details["renamed_from"] = write.name
        return "secret", write.name, details
    if isinstance(write, DeleteSecret):
        return "secret", write.name, {}
    if isinstance(write, CreateUser):
        return "user", write.user.name, {}
    if isinstance(write, DeleteUser):
        return "user", write.name, {}
    if isinstance(write, CreateTeam):
        return "team", write.team.name, {}
    if isinstance(write, DeleteTeam):
        return "team", write.name, {}
    if isinstance(write, (AddTeamMember, RemoveTeamMember)):
        return "team", write.team, {"user": write.user}
    if isinstance(write, (AssignRole, RevokeRole)):
        a = write.assignment
        return "role", a.role, {"user": a.user} if a.user else {"team": a.team}
    if isinstance(write, CreateApiKey):
        return "api key", write.key.name, {"user": write.key.user, "expires": write.key.expires}
    if isinstance(write, RevokeApiKey):
        return "api key", write.name, {"user": write.user}
    if isinstance(write, TouchApiKey):
        return None, "", {}
    raise TypeError(f"not a write: {write!r}")
