"""Configuration schemas of the built-in orchestrator flavors (ZenML 0.7 fields)."""

from __future__ import annotations

from pydantic import Field, field_validator

from zen_core.flavors.base import FlavorConfig
from zen_core.flavors.patterns import NOT_BLANK

#: Local port ZenML 0.7 forwarded the Kubeflow Pipelines UI to by default.
DEFAULT_KFP_UI_PORT = 8080


class LocalOrchestratorConfig(FlavorConfig):
    """Runs pipelines locally, step by step."""


class AirflowOrchestratorConfig(FlavorConfig):
    """Runs pipelines with a local Apache Airflow."""

    airflow_home: str = Field(
        "",
        description="Airflow home directory; empty means a folder per orchestrator "
        "in the zenml config directory.",
    )


class KubeflowOrchestratorConfig(FlavorConfig):
    """Runs pipelines on Kubeflow Pipelines."""

    custom_docker_base_image_name: str | None = Field(
        None, description="Docker image (with zenml installed) to build the step images from."
    )
    kubeflow_pipelines_ui_port: int = Field(
        DEFAULT_KFP_UI_PORT,
        ge=1,
        le=65535,
        description="Local port the Kubeflow Pipelines UI is forwarded to.",
    )
    kubernetes_context: str | None = Field(
        None, description="Kubernetes context to run pipelines in; None means the current one."
    )
    synchronous: bool = Field(
        False, description="Wait for a pipeline run to finish on Kubeflow before returning."
    )


class VertexOrchestratorConfig(FlavorConfig):
    """Runs pipelines on Google Cloud Vertex AI Pipelines."""

    custom_docker_base_image_name: str | None = Field(
        None, description="Docker image (with zenml installed) to build the step images from."
    )
    project: str | None = Field(
        None, description="GCP project; None means the one of the environment's credentials."
    )
    location: str = Field(..., description="GCP region the pipeline jobs run in.",
                          json_schema_extra=NOT_BLANK)
    pipeline_root: str = Field(
        ..., description="Google Cloud Storage path Vertex AI Pipelines writes to.",
        json_schema_extra=NOT_BLANK,
    )
    labels: dict[str, str] = Field(
        default_factory=dict, description="Labels added to every pipeline job."
    )
    encryption_spec_key_name: str | None = Field(
        None, description="Cloud KMS key protecting the pipeline jobs."
    )
    synchronous: bool = Field(
        False, description="Wait for a pipeline run to finish on Vertex AI before returning."
    )

    @field_validator("location", "pipeline_root")
    @classmethod
    def _not_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value
