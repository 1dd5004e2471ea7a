"""zen_core.testing.require: a missing prerequisite skips, or fails where a switch is on."""

from __future__ import annotations

import importlib.util

import pytest

from zen_core.testing.require import (
    PLUGINS,
    posix_only,
    require_modules,
    require_programs,
    skip_or_fail,
)


@pytest.mark.parametrize("value", ["", "0"])
def test_a_missing_plugin_skips_without_the_switch(monkeypatch, value):
    monkeypatch.setenv(PLUGINS, value)
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "zen_service" else real(name, *a))
    with pytest.raises(pytest.skip.Exception, match=r"^needs zen-service, which is not installed$"):
        require_modules("zen_core", "zen_service")


def test_a_missing_plugin_fails_under_the_switch(monkeypatch):
    monkeypatch.setenv(PLUGINS, "1")
    with pytest.raises(pytest.fail.Exception) as info:
        require_modules("zen_no_such_module")
    assert str(info.value) == (
        "needs zen_no_such_module, which is not installed, and ZEN_REQUIRE_PLUGINS is set: "
        "this test must run.")


def test_installed_modules_pass(monkeypatch):
    monkeypatch.setenv(PLUGINS, "1")
    require_modules("zen_core", "zen_local_store")


def test_any_switch(monkeypatch):
    monkeypatch.setenv("ZEN_REQUIRE_SOMETHING", "yes")
    with pytest.raises(pytest.fail.Exception, match="port 8000 is taken"):
        skip_or_fail("port 8000 is taken", "ZEN_REQUIRE_SOMETHING")
    monkeypatch.delenv("ZEN_REQUIRE_SOMETHING")
    with pytest.raises(pytest.skip.Exception):
        skip_or_fail("port 8000 is taken", "ZEN_REQUIRE_SOMETHING")


def test_a_missing_program_skips_or_fails(monkeypatch):
    monkeypatch.setenv(PLUGINS, "0")
    with pytest.raises(pytest.skip.Exception,
                       match=r"^needs zen-no-such-program, which is not on the PATH$"):
        require_programs("sh", "zen-no-such-program")
    monkeypatch.setenv(PLUGINS, "1")
    with pytest.raises(pytest.fail.Exception, match="ZEN_REQUIRE_PLUGINS is set"):
        require_programs("zen-no-such-program")
    require_programs("sh")


def test_posix_only_skips_on_windows_alone(monkeypatch):
    import os

    marker = posix_only("signals")
    assert marker.kwargs["reason"] == "POSIX only: signals"
    assert marker.args == (os.name == "nt",)


def test_a_test_that_leaks_an_environment_variable_fails(tmp_path):
    """zen's pytest plugin (as tox's) fails a test that leaves os.environ changed."""
    import subprocess
    import sys

    (tmp_path / "test_leaky.py").write_text(
        "import os\n\n"
        "def test_leaks():\n    os.environ['ZEN_LEAKED_BY_A_TEST'] = '1'\n\n"
        "def test_tidy(monkeypatch):\n    monkeypatch.setenv('ZEN_SET_TIDILY', '1')\n"
        "    assert 'ZEN_LEAKED_BY_A_TEST' not in os.environ\n")
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          "-p", "no:randomly", "test_leaky.py"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert "2 passed, 1 error" in run.stdout, run.stdout  # test_leaks errs at teardown
    assert "left environment variables changed: ZEN_LEAKED_BY_A_TEST" in run.stdout
