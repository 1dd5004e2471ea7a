"""Configuration schemas of the built-in step operator flavors (ZenML 0.7 fields)."""

from __future__ import annotations

from pydantic import Field, field_validator

from zen_core.flavors.base import FlavorConfig, SecretField
from zen_core.flavors.patterns import NOT_BLANK


def _not_empty(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


class SagemakerStepOperatorConfig(FlavorConfig):
    """Runs single steps as AWS SageMaker training jobs."""

    role: str = Field(..., description="IAM role assigned to the SageMaker jobs.",
                      json_schema_extra=NOT_BLANK)
    instance_type: str = Field(..., description="Instance type the jobs run on, e.g. ml.m5.large.",
                               json_schema_extra=NOT_BLANK)
    base_image: str | None = Field(None, description="Base image of the job's Docker image.")
    bucket: str | None = Field(
        None,
        description="S3 bucket for job artifacts; None means 'sagemaker-{region}-{account}'.",
    )
    experiment_name: str | None = Field(
        None, description="SageMaker experiment the jobs are associated with."
    )

    @field_validator("role", "instance_type")
    @classmethod
    def _required_not_empty(cls, value: str) -> str:
        return _not_empty(value)


class VertexStepOperatorConfig(FlavorConfig):
    """Runs single steps as Google Cloud Vertex AI custom jobs."""

    region: str = Field(..., description="GCP region the jobs run in, e.g. europe-west1.",
                        json_schema_extra=NOT_BLANK)
    project: str | None = Field(
        None, description="GCP project; None means the one of the environment's credentials."
    )
    accelerator_type: str | None = Field(
        None, description="Accelerator type, e.g. NVIDIA_TESLA_K80."
    )
    accelerator_count: int = Field(0, ge=0, description="Number of accelerators per job.")
    machine_type: str = Field("n1-standard-4", description="Machine type the jobs run on.")
    base_image: str | None = Field(None, description="Base image of the job's Docker image.")
    encryption_spec_key_name: str | None = Field(
        None, description="Cloud KMS key protecting the jobs."
    )
    service_account_path: str | None = Field(
        None, description="Service account key file; None means the default credentials."
    )

    @field_validator("region")
    @classmethod
    def _region_not_empty(cls, value: str) -> str:
        return _not_empty(value)


class AzureMLStepOperatorConfig(FlavorConfig):
    """Runs single steps on an Azure Machine Learning compute target."""

    subscription_id: str = Field(..., description="Azure subscription ID.",
                                 json_schema_extra=NOT_BLANK)
    resource_group: str = Field(..., description="Resource group of the AzureML workspace.",
                                json_schema_extra=NOT_BLANK)
    workspace_name: str = Field(..., description="Name of the AzureML workspace.",
                                json_schema_extra=NOT_BLANK)
    compute_target_name: str = Field(..., description="Name of the compute target to run on.",
                                     json_schema_extra=NOT_BLANK)
    environment_name: str | None = Field(None, description="Existing AzureML environment to use.")
    docker_base_image: str | None = Field(
        None, description="Docker base image of a new environment."
    )
    tenant_id: str | None = Field(None, description="Azure tenant ID (service principal auth).")
    service_principal_id: str | None = Field(None, description="Service principal ID.")
    service_principal_password: str | None = SecretField(
        None, description="Password of the service principal."
    )

    @field_validator("subscription_id", "resource_group", "workspace_name", "compute_target_name")
    @classmethod
    def _required_not_empty(cls, value: str) -> str:
        return _not_empty(value)
