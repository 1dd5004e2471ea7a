"""Configuration schemas of the built-in experiment tracker flavors (ZenML 0.7 fields)."""

from __future__ import annotations

from pydantic import ConfigDict, Field, field_validator, model_validator

from zen_core.flavors.base import FlavorConfig, SecretField
from zen_core.flavors.patterns import NOT_BLANK, starting_with

#: Schemes ZenML 0.7 accepted for an MLflow tracking URI (database engines, http, file).
MLFLOW_URI_SCHEMES = ("mysql", "mssql", "sqlite", "postgresql", "http", "https", "file")


#: A remote tracking URI needs credentials (``_remote_needs_credentials``), told to JSON Schema.
_REMOTE_NEEDS_CREDENTIALS = {
    "if": {"properties": {"tracking_uri": {"type": "string", "pattern": "^https?://"}},
           "required": ["tracking_uri"]},
    "then": {"anyOf": [
        {"properties": {"tracking_username": {"type": "string", "minLength": 1},
                        "tracking_password": {"type": "string", "minLength": 1}},
         "required": ["tracking_username", "tracking_password"]},
        {"properties": {"tracking_token": {"type": "string", "minLength": 1}},
         "required": ["tracking_token"]},
    ]},
}


class MLFlowExperimentTrackerConfig(FlavorConfig):
    """Tracks experiments with MLflow, locally or on a tracking server."""

    model_config = ConfigDict(json_schema_extra=_REMOTE_NEEDS_CREDENTIALS)

    tracking_uri: str | None = Field(
        None, description="MLflow tracking URI; None means a local store in the artifact store.",
        json_schema_extra=starting_with(*MLFLOW_URI_SCHEMES),
    )
    tracking_username: str | None = Field(None, description="User of the tracking server.")
    tracking_password: str | None = SecretField(None, description="Password of that user.")
    tracking_token: str | None = SecretField(
        None, description="Token for the tracking server (instead of user and password)."
    )
    tracking_insecure_tls: bool = Field(
        False, description="Skip TLS verification of the tracking server."
    )

    @field_validator("tracking_uri")
    @classmethod
    def _valid_tracking_uri(cls, uri: str | None) -> str | None:
        if uri and not uri.startswith(MLFLOW_URI_SCHEMES):
            schemes = ", ".join(MLFLOW_URI_SCHEMES)
            raise ValueError(f"tracking_uri must start with one of {schemes} (got {uri!r})")
        return uri

    @model_validator(mode="after")
    def _remote_needs_credentials(self) -> MLFlowExperimentTrackerConfig:
        uri = self.tracking_uri
        if uri and uri.startswith(("http://", "https://")):
            basic_auth = self.tracking_username and self.tracking_password
            if not (basic_auth or self.tracking_token):
                raise ValueError(
                    f"a remote tracking_uri ({uri}) needs tracking_username and "
                    "tracking_password, or tracking_token"
                )
        return self


class WandbExperimentTrackerConfig(FlavorConfig):
    """Tracks experiments with Weights & Biases."""

    api_key: str = SecretField(..., description="W&B API key allowed to log to the project.")
    entity: str = Field(..., description="Existing W&B entity (user or team).",
                        json_schema_extra=NOT_BLANK)
    project_name: str = Field(..., description="Existing W&B project to log to.",
                              json_schema_extra=NOT_BLANK)

    @field_validator("api_key", "entity", "project_name")
    @classmethod
    def _not_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value
