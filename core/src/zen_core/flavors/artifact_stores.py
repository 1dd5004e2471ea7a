"""Configuration schemas of the built-in artifact store flavors (ZenML 0.7 fields).

Each flavor accepts the ``path`` schemes its ZenML 0.7 class listed in
``SUPPORTED_SCHEMES``.
"""

from __future__ import annotations

from pydantic import Field, field_validator

from zen_core.flavors.base import FlavorConfig
from zen_core.flavors.patterns import LOCAL_PATH, REMOTE_PREFIXES, bucket_path


def _check_scheme(path: str, schemes: tuple[str, ...]) -> str:
    scheme = next((s for s in schemes if path.startswith(s)), None)
    if scheme is None:
        wanted = " or ".join(repr(s) for s in schemes)
        raise ValueError(f"path must start with {wanted} (got {path!r})")
    if not path[len(scheme) :].strip("/"):
        raise ValueError(f"path names no bucket or container (got {path!r})")
    return path


class LocalArtifactStoreConfig(FlavorConfig):
    """Stores artifacts in a local folder."""

    path: str = Field(..., description="Local folder the artifacts are stored in.",
                      json_schema_extra=LOCAL_PATH)

    @field_validator("path")
    @classmethod
    def _path_is_local(cls, path: str) -> str:
        if not path.strip():
            raise ValueError("path must not be empty")
        if path.startswith(REMOTE_PREFIXES):
            raise ValueError(f"path must be a local path, not a remote one (got {path!r})")
        return path


class S3ArtifactStoreConfig(FlavorConfig):
    """Stores artifacts in an AWS S3 bucket."""

    path: str = Field(..., description="Root of the store, 's3://bucket[/prefix]'.",
                      json_schema_extra=bucket_path("s3"))

    @field_validator("path")
    @classmethod
    def _path_is_s3(cls, path: str) -> str:
        return _check_scheme(path, ("s3://",))


class GCPArtifactStoreConfig(FlavorConfig):
    """Stores artifacts in a Google Cloud Storage bucket."""

    path: str = Field(..., description="Root of the store, 'gs://bucket[/prefix]'.",
                      json_schema_extra=bucket_path("gs"))

    @field_validator("path")
    @classmethod
    def _path_is_gcs(cls, path: str) -> str:
        return _check_scheme(path, ("gs://",))


class AzureArtifactStoreConfig(FlavorConfig):
    """Stores artifacts in an Azure Blob Storage container."""

    path: str = Field(
        ..., description="Root of the store, 'az://container[/prefix]' or 'abfs://...'.",
        json_schema_extra=bucket_path("az", "abfs"),
    )

    @field_validator("path")
    @classmethod
    def _path_is_azure(cls, path: str) -> str:
        return _check_scheme(path, ("az://", "abfs://"))
