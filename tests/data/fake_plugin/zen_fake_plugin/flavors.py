from zen_core.flavors.base import FlavorConfig, SecretField


class FakeOrchestratorConfig(FlavorConfig):
    """Runs pipelines on a fake cluster."""

    cluster: str
    replicas: int = 1
    # A declared secret whose name does not look secret (no "password", "token",
    # "credential"...): masked only because the schema declares it.
    kubeconfig: str | None = SecretField(
        None, description="The fake cluster's kubeconfig (it holds a client key).")


def needs_cloud_artifacts(stack):
    """The fake cluster cannot read a local artifact store."""
    if stack.flavor("artifact_store") == "local":
        return "the fake cluster cannot read a local artifact store"
    return None
