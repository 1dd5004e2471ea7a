"""Configuration schemas of the built-in container registry flavors (ZenML 0.7 fields)."""

from __future__ import annotations

from pydantic import Field, field_validator

from zen_core.flavors.base import FlavorConfig
from zen_core.flavors.patterns import NO_WHITESPACE


class DefaultContainerRegistryConfig(FlavorConfig):
    """Pushes images to any Docker registry, local or remote."""

    uri: str = Field(..., description="Registry URI, e.g. 'localhost:5000' or 'gcr.io/project'.",
                     json_schema_extra=NO_WHITESPACE)

    @field_validator("uri")
    @classmethod
    def _uri_not_empty(cls, uri: str) -> str:
        if not uri.strip():
            raise ValueError("uri must not be empty")
        if any(c.isspace() for c in uri):
            raise ValueError(f"uri must not contain whitespace (got {uri!r})")
        return uri
