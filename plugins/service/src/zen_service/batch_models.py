"""The API's models for ``POST /api/v1/batch``: every write, of stacks, components and
accounts, as :func:`zen_core.writes.to_dict` makes it."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from zen_core.models import ComponentType
from zen_service import account_models as accounts
from zen_service import secret_models
from zen_service.models import (
    Component,
    ComponentInput,
    ComponentPatch,
    Name,
    Stack,
    StackInput,
    StackPatch,
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


ExpectedRevision = Annotated[
    StrictInt | None,
    Field(default=None, ge=0,
          description="Apply only if the record is still at this revision (else 412)."),
]


class RegisterComponentWrite(_Strict):
    op: Literal["register_component"]
    component: ComponentInput


class UpdateComponentWrite(_Strict):
    op: Literal["update_component"]
    type: ComponentType
    name: Name
    change: ComponentPatch
    expected_revision: ExpectedRevision = None


class DeleteComponentWrite(_Strict):
    op: Literal["delete_component"]
    type: ComponentType
    name: Name
    expected_revision: ExpectedRevision = None


class RegisterStackWrite(_Strict):
    op: Literal["register_stack"]
    stack: StackInput


class UpdateStackWrite(_Strict):
    op: Literal["update_stack"]
    name: Name
    change: StackPatch
    expected_revision: ExpectedRevision = None


class DeleteStackWrite(_Strict):
    op: Literal["delete_stack"]
    name: Name
    expected_revision: ExpectedRevision = None


Write = Annotated[
    RegisterComponentWrite | UpdateComponentWrite | DeleteComponentWrite
    | RegisterStackWrite | UpdateStackWrite | DeleteStackWrite
    | secret_models.CreateSecretWrite | secret_models.UpdateSecretWrite
    | secret_models.DeleteSecretWrite
    | accounts.CreateUserWrite | accounts.DeleteUserWrite | accounts.CreateTeamWrite
    | accounts.DeleteTeamWrite | accounts.AddTeamMemberWrite | accounts.RemoveTeamMemberWrite
    | accounts.AssignRoleWrite | accounts.RevokeRoleWrite | accounts.CreateApiKeyWrite
    | accounts.RevokeApiKeyWrite,
    Field(discriminator="op"),
]


class BatchInput(_Strict):
    """Writes applied in order, all or nothing; each sees the ones before it (at least one:
    an empty batch is refused). A batch with a write of users, teams, roles or keys needs
    the admin role; others the editor role."""

    writes: list[Write]


class Batch(_Strict):
    """Each write's record as written, in order (null for a delete or a revocation)."""

    written: list[Stack | Component | secret_models.Secret | accounts.User | accounts.Team
                  | accounts.RoleAssignment | accounts.ApiKey | None]


DOCUMENTED = (BatchInput, Batch)
