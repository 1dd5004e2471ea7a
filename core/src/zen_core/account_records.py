"""The account records stores keep beside the stacks, so every service over one database
shares them: users, teams, role assignments, API keys, and the history's events. Plain
dataclasses like :mod:`zen_core.models`; what they allow is :mod:`zen_core.accounts`."""

from __future__ import annotations

import uuid as _uuid
from dataclasses import dataclass, field
from typing import Any

from zen_core.accounts import check_role
from zen_core.exceptions import InvalidDataError
from zen_core.names import check_name


@dataclass
class User:
    name: str
    created: str | None = None
    uuid: str = field(default_factory=lambda: str(_uuid.uuid4()))

    def __post_init__(self) -> None:
        check_name(self.name, "user name")

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "created": self.created, "uuid": self.uuid}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> User:
        try:
            return cls(data["name"], data.get("created"), data.get("uuid") or str(_uuid.uuid4()))
        except (KeyError, TypeError) as err:
            raise InvalidDataError(f"Invalid user data: missing or bad {err}.") from None


@dataclass
class Team:
    name: str
    members: list[str] = field(default_factory=list)
    created: str | None = None

    def __post_init__(self) -> None:
        check_name(self.name, "team name")
        self.members = sorted({check_name(m, "user name") for m in self.members})

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "members": list(self.members), "created": self.created}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Team:
        try:
            return cls(data["name"], list(data.get("members") or []), data.get("created"))
        except (KeyError, TypeError) as err:
            raise InvalidDataError(f"Invalid team data: missing or bad {err}.") from None


@dataclass
class RoleAssignment:
    """``role`` given to exactly one of ``user`` and ``team``."""

    role: str
    user: str | None = None
    team: str | None = None
    created: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        check_role(self.role)
        if (self.user is None) == (self.team is None):
            raise InvalidDataError("A role is assigned to one user or one team.")
        if self.user is not None:
            check_name(self.user, "user name")
        if self.team is not None:
            check_name(self.team, "team name")

    @property
    def holder(self) -> str:
        return f"user '{self.user}'" if self.user else f"team '{self.team}'"

    def to_dict(self) -> dict[str, Any]:
        return {"role": self.role, "user": self.user, "team": self.team,
                "created": self.created}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RoleAssignment:
        try:
            return cls(data["role"], data.get("user"), data.get("team"), data.get("created"))
        except (KeyError, TypeError) as err:
            raise InvalidDataError(f"Invalid role assignment: missing or bad {err}.") from None


@dataclass
class ApiKey:
    """A user's API key as stored: its public id and the hash of its secret, never the key.

    The key itself (``zen_<key_id>_<secret>``) is shown once, when created.
    """

    user: str
    name: str
    key_id: str
    secret_hash: str
    created: str | None = None
    expires: str | None = None
    last_used: str | None = None

    def __post_init__(self) -> None:
        check_name(self.user, "user name")
        check_name(self.name, "key name")

    def to_dict(self, with_hash: bool = True) -> dict[str, Any]:
        data = {"user": self.user, "name": self.name, "key_id": self.key_id,
                "created": self.created, "expires": self.expires, "last_used": self.last_used}
        if with_hash:
            data["secret_hash"] = self.secret_hash
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ApiKey:
        try:
            return cls(data["user"], data["name"], data["key_id"], data.get("secret_hash") or "",
                       data.get("created"), data.get("expires"), data.get("last_used"))
        except (KeyError, TypeError) as err:
            raise InvalidDataError(f"Invalid API key data: missing or bad {err}.") from None


@dataclass
class Event:
    """One change, as the history records it: never a value, only what changed.

    ``target`` is the kind of record (``stack``, a component type such as
    ``orchestrator``, ``user``, ``team``, ``role``, ``api key``); ``details``
    names changed keys or members, a new name, a role.
    """

    time: str
    actor: str | None
    action: str
    target: str
    name: str
    revision: int | None = None
    details: dict[str, Any] = field(default_factory=dict)
    #: Position in the store's history, set by the store (1, 2, ...).
    seq: int = 0
    #: The record as this write left it, without secret values (stacks and components:
    #: flavor, configuration, labels, members), for ``history --diff`` and ``revert``.
    state: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        data = {"seq": self.seq, "time": self.time, "actor": self.actor,
                "action": self.action, "target": self.target, "name": self.name,
                "revision": self.revision, "details": dict(self.details)}
        if self.state is not None:  # only then: the documented shape stays as it was
            data["state"] = self.state
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Event:
        try:
            return cls(data["time"], data.get("actor"), data["action"], data["target"],
                       data["name"], data.get("revision"), dict(data.get("details") or {}),
                       int(data.get("seq") or 0),
                       dict(data["state"]) if isinstance(data.get("state"), dict) else None)
        except (KeyError, TypeError, ValueError) as err:
            raise InvalidDataError(f"Invalid event data: missing or bad {err}.") from None
