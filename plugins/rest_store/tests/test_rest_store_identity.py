"""The key of the service this machine runs goes to that service only (issue 9, item 6).

With the service stopped, another program listens on its port; a rest profile for the
local service must not send it the key from service.json, even when that program answers
``/health`` with everything the real service answered before (its pid and instance id).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from zen_core.testing.require import posix_only, require_modules

# Skipped without zen-service; failed instead under ZEN_REQUIRE_PLUGINS=1 (CI).
require_modules("zen_service")

from zen_core.testing.cli import ok  # noqa: E402
from zen_service.state import read_state  # noqa: E402
from zen_service.testing import free_port  # noqa: E402

pytestmark = posix_only("the daemon tests")


class Impostor:
    """Listens on ``port`` and answers every request with ``answer`` (JSON), recording the
    Authorization header of each."""

    def __init__(self, port: int, answer: dict) -> None:
        self.seen: list[tuple[str, str | None]] = []
        impostor = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                impostor.seen.append((self.path, self.headers.get("Authorization")))
                body = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_PATCH = do_DELETE = do_GET

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_the_key_goes_to_the_service_only(zenml, zen_home):
    port = free_port()
    ok(zenml(f"service up --port {port}"))
    ok(zenml(f"profile create remote --type rest --url http://localhost:{port}"))
    remote = {"ZENML_ACTIVATED_PROFILE": "remote"}
    assert "default" in ok(zenml("stack list", env=remote)).stdout
    # What the real service told anyone who asked, while it ran:
    replay = requests.get(f"http://127.0.0.1:{port}/health", timeout=5).json()
    replay["proof"] = "0" * 64
    ok(zenml("service down"))
    key = read_state(zen_home).token

    impostor = Impostor(port, replay)
    try:
        result = zenml("stack list", env=remote)
    finally:
        impostor.close()
    assert result.exit_code == 1
    assert [line for line in result.stderr.splitlines() if line.startswith("Error:")] == [
        f"Error: The program answering at http://localhost:{port} is not the zen service "
        "this machine started (it could not prove the instance recorded in service.json), "
        "so its key was not sent. Check with `zenml service status`, and restart it with "
        "`zenml service up` if it is not running. Meanwhile other profiles still work: "
        "`--profile default` runs one command with one (or unset ZENML_ACTIVATED_PROFILE)."]
    assert impostor.seen, "the client did not even ask"
    assert all(path.startswith("/health?challenge=") for path, _ in impostor.seen)
    assert all(auth is None for _, auth in impostor.seen)
    assert key not in result.output

    # The service back on its port: the profile works again, with the same key.
    ok(zenml(f"service up --port {port}"))
    assert read_state(zen_home).token == key
    assert "default" in ok(zenml("stack list", env=remote)).stdout
