"""A running service and the profile it serves (issue 20): renaming or deleting that
profile is refused while it runs, naming `zenml service down`; a second `up` with other
options fails saying what differs."""

from __future__ import annotations

from zen_core.testing.cli import failed, ok
from zen_core.testing.require import posix_only
from zen_service.testing import free_port

pytestmark = posix_only("the daemon tests")


def test_the_served_profile_cannot_be_renamed_or_deleted_while_it_runs(zenml):
    port = free_port()
    ok(zenml("profile create team"))
    ok(zenml(f"service up --profile team --port {port}"))
    for command in ("profile rename team crew", "profile delete team -y",
                    "profile delete team --dry-run"):
        error = failed(zenml(command))
        assert "zenml service down" in error and f"localhost:{port}" in error, command
    assert "team" in ok(zenml("profile list")).stdout
    ok(zenml("profile rename default other"))  # a profile it does not serve
    ok(zenml("service down"))  # the hint, run
    ok(zenml("profile rename team crew"))
    ok(zenml("profile delete crew -y"))


def test_up_with_other_options_says_what_differs(zenml):
    port = free_port()
    ok(zenml(f"service up --port {port}"))
    same = ok(zenml(f"service up --port {port}"))
    assert "already running" in same.stderr
    assert "already running" in ok(zenml("service up")).stderr  # nothing asked: no conflict
    error = failed(zenml(f"service up --port {port + 1} --max-body-mib 2"))
    assert f"--port {port + 1} (it runs with {port})" in error
    assert "--max-body-mib 2 (it runs with 16)" in error
    assert "zenml service down" in error
