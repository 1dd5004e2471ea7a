"""MkDocs hooks: the CLI reference imports zen's commands, so keep zen away from the
builder's own config folder (plugin discovery caches files there)."""

from __future__ import annotations

import os
import tempfile

_folder: tempfile.TemporaryDirectory | None = None


def on_startup(command: str, dirty: bool) -> None:
    global _folder
    if "ZENML_CONFIG_PATH" not in os.environ:
        _folder = tempfile.TemporaryDirectory(prefix="zen-docs-")
        os.environ["ZENML_CONFIG_PATH"] = _folder.name
