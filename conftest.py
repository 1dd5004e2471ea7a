"""Every test in this repository runs isolated from the person's own zen config."""

import pytest


@pytest.fixture(autouse=True)
def _isolated_zen(zen_home):
    yield zen_home
