"""The README's team set-up, end to end through `zenml`: an admin on the service's machine
makes users, keys and roles through a rest profile; a colleague elsewhere works with their
own key, sees what their role lets them, and is shut out when the key is revoked."""

from __future__ import annotations

import requests

from zen_core.testing.require import posix_only, require_modules

# Skipped without zen-service; failed instead under ZEN_REQUIRE_PLUGINS=1 (CI).
require_modules("zen_service")

from zen_core.testing.cli import ok  # noqa: E402
from zen_core.testing.helpers import changed_within  # noqa: E402
from zen_service.testing import free_port  # noqa: E402

pytestmark = posix_only("the daemon tests")


def error(result) -> str:
    assert result.exit_code == 1, result.output
    [line] = [x for x in result.stderr.splitlines() if x.startswith("Error:")]
    return line


def test_a_team_works_with_users_keys_and_roles(zenml, zen_home, tmp_path):
    port = free_port()
    ok(zenml(f"service up --port {port}"))
    ok(zenml(f"profile create team --type rest --url http://localhost:{port}"))
    admin = {"ZENML_ACTIVATED_PROFILE": "team"}
    assert ok(zenml("whoami", env=admin)).stdout.startswith(
        "User 'default' (admin) on profile 'team'")
    ok(zenml("user create alice", env=admin))
    ok(zenml("role assign viewer --user alice", env=admin))
    created = ok(zenml("user key create alice --name laptop --expires-in 30d", env=admin))
    key = created.stdout.strip()
    assert key.startswith("zen_") and "not shown again" in created.stderr
    ok(zenml("experiment-tracker register ml -t mlflow --tracking_uri=https://mlflow.example "
             "--tracking_token=s3cr3t", env=admin))

    laptop = {"ZENML_CONFIG_PATH": str(tmp_path / "laptop")}
    ok(zenml(f"profile create team --type rest --url http://localhost:{port} --token {key}",
             env=laptop))
    ok(zenml("profile set team", env=laptop))
    assert ok(zenml("whoami", env=laptop)).stdout.strip() == (
        "User 'alice' (viewer) on profile 'team': as its store knows API key 'laptop'.")
    api = f"http://127.0.0.1:{port}/api/v1"

    def as_alice(path: str) -> str:  # the CLI masks secrets for everyone: ask the API itself
        return requests.get(api + path, headers={"Authorization": f"Bearer {key}"},
                            timeout=5).text

    # the token went into the tracker's own secret; the tracker keeps a reference to it
    tracker = as_alice("/components/experiment_tracker/ml")
    assert "s3cr3t" not in tracker
    assert '"tracking_token": "{{experiment-tracker-ml.tracking_token}}"' in tracker
    secret = as_alice("/secrets/experiment-tracker-ml")
    assert "s3cr3t" not in secret and '"tracking_token": "********"' in secret
    assert error(zenml("orchestrator register o -t local", env=laptop)) == (
        "Error: User 'alice' (viewer) may not write stacks and components: that needs the "
        "'editor' role. An admin can give it with `zenml role assign editor --user alice`.")
    assert "needs the 'admin' role" in error(zenml("user key list alice", env=laptop))

    ok(zenml("role assign editor --user alice", env=admin))
    me = f"http://127.0.0.1:{port}/api/v1/me"
    changed_within(1.0, lambda: requests.get(me, headers={"Authorization": f"Bearer {key}"},
                                             timeout=5).json()["roles"] == ["viewer"],
                   "the service still saw alice as a viewer")  # roles read again within 1 s
    ok(zenml("orchestrator register o -t local", env=laptop))
    assert "s3cr3t" in as_alice("/secrets/experiment-tracker-ml")  # an editor reads secrets
    listed = ok(zenml("user key list alice --output json", env=admin)).stdout
    assert '"last_used": "20' in listed and key not in listed

    history = ok(zenml("history --output json --limit 3", env=admin)).stdout
    assert '"actor": "alice"' in history and "s3cr3t" not in history

    ok(zenml("user key revoke alice laptop", env=admin))
    changed_within(1.0, lambda: requests.get(me, headers={"Authorization": f"Bearer {key}"},
                                             timeout=5).status_code == 200,
                   "the revoked key was still accepted")
    assert error(zenml("stack list", env=laptop)).startswith(
        "Error: The API key is not valid (unknown, revoked or mistyped).")
