"""The stack rules of the built-in flavors (ZenML 0.7.3's stack validators).

Each check receives the stack being written (:class:`zen_core.records.StackView`)
and returns why it cannot run with the flavor's component, or None. Flavor
records name them lazily (``"zen_core.flavors.stack_rules:..."``); component
types a flavor simply needs are declared with ``Flavor(requires=...)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zen_core.models import ComponentType

if TYPE_CHECKING:
    from zen_core.records import StackView

T = ComponentType


def needs_kubeflow_orchestrator(stack: StackView) -> str | None:
    """The kubeflow metadata store reads Kubeflow Pipelines' own database."""
    if stack.flavor(T.ORCHESTRATOR) != "kubeflow":
        return "it needs a kubeflow orchestrator (it uses Kubeflow Pipelines' metadata)"
    return None


def needs_local_orchestrator(stack: StackView) -> str | None:
    """SageMaker and Vertex step operators run steps from a local orchestrator."""
    if stack.flavor(T.ORCHESTRATOR) != "local":
        return "it needs a local orchestrator"
    return None


def vertex_step_operator(stack: StackView) -> str | None:
    """Vertex AI jobs read and write artifacts in Google Cloud Storage."""
    problem = needs_local_orchestrator(stack)
    if problem is None and stack.flavor(T.ARTIFACT_STORE) != "gcp":
        problem = "it needs a gcp artifact store"
    return problem


def mlflow_tracker(stack: StackView) -> str | None:
    """Without a tracking server, MLflow keeps its runs in the local artifact store."""
    tracker = stack.members.get(T.EXPERIMENT_TRACKER)
    if tracker is not None and not tracker.config.get("tracking_uri") and \
            stack.flavor(T.ARTIFACT_STORE) != "local":
        return "without a tracking_uri it needs a local artifact store"
    return None
