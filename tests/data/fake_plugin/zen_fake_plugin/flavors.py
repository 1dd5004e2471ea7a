from zen_core.flavors.base import FlavorConfig, SecretField


class FakeOrchestratorConfig(FlavorConfig):
    """Runs pipelines on a fake cluster."""

    cluster: str
    replicas: int = 1
    #: a secret whose name does not look like one: masked because the schema says so
    credentials: str | None = SecretField(None)


def needs_cloud_artifacts(stack):
    """The fake cluster cannot read a local artifact store."""
    if stack.flavor("artifact_store") == "local":
        return "the fake cluster cannot read a local artifact store"
    return None
