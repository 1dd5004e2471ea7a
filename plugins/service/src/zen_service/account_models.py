"""The API's models for users, teams, roles, API keys, the history and ``/me``.

As in :mod:`zen_service.models`, names are documented and refused by the
domain (``zen_core.names``, ``zen_core.accounts``) with the CLI's message. An
API key record never carries its hash in an answer; a key to create does (the
client made the key and sends only its hash, never the key).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, RootModel

from zen_core.accounts import ROLES
from zen_core.services.history import MAX_LIMIT
from zen_core.services.listing import MAX_OFFSET
from zen_service.models import NAME_IN_PATH, Name, QueryModel


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _is_timestamp(value: str | None) -> str | None:
    if value is not None:
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError("not an ISO 8601 time such as 2030-01-01T00:00:00Z") from None
    return value


#: A UTC time as the store records it; checked, because the service compares with it.
Time = Annotated[str | None, AfterValidator(_is_timestamp),
                 Field(description="ISO 8601, UTC.", examples=["2030-01-01T00:00:00.000000Z"])]
Role = Annotated[str, Field(description="A built-in role.",
                            json_schema_extra={"enum": list(ROLES)})]


# --- records as answered ----------------------------------------------------------------------
class User(_Strict):
    name: str
    created: str | None
    uuid: str


class UserList(RootModel[list[User]]):
    """Users sorted by name."""


class Team(_Strict):
    name: str
    members: list[str] = Field(description="User names, sorted.")
    created: str | None


class TeamList(RootModel[list[Team]]):
    """Teams sorted by name."""


class RoleAssignment(_Strict):
    """A role given to one user or one team (the other is null)."""

    role: str
    user: str | None
    team: str | None
    created: str | None


class RoleAssignmentList(RootModel[list[RoleAssignment]]):
    """Sorted by role, then holder."""


class ApiKey(_Strict):
    """An API key as stored, without its hash (and the key itself is never stored)."""

    user: str
    name: str
    key_id: str = Field(description="The public part of the key: zen_<key_id>_<secret>.")
    created: str | None
    expires: str | None
    last_used: str | None = Field(description="Recorded at most once a minute per service.")


class ApiKeyList(RootModel[list[ApiKey]]):
    """Sorted by name."""


class Event(_Strict):
    """One change: who did what to which record, at which revision; never a value."""

    seq: int = Field(description="Position in the store's history, 1 for the first change.")
    time: str
    actor: str | None
    action: str = Field(examples=["update_component"])
    target: str = Field(description="The kind of record: stack, a component type, user, "
                                    "team, role or api key.", examples=["orchestrator"])
    name: str
    revision: int | None
    details: dict[str, Any] = Field(description="Changed keys, members, a former name...")


class EventPage(_Strict):
    """A page of the history, newest first, and how many events match in all."""

    total: int
    events: list[Event]


class Me(_Strict):
    """Who the service takes the caller for: the key's user, their roles, the key."""

    user: str
    roles: list[str]
    key: ApiKey


class EventQuery(QueryModel):
    limit: int = Field(default=50, ge=1, le=MAX_LIMIT, description="Events in the page.")
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET, description="Newest events to skip.")
    user: str | None = Field(default=None, description="Only the changes of this user.")
    target: str | None = Field(default=None, description="Only this kind of record.")
    name: str | None = Field(default=None, description="Only the records of this name.")


class UserPath(BaseModel):
    name: str = Field(description="The user's name.", json_schema_extra=NAME_IN_PATH)


# --- account writes in a batch ----------------------------------------------------------------
class UserInput(_Strict):
    name: Name
    created: Time = None
    uuid: str | None = Field(default=None, max_length=200)


class TeamInput(_Strict):
    name: Name
    members: list[Name] = Field(default_factory=list)
    created: Time = None


class RoleAssignmentInput(_Strict):
    """Exactly one of ``user`` and ``team``."""

    role: Role
    user: Name | None = None
    team: Name | None = None
    created: Time = None


class ApiKeyInput(_Strict):
    """A key the client made: its public id and the SHA-256 of its secret (hex)."""

    user: Name
    name: Name
    key_id: str = Field(pattern=r"^[0-9a-f]{12}$")
    secret_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    created: Time = None
    expires: Time = None
    last_used: Time = None


class CreateUserWrite(_Strict):
    op: Literal["create_user"]
    user: UserInput


class DeleteUserWrite(_Strict):
    op: Literal["delete_user"]
    name: Name


class CreateTeamWrite(_Strict):
    op: Literal["create_team"]
    team: TeamInput


class DeleteTeamWrite(_Strict):
    op: Literal["delete_team"]
    name: Name


class AddTeamMemberWrite(_Strict):
    op: Literal["add_team_member"]
    team: Name
    user: Name


class RemoveTeamMemberWrite(_Strict):
    op: Literal["remove_team_member"]
    team: Name
    user: Name


class AssignRoleWrite(_Strict):
    op: Literal["assign_role"]
    assignment: RoleAssignmentInput


class RevokeRoleWrite(_Strict):
    op: Literal["revoke_role"]
    assignment: RoleAssignmentInput


class CreateApiKeyWrite(_Strict):
    op: Literal["create_api_key"]
    key: ApiKeyInput


class RevokeApiKeyWrite(_Strict):
    op: Literal["revoke_api_key"]
    user: Name
    name: Name


ACCOUNT_WRITES = (CreateUserWrite, DeleteUserWrite, CreateTeamWrite, DeleteTeamWrite,
                  AddTeamMemberWrite, RemoveTeamMemberWrite, AssignRoleWrite, RevokeRoleWrite,
                  CreateApiKeyWrite, RevokeApiKeyWrite)

#: Documented in /openapi.json.
DOCUMENTED = (User, UserList, Team, TeamList, RoleAssignment, RoleAssignmentList, ApiKey,
              ApiKeyList, Event, EventPage, Me)
