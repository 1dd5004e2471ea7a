"""The spec holds against a live service: schemathesis, every check, positive and negative data.

A real daemon (``zenml service up``'s) serves a local profile and a SQLite
profile; schemathesis reads its ``/openapi.json`` and sends generated requests
with an admin key and with a viewer key. Every check is on: no 5xx; statuses,
headers, content types and bodies as documented; a request the spec allows is
accepted, one it forbids is refused with a 4xx (issue 17).

A request the spec allows may still meet the store's state: a record that is
not there (404), a name taken or a record in use (409), a stale ``If-Match``
(412), a role the key's user lacks (403). Three rules depend on stored records
too and no schema can say them, so only the operations that meet them may answer
a valid request with 422: a stack rule over the members' flavors (stacks), a
configuration change checked against the component's stored flavor (components),
and a batch, whose writes each see the ones before.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from zen_core.testing.helpers import profile_store
from zen_core.testing.require import posix_only, require_modules
from zen_service.testing import add_user_key, running_service

pytestmark = posix_only("the daemon tests")

#: Examples per operation and generation mode, so that each profile and key costs about
#: 10 s of CPU (the coverage phase adds the boundary cases: limit=0, a missing If-Match...).
MAX_EXAMPLES = 5
#: The statuses a valid request may get from the state of the store (see the docstring).
STATE = ["2XX", "401", "403", "404", "409", "412"]
#: Operations whose valid requests may break a rule over stored records (422).
STATE_RULES = ["register_stack", "update_stack", "update_component", "apply_batch"]
#: Operations whose body is one of many variants.
MANY_VARIANTS = ["register_component", "apply_batch"]


@pytest.fixture(scope="module", params=["local", "sqlite"])
def service(request, tmp_path_factory):
    """A daemon serving a profile of the given store type: (base URL, admin key, viewer
    key). The profile's default stack is there, so that reads find something and writes
    collide."""
    from zen_core.client import Client

    if request.param == "sqlite":
        require_modules("zen_sql_store")  # skips, or fails under ZEN_REQUIRE_PLUGINS
    folder = tmp_path_factory.mktemp(f"fuzz-{request.param}") / "config"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ZENML_CONFIG_PATH", str(folder))
        env.delenv("ZENML_STORE_TOKEN", raising=False)
        client = Client(config_directory=folder, cwd=folder.parent).prepare()
        client.create_profile("fuzzed", store_type="sql" if request.param == "sqlite" else "local")
        with running_service(folder, "fuzzed") as state:
            store = profile_store("fuzzed", folder)
            # Not a name the schema's examples give, so that a fuzzed batch does not delete it.
            viewer = add_user_key(store, "fuzz-viewer-7", "viewer")
            store.close()
            yield state.url, state.token, viewer


def _config(folder) -> str:
    """schemathesis.toml: the statuses a valid request may get (see the docstring), and no
    coverage phase for the two operations whose bodies are one of many variants (a
    flavor's, a write's): it enumerates thousands of cases there; fuzzing covers them."""
    def strings(values):
        return "[" + ", ".join(f'"{v}"' for v in values) + "]"

    path = folder / "schemathesis.toml"
    path.write_text(
        "[checks.positive_data_acceptance]\n"
        f"expected-statuses = {strings(STATE)}\n\n"
        "[[operations]]\n"
        f"include-operation-id = {strings(STATE_RULES)}\n"
        f"checks.positive_data_acceptance.expected-statuses = {strings([*STATE, '422'])}\n\n"
        "[[operations]]\n"
        f"include-operation-id = {strings(MANY_VARIANTS)}\n"
        "phases.coverage.enabled = false\n")
    return str(path)


@pytest.mark.parametrize("role", ["admin", "viewer"])
def test_the_service_keeps_its_spec(service, role, tmp_path):
    """``schemathesis run --checks all --mode all``: no 5xx, every status, header and body
    as documented, the spec's bounds enforced; 0 failures."""
    url, admin, viewer = service
    key = admin if role == "admin" else viewer
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", _config(tmp_path),
        "run", f"{url}openapi.json", "--checks", "all", "--mode", "all",
        # The key as a header of every request: schemathesis then does not count a
        # request whose generated Authorization header it replaced as one to refuse.
        "--header", f"Authorization: Bearer {key}",
        "--max-examples", str(MAX_EXAMPLES), "--generation-deterministic",
        "--workers", "1", "--no-color",
        "--suppress-health-check", "all",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    output = (done.stdout + done.stderr).replace(key, "<key>")
    assert done.returncode == 0, output[-20000:]
    # Every operation was tested, none skipped for want of data.
    selected = re.search(r"Selected: (\d+)/(\d+)", output)
    tested = re.search(r"Tested: (\d+)", output)
    assert selected and tested, output[-3000:]
    assert selected.group(1) == selected.group(2) == tested.group(1), output[-3000:]
