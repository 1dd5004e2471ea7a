from zen_core.flavors.base import FlavorConfig


class FakeOrchestratorConfig(FlavorConfig):
    """Runs pipelines on a fake cluster."""

    cluster: str
    replicas: int = 1
