"""``zenml service up/status/down`` end to end: a real daemon in the background."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from zen_core.config import GlobalConfig, Profile
from zen_core.testing.cli import usage_error
from zen_core.testing.require import DEFAULT_PORT, posix_only, skip_or_fail
from zen_service.manager import health
from zen_service.state import display_url, instance_id, is_service_process, read_state
from zen_service.testing import free_port

pytestmark = posix_only("signals and /proc")

PROVISIONING = "Provisioning resources for service 'zen_service'."


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def daemons_on(port: int) -> list[int]:
    """Pids of zen service daemons started for ``port`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"zen_service.daemon" in argv and str(port).encode() in argv and \
                is_service_process(int(entry.name)):
            found.append(int(entry.name))
    return found


def wait_dead(pid: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while is_service_process(pid):
        assert time.monotonic() < deadline, f"pid {pid} still alive"
        time.sleep(0.05)


def test_up_status_down(zenml, zen_home):
    port = free_port()
    assert lines(zenml("service status").stdout) == [
        "The zen service is not running. Start it with `zenml service up`."]

    up = zenml(f"service up --port {port}")
    assert up.exit_code == 0, up.output
    assert lines(up.stderr) == [PROVISIONING, f"Zenml Service running at 'http://localhost:{port}/'."]
    assert up.stdout == ""

    path = zen_home / "service.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    saved = json.loads(path.read_text())
    assert set(saved) == {"url", "host", "port", "profile", "token", "pid", "instance",
                          "tls_cert", "tls_key", "options"}
    assert saved["url"] == f"http://localhost:{port}/"
    assert (saved["host"], saved["port"], saved["profile"]) == ("127.0.0.1", port, "default")
    assert saved["token"].startswith("zen_") and len(saved["token"]) >= 50
    assert saved["tls_cert"] is saved["tls_key"] is None
    pid = saved["pid"]
    assert is_service_process(pid)
    answer = health("127.0.0.1", port)
    assert answer["pid"] == pid and answer["instance"] == instance_id(saved["instance"])
    assert saved["instance"] not in json.dumps(answer)
    # The key is an admin key of the profile's user, made by `up` through the domain layer.
    me = requests.get(f"http://127.0.0.1:{port}/api/v1/me", timeout=5,
                      headers={"Authorization": f"Bearer {saved['token']}"}).json()
    assert (me["user"], me["roles"], me["key"]["name"]) == ("default", ["admin"], "service")

    status = zenml("service status")
    assert lines(status.stdout) == [
        f"The zen service is running at 'http://localhost:{port}/' (pid {pid}), serving "
        "profile 'default'."]
    assert "Token" not in status.output
    shown = zenml("service status --show-token")
    assert lines(shown.stdout)[-1] == f"Token: {saved['token']}"
    as_json = json.loads(zenml("service status --output json").stdout)
    assert as_json["status"] == "running" and as_json["pid"] == pid and "token" not in as_json
    # `zenml status` has the service's row from its zen_status hook (no stdout scraped)
    overall = json.loads(zenml("status --output json").stdout)["services"]["service"]
    assert (overall["status"], overall["pid"], overall["url"]) == (
        "running", pid, f"http://localhost:{port}/") and "token" not in overall
    assert f"running at http://localhost:{port}/ (pid {pid}), serving profile 'default'" \
        in zenml("status").stdout

    again = zenml(f"service up --port {port + 1} --profile default")
    assert again.exit_code == 1  # another port than the running one's: says so (issue 20)
    assert "already running" in again.stderr and f"(pid {pid})" in again.stderr
    assert PROVISIONING not in again.stderr
    assert read_state(zen_home).pid == pid
    assert daemons_on(port + 1) == []

    down = zenml("service down")
    assert down.exit_code == 0, down.output
    assert lines(down.stderr) == [f"Zenml Service at 'http://localhost:{port}/' stopped."]
    wait_dead(pid, 1)
    after = json.loads(path.read_text())
    assert after["pid"] is None and after["token"] == saved["token"]
    assert "not running" in zenml("service status").stdout
    assert lines(zenml("service down").stderr) == ["The zen service is not running."]

    # A restart keeps the key, so clients keep working; the run's secret is new.
    assert zenml(f"service up --port {port}").exit_code == 0
    restarted = read_state(zen_home)
    assert restarted.token == saved["token"] and restarted.pid != pid
    assert restarted.instance != saved["instance"]


def test_a_killed_service_is_reported_gone_and_up_starts_a_fresh_one(zenml, zen_home):
    port = free_port()
    assert zenml(f"service up --port {port}").exit_code == 0
    pid = read_state(zen_home).pid
    os.kill(pid, signal.SIGKILL)
    wait_dead(pid)

    status = zenml("service status")
    assert status.exit_code == 3  # not running (issue 10)
    assert lines(status.stdout) == [
        f"The zen service is not running: its process (pid {pid}) is gone. Start it again "
        "with `zenml service up`."]
    assert read_state(zen_home).pid is None  # status cleaned up

    up = zenml(f"service up --port {port}")
    assert up.exit_code == 0, up.output
    assert "running at" in up.stderr
    fresh = read_state(zen_home).pid
    assert fresh != pid and health("127.0.0.1", port)["pid"] == fresh


def test_down_after_kill_says_it_was_gone(zenml, zen_home):
    assert zenml(f"service up --port {free_port()}").exit_code == 0
    pid = read_state(zen_home).pid
    os.kill(pid, signal.SIGKILL)
    wait_dead(pid)
    down = zenml("service down")
    assert down.exit_code == 0
    assert f"pid {pid}) was gone" in down.stderr
    assert read_state(zen_home).pid is None


def test_a_service_that_does_not_answer(zenml, zen_home):
    port = free_port()
    assert zenml(f"service up --port {port}").exit_code == 0
    pid = read_state(zen_home).pid
    os.kill(pid, signal.SIGSTOP)
    try:
        status = zenml("service status")
        assert lines(status.stdout) == [
            f"The zen service process (pid {pid}) is running but does not answer at "
            f"'http://localhost:{port}/'. Restart it with `zenml service down` and "
            "`zenml service up`."]
        assert json.loads(zenml("service status --output json").stdout)["status"] == \
            "not responding"
    finally:
        os.kill(pid, signal.SIGCONT)
    assert "is running at" in zenml("service status").stdout


def _assert_nothing_left(zen_home: Path, port: int) -> None:
    assert not (zen_home / "service.json").exists()
    assert daemons_on(port) == []


def test_port_in_use(zenml, zen_home):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        up = zenml(f"service up --port {port}")
    assert up.exit_code == 1
    assert lines(up.stderr) == [
        PROVISIONING,
        f"Error: Port {port} on 127.0.0.1 is already in use (another zen service or another "
        "program). Choose another port with --port.",
    ]
    assert "Traceback" not in up.output
    _assert_nothing_left(zen_home, port)


def test_port_taken_by_another_zen_service(zenml, zen_home, tmp_path):
    port = free_port()
    other = {"ZENML_CONFIG_PATH": str(tmp_path / "other")}
    assert zenml(f"service up --port {port}", env=other).exit_code == 0
    try:
        up = zenml(f"service up --port {port}")
        assert up.exit_code == 1
        assert "already in use" in up.stderr
        assert not (zen_home / "service.json").exists()
        assert len(daemons_on(port)) == 1  # only the other one
    finally:
        assert zenml("service down", env=other).exit_code == 0


def test_unknown_profile(zenml, zen_home):
    port = free_port()
    up = zenml(f"service up --profile nope --port {port}")
    assert up.exit_code == 1
    assert lines(up.stderr) == [
        "Error: Profile 'nope' does not exist. Available profiles: default."]
    _assert_nothing_left(zen_home, port)


def test_a_rest_profile_cannot_be_served(zenml, zen_home):
    zenml("profile list")  # creates the default profile
    GlobalConfig(zen_home).save_profile(
        Profile("remote", store_type="rest", store_url="http://localhost:1"))
    port = free_port()
    for args in (f"service up --profile remote --port {port}", f"service up --port {port}"):
        env = {"ZENML_ACTIVATED_PROFILE": "remote"} if "--profile" not in args else None
        up = zenml(args, env=env)
        assert up.exit_code == 1, args
        assert lines(up.stderr) == [
            "Error: Profile 'remote' uses the rest store type: a zen service serves a local "
            "or sql profile, not another service. Choose one with --profile."]
        _assert_nothing_left(zen_home, port)


def test_the_state_of_a_failed_start_is_kept_as_it_was(zenml, zen_home):
    port = free_port()
    assert zenml(f"service up --port {port}").exit_code == 0
    assert zenml("service down").exit_code == 0
    before = (zen_home / "service.json").read_text()
    assert zenml(f"service up --profile nope --port {port}").exit_code == 1
    assert (zen_home / "service.json").read_text() == before


def test_a_bad_port_is_a_usage_error(zenml, zen_home):
    result = zenml("service up --port 70000")
    assert usage_error(result) == (  # a usage error (issue 10)
        "Error: Invalid value for '--port': 70000 is not in the range 1<=x<=65535. "
        "(see `zenml service up --help`)")
    assert not (zen_home / "service.json").exists()


def test_down_lets_the_request_in_flight_finish(zenml, zen_home):
    """A request waiting for the store's lock when `down` comes still completes."""
    import http.client

    from filelock import FileLock

    port = free_port()
    assert zenml(f"service up --port {port}").exit_code == 0
    state = read_state(zen_home)
    lock = FileLock(str(zen_home / "profiles" / "default" / "stacks.yaml") + ".lock")
    results: list[tuple[int, dict]] = []
    body = json.dumps({"type": "orchestrator", "flavor": "local", "name": "in-flight"})
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def answer() -> None:
        response = connection.getresponse()
        results.append((response.status, json.loads(response.read())))

    def health_answers() -> bool:
        try:
            return requests.get(f"http://127.0.0.1:{port}/health", timeout=5).ok
        except requests.ConnectionError:
            return False

    with lock:
        connection.request("POST", "/api/v1/components", body=body, headers={
            "Authorization": f"Bearer {state.token}", "Content-Type": "application/json"})
        request = threading.Thread(target=answer)
        request.start()
        # A connection made after the request's is answered: the request has been taken
        # by a worker, which now waits for the lock (no fixed sleep: the machine may be slow).
        assert health_answers()
        down = subprocess.Popen(
            [str(Path(sys.executable).parent / "zenml"), "service", "down"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "ZENML_CONFIG_PATH": str(zen_home)},
        )
        deadline = time.monotonic() + 30
        while health_answers():  # until the stop has begun: no new connections
            assert time.monotonic() < deadline, "the service still takes new connections"
            time.sleep(0.1)
        assert down.poll() is None, "down did not wait for the request in flight"
        assert is_service_process(state.pid)
    request.join(30)
    _, err = down.communicate(timeout=30)
    assert down.returncode == 0, err
    assert results and results[0][0] == 201, results
    assert results[0][1]["name"] == "in-flight"
    assert not is_service_process(state.pid)
    from zen_local_store.store import LocalStore

    stored = LocalStore(f"file://{zen_home}/profiles/default")
    assert "in-flight" in [c.name for c in stored.list_components()]


def test_service_commands_stay_light(zen_home):
    probe = (
        "import sys; sys.argv = ['zenml', 'service', 'status']\n"
        "from zen_core.cli.main import cli\n"
        "try:\n    cli.main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('flask', 'cheroot', 'requests', 'pydantic', 'flask_openapi3')"
        " if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            timeout=60)
    assert result.stdout.splitlines()[-1] == "[]", result


@pytest.mark.parametrize(("host", "url"), [
    ("127.0.0.1", "http://localhost:8000/"), ("0.0.0.0", "http://localhost:8000/"),
    ("::1", "http://localhost:8000/"), ("10.1.2.3", "http://10.1.2.3:8000/"),
    ("fe80::1", "http://[fe80::1]:8000/"), ("zen.example.com", "http://zen.example.com:8000/"),
])
def test_display_url(host, url):
    assert display_url(host, 8000) == url


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def test_the_seed_transcript_on_the_default_port(zenml, zen_home):
    if not _port_free(8000):  # failed instead under ZEN_REQUIRE_DEFAULT_PORT=1 (CI)
        skip_or_fail("port 8000 is taken on this machine", DEFAULT_PORT)
    up = zenml("service up")
    assert up.exit_code == 0, up.output
    assert lines(up.stderr) == [PROVISIONING, "Zenml Service running at 'http://localhost:8000/'."]
    assert read_state(zen_home).host == "127.0.0.1"
    assert zenml("service down").exit_code == 0
