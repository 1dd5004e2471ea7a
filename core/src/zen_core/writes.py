"""The writes a store applies: one at a time, or several as one batch (all or nothing).

Each write is a small frozen record. :meth:`zen_core.store.BaseStore.apply`
takes a sequence of them and applies them in order under one lock or one
transaction; the REST store sends them as JSON (:func:`to_dict` and
:func:`from_dict`), and the service applies them to the store it serves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from zen_core.account_records import ApiKey, RoleAssignment, Team, User
from zen_core.changes import ComponentChange, StackChange
from zen_core.exceptions import InvalidDataError
from zen_core.models import Component, ComponentType, Stack
from zen_core.names import check_name
from zen_core.secret_records import Secret, SecretChange, check_secret_name


@dataclass(frozen=True)
class RegisterComponent:
    component: Component


@dataclass(frozen=True)
class UpdateComponent:
    type: ComponentType
    name: str
    change: ComponentChange


@dataclass(frozen=True)
class DeleteComponent:
    type: ComponentType
    name: str
    expected_revision: int | None = None


@dataclass(frozen=True)
class RegisterStack:
    stack: Stack


@dataclass(frozen=True)
class UpdateStack:
    name: str
    change: StackChange


@dataclass(frozen=True)
class DeleteStack:
    name: str
    expected_revision: int | None = None


# --- secrets (values as the store keeps them: see zen_core.secret_records) -----------------
@dataclass(frozen=True)
class CreateSecret:
    secret: Secret


@dataclass(frozen=True)
class UpdateSecret:
    name: str
    change: SecretChange

    def __post_init__(self) -> None:
        check_secret_name(self.name)


@dataclass(frozen=True)
class DeleteSecret:
    name: str
    expected_revision: int | None = None

    def __post_init__(self) -> None:
        check_secret_name(self.name)


# --- accounts ------------------------------------------------------------------------------
@dataclass(frozen=True)
class CreateUser:
    user: User


@dataclass(frozen=True)
class DeleteUser:
    """Removes the user with their team memberships, role assignments and API keys."""

    name: str

    def __post_init__(self) -> None:
        check_name(self.name, "user name")


@dataclass(frozen=True)
class CreateTeam:
    team: Team


@dataclass(frozen=True)
class DeleteTeam:
    """Removes the team and the roles assigned to it (not its members' accounts)."""

    name: str

    def __post_init__(self) -> None:
        check_name(self.name, "team name")


@dataclass(frozen=True)
class AddTeamMember:
    team: str
    user: str

    def __post_init__(self) -> None:
        check_name(self.team, "team name")
        check_name(self.user, "user name")


@dataclass(frozen=True)
class RemoveTeamMember:
    team: str
    user: str

    def __post_init__(self) -> None:
        check_name(self.team, "team name")
        check_name(self.user, "user name")


@dataclass(frozen=True)
class AssignRole:
    assignment: RoleAssignment


@dataclass(frozen=True)
class RevokeRole:
    assignment: RoleAssignment


@dataclass(frozen=True)
class CreateApiKey:
    key: ApiKey


@dataclass(frozen=True)
class RevokeApiKey:
    user: str
    name: str

    def __post_init__(self) -> None:
        check_name(self.user, "user name")
        check_name(self.name, "key name")


@dataclass(frozen=True)
class TouchApiKey:
    """Record that a key was used at ``when`` (no history event: not a change)."""

    key_id: str
    when: str


StackWrite = (RegisterComponent | UpdateComponent | DeleteComponent
              | RegisterStack | UpdateStack | DeleteStack)
SecretWrite = CreateSecret | UpdateSecret | DeleteSecret
AccountWrite = (CreateUser | DeleteUser | CreateTeam | DeleteTeam | AddTeamMember
                | RemoveTeamMember | AssignRole | RevokeRole | CreateApiKey | RevokeApiKey
                | TouchApiKey)
Write = StackWrite | SecretWrite | AccountWrite
#: The writes that can leave a store without an admin.
ADMIN_REMOVALS = (DeleteUser, DeleteTeam, RemoveTeamMember, RevokeRole)


def may_remove_an_admin(writes: Sequence[Write]) -> bool:
    """Whether a store must ask its rules' ``check_accounts`` (``zen_core.store.StoreRules``)
    about ``writes``, inside their transaction: they hold one of :data:`ADMIN_REMOVALS`."""
    return any(isinstance(write, ADMIN_REMOVALS) for write in writes)

#: The JSON name of each write type and how its fields are (de)serialised.
_ACCOUNT_WRITES: dict[str, type] = {
    "create_user": CreateUser, "delete_user": DeleteUser, "create_team": CreateTeam,
    "delete_team": DeleteTeam, "add_team_member": AddTeamMember,
    "remove_team_member": RemoveTeamMember, "assign_role": AssignRole,
    "revoke_role": RevokeRole, "create_api_key": CreateApiKey, "revoke_api_key": RevokeApiKey,
    "touch_api_key": TouchApiKey,
}
_RECORD_FIELDS = {"user": User, "team": Team, "assignment": RoleAssignment, "key": ApiKey}


def _account_to_dict(write: AccountWrite) -> dict[str, Any]:
    data: dict[str, Any] = {"op": op_name(write)}
    for key, value in vars(write).items():
        data[key] = value.to_dict() if hasattr(value, "to_dict") else value
    return data


def _account_from_dict(op: str, data: dict[str, Any]) -> AccountWrite:
    cls = _ACCOUNT_WRITES[op]
    fields = {}
    for key in cls.__dataclass_fields__:
        value = data[key]
        record = _RECORD_FIELDS.get(key) if isinstance(value, dict) else None
        fields[key] = record.from_dict(value) if record else value
    return cls(**fields)


_STACK_WRITES: dict[str, type] = {
    "register_component": RegisterComponent, "update_component": UpdateComponent,
    "delete_component": DeleteComponent, "register_stack": RegisterStack,
    "update_stack": UpdateStack, "delete_stack": DeleteStack,
}
_SECRET_WRITES: dict[str, type] = {
    "create_secret": CreateSecret, "update_secret": UpdateSecret, "delete_secret": DeleteSecret,
}
_OP_NAMES = {cls: name for name, cls in
             {**_STACK_WRITES, **_SECRET_WRITES, **_ACCOUNT_WRITES}.items()}


def op_name(write: Write) -> str:
    """The write's operation name (``"update_component"``): its JSON ``op``, and the name
    stores dispatch on (``getattr(self, "_" + op_name(write))(write)``)."""
    return _OP_NAMES[type(write)]


def to_dict(write: Write) -> dict[str, Any]:
    """A write as JSON-able data: ``{"op": "update_component", ...}``."""
    if isinstance(write, tuple(_ACCOUNT_WRITES.values())):
        return _account_to_dict(write)
    if isinstance(write, CreateSecret):
        return {"op": "create_secret", "secret": write.secret.to_dict()}
    if isinstance(write, UpdateSecret):
        return {"op": "update_secret", "name": write.name, "change": write.change.to_dict(),
                "expected_revision": write.change.expected_revision}
    if isinstance(write, DeleteSecret):
        return {"op": "delete_secret", "name": write.name,
                "expected_revision": write.expected_revision}
    if isinstance(write, RegisterComponent):
        return {"op": "register_component", "component": write.component.to_dict()}
    if isinstance(write, UpdateComponent):
        return {"op": "update_component", "type": write.type.value, "name": write.name,
                "change": write.change.to_dict(),
                "expected_revision": write.change.expected_revision}
    if isinstance(write, DeleteComponent):
        return {"op": "delete_component", "type": write.type.value, "name": write.name,
                "expected_revision": write.expected_revision}
    if isinstance(write, RegisterStack):
        return {"op": "register_stack", "stack": write.stack.to_dict()}
    if isinstance(write, UpdateStack):
        return {"op": "update_stack", "name": write.name, "change": write.change.to_dict(),
                "expected_revision": write.change.expected_revision}
    return {"op": "delete_stack", "name": write.name,
            "expected_revision": write.expected_revision}


def component_change_from_dict(data: dict[str, Any],
                               expected_revision: int | None = None) -> ComponentChange:
    return ComponentChange(
        set=dict(data.get("set") or {}), unset=list(data.get("unset") or ()),
        flavor=data.get("flavor"), name=data.get("name"), expected_revision=expected_revision,
        labels=dict(data.get("labels") or {}),
    )


def stack_change_from_dict(data: dict[str, Any],
                           expected_revision: int | None = None) -> StackChange:
    return StackChange(
        set=dict(data.get("set") or {}), remove=list(data.get("remove") or ()),
        name=data.get("name"), expected_revision=expected_revision,
        labels=dict(data.get("labels") or {}),
    )


def from_dict(data: Any) -> Write:
    """The write ``data`` describes (the inverse of :func:`to_dict`); InvalidDataError if bad."""
    try:
        op = data["op"]
        expected = data.get("expected_revision")
        if op == "register_component":
            return RegisterComponent(Component.from_dict(data["component"]))
        if op == "update_component":
            return UpdateComponent(ComponentType.parse(data["type"]),
                                   check_name(data["name"], "component name"),
                                   component_change_from_dict(data["change"], expected))
        if op == "delete_component":
            return DeleteComponent(ComponentType.parse(data["type"]),
                                   check_name(data["name"], "component name"), expected)
        if op == "register_stack":
            return RegisterStack(Stack.from_dict(data["stack"]))
        if op == "update_stack":
            return UpdateStack(check_name(data["name"], "stack name"),
                               stack_change_from_dict(data["change"], expected))
        if op == "delete_stack":
            return DeleteStack(check_name(data["name"], "stack name"), expected)
        if op == "create_secret":
            return CreateSecret(Secret.from_dict(data["secret"]))
        if op == "update_secret":
            change = data["change"]
            return UpdateSecret(data["name"], SecretChange(
                set=dict(change.get("set") or {}), unset=list(change.get("unset") or ()),
                name=change.get("name"), expected_revision=expected))
        if op == "delete_secret":
            return DeleteSecret(data["name"], expected)
        if op in _ACCOUNT_WRITES:
            return _account_from_dict(op, data)
    except (KeyError, TypeError, AttributeError) as err:
        raise InvalidDataError(f"Invalid write: missing or bad {err}.") from None
    raise InvalidDataError(f"Invalid write: unknown operation {op!r}.")
