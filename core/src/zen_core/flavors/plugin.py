"""Contributes the built-in component flavors through the ``zen_component_flavors`` hook.

Imported on every command, so it stays light: the pydantic schemas are named by
lazy ``"module:Class"`` paths and load only when a configuration is validated or
the flavors' fields are listed; each flavor names its schema's secret fields
(``secrets``), so listing and describing components load no schema. Each
description repeats the first line of its schema's docstring.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from zen_core import hookimpl
from zen_core.models import ComponentType

if TYPE_CHECKING:
    from zen_core.hook_records import Flavor

T = ComponentType
#: The built-in flavors' stack checks (ZenML 0.7.3's stack validators).
RULES = "zen_core.flavors.stack_rules"


@hookimpl
def zen_component_flavors() -> Iterator[Flavor]:
    from zen_core.hook_records import Flavor

    yield Flavor(
        type=ComponentType.ORCHESTRATOR,
        name="local",
        config_model="zen_core.flavors.orchestrators:LocalOrchestratorConfig",
        description="Runs pipelines locally, step by step.",
        secrets=(),
    )
    yield Flavor(
        type=ComponentType.ORCHESTRATOR,
        name="airflow",
        config_model="zen_core.flavors.orchestrators:AirflowOrchestratorConfig",
        description="Runs pipelines with a local Apache Airflow.",
        secrets=(),
    )
    yield Flavor(
        type=ComponentType.ORCHESTRATOR,
        name="kubeflow",
        config_model="zen_core.flavors.orchestrators:KubeflowOrchestratorConfig",
        description="Runs pipelines on Kubeflow Pipelines.",
        requires=(T.CONTAINER_REGISTRY,),
        secrets=(),
    )
    yield Flavor(
        type=ComponentType.ORCHESTRATOR,
        name="vertex",
        config_model="zen_core.flavors.orchestrators:VertexOrchestratorConfig",
        description="Runs pipelines on Google Cloud Vertex AI Pipelines.",
        secrets=(),
    )
    yield Flavor(
        type=ComponentType.METADATA_STORE,
        name="sqlite",
        config_model="zen_core.flavors.metadata_stores:SQLiteMetadataStoreConfig",
        description="Keeps pipeline metadata in a local SQLite database.",
        secrets=(),
    )
    yield Flavor(
        type=ComponentType.METADATA_STORE,
        name="mysql",
        config_model="zen_core.flavors.metadata_stores:MySQLMetadataStoreConfig",
        description="Keeps pipeline metadata in a MySQL database.",
        secrets=("password",),
    )
    yield Flavor(
        type=ComponentType.METADATA_STORE,
        name="kubeflow",
        config_model="zen_core.flavors.metadata_stores:KubeflowMetadataStoreConfig",
        description="Uses the MySQL metadata database of a Kubeflow Pipelines deployment.",
        stack_check=f"{RULES}:needs_kubeflow_orchestrator",
        secrets=("password",),
    )
    yield Flavor(
        type=ComponentType.ARTIFACT_STORE,
        name="local",
        config_model="zen_core.flavors.artifact_stores:LocalArtifactStoreConfig",
        description="Stores artifacts in a local folder.",
        secrets=(),
    )
    yield Flavor(
        type=ComponentType.ARTIFACT_STORE,
        name="s3",
        config_model="zen_core.flavors.artifact_stores:S3ArtifactStoreConfig",
        description="Stores artifacts in an AWS S3 bucket.",
        secrets=(),
    )
    yield Flavor(
        type=ComponentType.ARTIFACT_STORE,
        name="gcp",
        config_model="zen_core.flavors.artifact_stores:GCPArtifactStoreConfig",
        description="Stores artifacts in a Google Cloud Storage bucket.",
        secrets=(),
    )
    yield Flavor(
        type=ComponentType.ARTIFACT_STORE,
        name="azure",
        config_model="zen_core.flavors.artifact_stores:AzureArtifactStoreConfig",
        description="Stores artifacts in an Azure Blob Storage container.",
        secrets=(),
    )
    yield Flavor(
        type=ComponentType.CONTAINER_REGISTRY,
        name="default",
        config_model="zen_core.flavors.container_registries:DefaultContainerRegistryConfig",
        description="Pushes images to any Docker registry, local or remote.",
        secrets=(),
    )
    yield Flavor(
        type=ComponentType.STEP_OPERATOR,
        name="sagemaker",
        config_model="zen_core.flavors.step_operators:SagemakerStepOperatorConfig",
        description="Runs single steps as AWS SageMaker training jobs.",
        requires=(T.CONTAINER_REGISTRY,),
        stack_check=f"{RULES}:needs_local_orchestrator",
        secrets=(),
    )
    yield Flavor(
        type=ComponentType.STEP_OPERATOR,
        name="vertex",
        config_model="zen_core.flavors.step_operators:VertexStepOperatorConfig",
        description="Runs single steps as Google Cloud Vertex AI custom jobs.",
        requires=(T.CONTAINER_REGISTRY,),
        stack_check=f"{RULES}:vertex_step_operator",
        secrets=(),
    )
    yield Flavor(
        type=ComponentType.STEP_OPERATOR,
        name="azureml",
        config_model="zen_core.flavors.step_operators:AzureMLStepOperatorConfig",
        description="Runs single steps on an Azure Machine Learning compute target.",
        secrets=("service_principal_password",),
    )
    yield Flavor(
        type=ComponentType.SECRETS_MANAGER,
        name="local",
        config_model="zen_core.flavors.secrets_managers:LocalSecretsManagerConfig",
        description="Keeps secrets in a local YAML file (base64-encoded, not encrypted).",
        secrets=(),
    )
    yield Flavor(
        type=ComponentType.SECRETS_MANAGER,
        name="aws",
        config_model="zen_core.flavors.secrets_managers:AWSSecretsManagerConfig",
        description="Keeps secrets in AWS Secrets Manager.",
        secrets=(),
    )
    yield Flavor(
        type=ComponentType.FEATURE_STORE,
        name="feast",
        config_model="zen_core.flavors.feature_stores:FeastFeatureStoreConfig",
        description="Reads features from a Feast feature repository with a Redis online store.",
        secrets=(),
    )
    yield Flavor(
        type=ComponentType.MODEL_DEPLOYER,
        name="seldon",
        config_model="zen_core.flavors.model_deployers:SeldonModelDeployerConfig",
        description="Deploys models to Seldon Core on Kubernetes.",
        secrets=(),
    )
    yield Flavor(
        type=ComponentType.MODEL_DEPLOYER,
        name="mlflow",
        config_model="zen_core.flavors.model_deployers:MLFlowModelDeployerConfig",
        description="Deploys models as local MLflow model servers.",
        secrets=(),
    )
    yield Flavor(
        type=ComponentType.EXPERIMENT_TRACKER,
        name="mlflow",
        config_model="zen_core.flavors.experiment_trackers:MLFlowExperimentTrackerConfig",
        description="Tracks experiments with MLflow, locally or on a tracking server.",
        stack_check=f"{RULES}:mlflow_tracker",
        secrets=("tracking_password", "tracking_token"),
    )
    yield Flavor(
        type=ComponentType.EXPERIMENT_TRACKER,
        name="wandb",
        config_model="zen_core.flavors.experiment_trackers:WandbExperimentTrackerConfig",
        description="Tracks experiments with Weights & Biases.",
        secrets=("api_key",),
    )
