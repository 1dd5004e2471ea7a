"""Configuration schemas of the built-in feature store flavors (ZenML 0.7 fields)."""

from __future__ import annotations

from pydantic import Field, field_validator

from zen_core.flavors.base import FlavorConfig
from zen_core.flavors.patterns import NOT_BLANK


class FeastFeatureStoreConfig(FlavorConfig):
    """Reads features from a Feast feature repository with a Redis online store."""

    feast_repo: str = Field(..., description="Path of the Feast feature repository.",
                            json_schema_extra=NOT_BLANK)
    online_host: str = Field("localhost", description="Host of the Redis online store.",
                             json_schema_extra=NOT_BLANK)
    online_port: int = Field(6379, ge=1, le=65535, description="Port of the Redis online store.")

    @field_validator("feast_repo", "online_host")
    @classmethod
    def _not_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value
