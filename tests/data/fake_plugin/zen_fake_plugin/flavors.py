from zen_core.flavors.base import FlavorConfig, SecretField


class FakeOrchestratorConfig(FlavorConfig):
    """Runs pipelines on a fake cluster."""

    cluster: str
    replicas: int = 1
    # A declared secret whose name does not look secret: masked because it is declared.
    credentials: str | None = SecretField(None, description="Login for the fake cluster.")
