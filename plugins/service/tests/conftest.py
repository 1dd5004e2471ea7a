"""Fixtures: ``zenml`` in a real process, with the services it starts stopped afterwards."""

from __future__ import annotations

import pytest


@pytest.fixture
def zenml(zen_home, zen_process):
    """``zen_process`` (config in ``zen_home``); every service it started is stopped at the end."""
    yield zen_process
    from zen_service.manager import stop_service

    stop_service(zen_home)
