"""Configuration schemas of the built-in model deployer flavors (ZenML 0.7 fields)."""

from __future__ import annotations

from pydantic import Field, field_validator

from zen_core.flavors.base import FlavorConfig
from zen_core.flavors.patterns import starting_with


class SeldonModelDeployerConfig(FlavorConfig):
    """Deploys models to Seldon Core on Kubernetes."""

    kubernetes_context: str | None = Field(
        None, description="Kubernetes context of the Seldon Core cluster; None means current."
    )
    kubernetes_namespace: str | None = Field(
        None, description="Namespace the model servers run in; None means the context's."
    )
    base_url: str = Field(
        ..., description="Base URL of the Kubernetes ingress exposing the model servers.",
        json_schema_extra=starting_with("http://", "https://"),
    )
    secret: str | None = Field(
        None,
        description="Name of a ZenML secret with the credentials Seldon uses to read the "
        "artifact store (a name, not a secret value).",
    )

    @field_validator("base_url")
    @classmethod
    def _base_url_is_http(cls, url: str) -> str:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must start with 'http://' or 'https://' (got {url!r})")
        return url


class MLFlowModelDeployerConfig(FlavorConfig):
    """Deploys models as local MLflow model servers."""

    service_path: str = Field(
        "",
        description="Folder for the local servers' configuration, PID and logs; "
        "empty means one per model deployer.",
    )
