"""The API's models for ``/api/v1/secrets`` and the batch's secret writes.

Values travel in clear over the (TLS) connection and are sealed by the service
before they reach its store; a user who may not read secrets (a viewer) gets
``********`` for each value, and ``masked`` naming the keys.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, StrictInt

from zen_core.names import MAX_NAME_LENGTH
from zen_core.secret_records import MAX_KEYS, MAX_VALUE_LENGTH
from zen_service.models import _InputMeta, something_to_change

SECRET_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"
KEY_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"

SecretName = Annotated[str, Field(
    description="Letters, digits, '_' and '-' (no '.': {{name.key}} refers to a value).",
    examples=["db"], json_schema_extra={"pattern": SECRET_NAME_PATTERN, "minLength": 1,
                                        "maxLength": MAX_NAME_LENGTH})]
SecretKey = Annotated[str, Field(json_schema_extra={"pattern": KEY_PATTERN,
                                                   "maxLength": MAX_NAME_LENGTH})]
Values = Annotated[dict[str, str], Field(
    description="Key -> value. Keys: letters, digits and '_'.", examples=[{"password": "..."}],
    json_schema_extra={"propertyNames": {"pattern": KEY_PATTERN, "maxLength": MAX_NAME_LENGTH},
                       "additionalProperties": {"type": "string",
                                                "maxLength": MAX_VALUE_LENGTH},
                       "maxProperties": MAX_KEYS})]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SecretInput(_InputMeta):
    """A secret to create: a name and at least one key (a secret as read may come along:
    its uuid is kept, its revision and times are ignored)."""

    name: SecretName
    uuid: str | None = Field(default=None, max_length=200,
                             description="Kept if given, generated if omitted.")
    values: Values = Field(json_schema_extra={"minProperties": 1})


class SecretPatch(_Strict):
    """A partial update of a secret, applied atomically: keys to set, keys to unset, a new
    name (refused while components refer to the secret)."""

    model_config = something_to_change(mappings=("set",), lists=("unset",), texts=("name",))

    set: Values = Field(default_factory=dict)
    unset: list[SecretKey] = Field(default_factory=list, examples=[["old_password"]])
    name: SecretName | None = Field(default=None, description="A new name.")


class Secret(_Strict):
    """A secret: its values for a user who may read secrets, else `********` for each."""

    name: str
    uuid: str
    values: dict[str, str]
    revision: int
    created: str | None
    updated: str | None
    masked: list[str] = Field(default_factory=list,
                              description="The keys whose values are withheld from this "
                                          "key's user.")


class SecretList(RootModel[list[Secret]]):
    """Every secret, by name, each as a `Secret` (values masked for a user who may not read
    secrets)."""


class SecretPath(BaseModel):
    name: str = Field(description="The secret's name.", json_schema_extra={
        "pattern": SECRET_NAME_PATTERN, "minLength": 1, "maxLength": MAX_NAME_LENGTH})


ExpectedRevision = Annotated[StrictInt | None, Field(default=None, ge=0)]


class CreateSecretWrite(_Strict):
    op: Literal["create_secret"]
    secret: SecretInput


class UpdateSecretWrite(_Strict):
    op: Literal["update_secret"]
    name: SecretName
    change: SecretPatch
    expected_revision: ExpectedRevision = None


class DeleteSecretWrite(_Strict):
    op: Literal["delete_secret"]
    name: SecretName
    expected_revision: ExpectedRevision = None


DOCUMENTED = (Secret, SecretList, SecretInput, SecretPatch)
