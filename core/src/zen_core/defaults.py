"""The ``default`` stack every new profile gets, and the default store type."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from zen_core import env
from zen_core.models import Component, ComponentType

ENV_DEFAULT_STORE_TYPE = env.DEFAULT_STORE_TYPE
DEFAULT_PROFILE = "default"
DEFAULT_STACK = "default"


def default_store_type() -> str:
    return os.environ.get(ENV_DEFAULT_STORE_TYPE) or "local"


def default_stack_components(config_directory: Path) -> list[Component]:
    """Local orchestrator, SQLite metadata store and a fresh local artifact store folder."""
    artifact_uuid = str(uuid.uuid4())
    artifact_path = config_directory / "local_stores" / artifact_uuid
    return [
        Component(ComponentType.ORCHESTRATOR, "local", DEFAULT_STACK),
        Component(
            ComponentType.METADATA_STORE,
            "sqlite",
            DEFAULT_STACK,
            {"uri": str(artifact_path / "metadata.db")},
        ),
        Component(
            ComponentType.ARTIFACT_STORE,
            "local",
            DEFAULT_STACK,
            {"path": str(artifact_path)},
            uuid=artifact_uuid,
        ),
    ]
