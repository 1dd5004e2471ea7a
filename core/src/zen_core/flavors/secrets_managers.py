"""Configuration schemas of the built-in secrets manager flavors (ZenML 0.7 fields)."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from zen_core.flavors.base import FlavorConfig

_AWS_REGION = re.compile(r"[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]+")


class LocalSecretsManagerConfig(FlavorConfig):
    """Keeps secrets in a local YAML file (base64-encoded, not encrypted)."""

    secrets_file: str = Field(
        "", description="Path of the secrets file; empty means one per secrets manager."
    )


class AWSSecretsManagerConfig(FlavorConfig):
    """Keeps secrets in AWS Secrets Manager."""

    region_name: str = Field("us-east-1", description="AWS region of the secrets manager.",
                             json_schema_extra={"pattern": f"^{_AWS_REGION.pattern}$"})

    @field_validator("region_name")
    @classmethod
    def _region_looks_like_aws(cls, region: str) -> str:
        if not _AWS_REGION.fullmatch(region):
            raise ValueError(f"region_name must be an AWS region like 'us-east-1' (got {region!r})")
        return region
