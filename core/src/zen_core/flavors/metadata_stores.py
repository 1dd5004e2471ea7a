"""Configuration schemas of the built-in metadata store flavors (ZenML 0.7 fields)."""

from __future__ import annotations

from pydantic import Field, field_validator

from zen_core.flavors.base import FlavorConfig, SecretField
from zen_core.flavors.patterns import LOCAL_PATH, NOT_BLANK, REMOTE_PREFIXES


class SQLiteMetadataStoreConfig(FlavorConfig):
    """Keeps pipeline metadata in a local SQLite database."""

    uri: str = Field(..., description="Path of the SQLite database file.",
                     json_schema_extra=LOCAL_PATH)

    @field_validator("uri")
    @classmethod
    def _uri_is_local(cls, uri: str) -> str:
        if not uri.strip():
            raise ValueError("uri must not be empty")
        if uri.startswith(REMOTE_PREFIXES):
            raise ValueError(f"uri must be a local path, not a remote one (got {uri!r})")
        return uri


class MySQLMetadataStoreConfig(FlavorConfig):
    """Keeps pipeline metadata in a MySQL database."""

    host: str = Field(..., description="Host name or address of the MySQL server.",
                      json_schema_extra=NOT_BLANK)
    port: int = Field(..., ge=1, le=65535, description="Port of the MySQL server.")
    database: str = Field(..., description="Name of the database.", json_schema_extra=NOT_BLANK)
    username: str = Field(..., description="User to connect as.", json_schema_extra=NOT_BLANK)
    password: str = SecretField(..., description="Password of that user.")

    @field_validator("host", "database", "username")
    @classmethod
    def _not_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value


class KubeflowMetadataStoreConfig(FlavorConfig):
    """Uses the MySQL metadata database of a Kubeflow Pipelines deployment."""

    host: str = Field("127.0.0.1", description="Host the Kubeflow MySQL server is reached on.")
    port: int = Field(3306, ge=1, le=65535, description="Port of the Kubeflow MySQL server.")
    database: str = Field("metadb", description="Name of the metadata database.")
    username: str = Field("root", description="User to connect as.")
    password: str = SecretField("", description="Password of that user.")
