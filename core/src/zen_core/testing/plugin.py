"""The pytest plugin (entry point ``pytest11``): fixtures every zen test suite can use."""

from __future__ import annotations

import pytest

from zen_core.plugins import reset_plugin_manager

ZEN_ENVIRONMENT = (
    "ZENML_CONFIG_PATH",
    "ZENML_REPOSITORY_PATH",
    "ZENML_ACTIVATED_PROFILE",
    "ZENML_ACTIVATED_STACK",
    "ZENML_DEFAULT_STORE_TYPE",
    "ZENML_STORE_TOKEN",
    "ZENML_DEBUG",
)


@pytest.fixture
def zen_home(tmp_path, monkeypatch):
    """An isolated zen: config in ``tmp_path/config``, cwd ``tmp_path/work``, clean env."""
    for name in ZEN_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "config"
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.setenv("ZENML_CONFIG_PATH", str(config))
    monkeypatch.chdir(work)
    reset_plugin_manager()
    yield config
    reset_plugin_manager()
