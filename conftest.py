"""Every test in this repository runs isolated from the person's own zen config."""

import os

import pytest


@pytest.fixture(scope="session", autouse=True)
def _no_writes_outside_zenml_config_path(tmp_path_factory):
    """Point the platform config folder into the test run; fail if zen wrote there.

    A test that loses ``ZENML_CONFIG_PATH`` (say, by undoing every monkeypatch)
    would otherwise create ``~/.config/zenml`` on the machine running the tests.
    """
    fallback = tmp_path_factory.mktemp("platform-config")
    saved = os.environ.get("XDG_CONFIG_HOME")
    os.environ["XDG_CONFIG_HOME"] = str(fallback)
    yield
    if saved is None:
        os.environ.pop("XDG_CONFIG_HOME", None)
    else:
        os.environ["XDG_CONFIG_HOME"] = saved
    assert not (fallback / "zenml").exists(), (
        f"a test wrote zen's config to the platform folder {fallback / 'zenml'} "
        "instead of ZENML_CONFIG_PATH"
    )


@pytest.fixture(autouse=True)
def _isolated_zen(zen_home):
    yield zen_home
