"""``zenml service run``: the service in the foreground, as systemd or a container runs it
(issue 21: before, there was only the background daemon of ``up``).

It logs on stderr, stops gracefully on SIGTERM (the request in flight finishes, then exit
0), says for ``--drain-seconds`` that it stops (``/ready`` 503) while it still serves, and
exits 1 with one ``Error:`` line when it cannot serve.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from zen_core.client import Client
from zen_core.testing.helpers import profile_store
from zen_service.testing import add_user_key, bearer, free_port, wait_until_answers

pytestmark = pytest.mark.skipif(os.name == "nt", reason="signals: POSIX only")

ZENML = str(Path(sys.executable).parent / "zenml")
KEY = "zen_0000000000c1_run-in-the-foreground-0123456789"


def _start(zen_home: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([ZENML, "service", "run", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "ZENML_CONFIG_PATH": str(zen_home)})


def _wait_until_serving(process: subprocess.Popen, port: int) -> None:
    wait_until_answers(f"http://127.0.0.1:{port}/health", process)


@pytest.fixture
def served(zen_home):
    """The default profile, with an admin key (``run`` makes none)."""
    Client().prepare()
    add_user_key(profile_store(), "ops", "admin", key=KEY)
    return zen_home


def test_run_serves_in_the_foreground_and_stops_on_sigterm_after_the_request_in_flight(
        served):
    from filelock import FileLock

    port = free_port()
    process = _start(served, "--port", str(port))
    try:
        _wait_until_serving(process, port)
        assert requests.get(f"http://127.0.0.1:{port}/ready", timeout=5).ok
        assert requests.get(f"http://127.0.0.1:{port}/api/v1/stacks", timeout=5) \
            .status_code == 401
        lock = FileLock(str(served / "profiles" / "default" / "stacks.yaml") + ".lock")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        answers: list[int] = []
        with lock:  # the request waits for the store's lock: it is in flight
            connection.request("POST", "/api/v1/components", headers={
                **bearer(KEY), "Content-Type": "application/json"}, body=json.dumps(
                {"type": "orchestrator", "flavor": "local", "name": "in-flight"}))
            reader = threading.Thread(
                target=lambda: answers.append(connection.getresponse().status))
            reader.start()
            # a connection made after the request's is answered: a worker holds it
            assert requests.get(f"http://127.0.0.1:{port}/health", timeout=5).ok
            process.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 10
            while _answers(port):  # until it stops taking new connections
                assert time.monotonic() < deadline, "still takes new connections"
                time.sleep(0.05)
            assert process.poll() is None, "it did not wait for the request in flight"
        reader.join(30)
        _, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert answers == [201]
    assert process.returncode == 0, err
    assert f"Serving profile 'default' on http://127.0.0.1:{port}" in err
    assert "Refused GET /api/v1/stacks from 127.0.0.1: No API key given." in err
    assert err.rstrip().endswith("Stopped.")
    assert not (served / "service.json").exists()  # `up`'s state is not `run`'s business
    names = [c.name for c in profile_store().list_components()]
    assert "in-flight" in names


def _answers(port: int) -> bool:
    try:
        requests.get(f"http://127.0.0.1:{port}/health", timeout=2)
        return True
    except requests.ConnectionError:
        return False


def test_while_it_drains_it_serves_but_is_not_ready(served):
    port = free_port()
    process = _start(served, "--port", str(port), "--drain-seconds", "30")
    try:
        _wait_until_serving(process, port)
        process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        while (ready := requests.get(f"http://127.0.0.1:{port}/ready", timeout=5)).ok:
            assert time.monotonic() < deadline, "/ready still says ready"
            time.sleep(0.05)
        assert ready.status_code == 503
        assert ready.json()["reason"] == "The service is stopping."
        assert requests.get(f"http://127.0.0.1:{port}/api/v1/stacks/default",
                            headers=bearer(KEY), timeout=5).status_code == 200
        assert process.poll() is None
        process.send_signal(signal.SIGTERM)  # a second one does not wait any longer
        _, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err


def test_run_exits_1_when_the_port_is_taken(served):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = _start(served, "--port", str(port))
        _, err = process.communicate(timeout=60)
    assert process.returncode == 1
    assert err.strip().splitlines()[-1] == (
        f"Error: Port {port} on 127.0.0.1 is already in use (another zen service or another "
        "program). Choose another port with --port.")


def test_run_exits_1_for_an_unknown_profile(served):
    process = _start(served, "--profile", "nope", "--port", str(free_port()))
    _, err = process.communicate(timeout=60)
    assert process.returncode == 1
    assert err.strip().splitlines()[-1].startswith("Error: ")
    assert "nope" in err and "Traceback" not in err
