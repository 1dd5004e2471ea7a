"""Connections that do not send a request cannot take the service: against the real daemon.

The issue's figure: about 100 idle connections, opened by anyone who can reach the port
and without a key, made ``/health`` and the API time out for everyone. Here 200 are held
open while ``/health`` and an authenticated read must answer within a second, over plain
HTTP and over TLS; idle connections are closed after seconds, and so is one that sends its
request head a byte at a time (slowloris).

The figures are the ones the user guide promises ("The service": connections that send
nothing for 5 s, or take longer than 5 s to send a request's head, are closed), written
here rather than imported: a test deriving its bounds from the code would follow the code
wherever it went.
"""

from __future__ import annotations

import socket
import time

import pytest
import requests

from zen_core.testing.require import posix_only, require_modules
from zen_service.state import read_state
from zen_service.testing import bearer, free_port

pytestmark = posix_only("the daemon tests")

IDLE = 200
#: Seconds a silent connection is kept (the guide's figure).
IDLE_TIMEOUT = 5
#: Seconds for a request's head (the guide's figure).
HEAD_TIMEOUT = 5
#: Slack for a loaded machine, on either side of those figures.
SLACK = 2


@pytest.fixture(params=["http", "https"])
def service(request, zenml, zen_home, tmp_path):
    """A running daemon on the default profile (plain, then TLS): (base URL, key, verify)."""
    port = free_port()
    command = f"service up --port {port}"
    verify: bool | str = True
    if request.param == "https":
        require_modules("trustme")  # a skip, or a failure under ZEN_REQUIRE_PLUGINS (CI)
        import trustme

        ca = trustme.CA()
        cert = ca.issue_cert("127.0.0.1", "localhost")
        cert.cert_chain_pems[0].write_to_path(tmp_path / "cert.pem")
        cert.private_key_pem.write_to_path(tmp_path / "key.pem")
        ca.cert_pem.write_to_path(tmp_path / "ca.pem")
        verify = str(tmp_path / "ca.pem")
        command += f" --tls-cert {tmp_path / 'cert.pem'} --tls-key {tmp_path / 'key.pem'}"
    up = zenml(command)
    assert up.exit_code == 0, up.output
    return f"{request.param}://127.0.0.1:{port}", read_state(zen_home).token, verify, port


def _timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_200_idle_connections_do_not_keep_anyone_waiting(service):
    base, key, verify, port = service
    opened = time.monotonic()  # the first idle connection's clock starts after this
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(IDLE)]
    try:
        for _ in range(3):  # each on a new connection, as a new client would
            health, health_s = _timed(lambda: requests.get(f"{base}/health", timeout=5,
                                                           verify=verify))
            stack, stack_s = _timed(lambda: requests.get(
                f"{base}/api/v1/stacks/default", headers=bearer(key), timeout=5,
                verify=verify))
            assert health.status_code == 200 and stack.status_code == 200
            assert health_s < 1 and stack_s < 1, (health_s, stack_s)
        print(f"\n{base.split(':')[0]}: with {IDLE} idle connections, /health "
              f"{health_s * 1000:.0f} ms, GET one stack {stack_s * 1000:.0f} ms")
        # ...and the idle ones are closed after the promised seconds, not before, not minutes
        idle[0].settimeout(IDLE_TIMEOUT + 2 * SLACK)
        try:
            assert idle[0].recv(1) == b""
        except TimeoutError:
            pytest.fail(f"an idle connection was still open after {IDLE_TIMEOUT + 2 * SLACK} s")
        closed_after = time.monotonic() - opened
        assert IDLE_TIMEOUT - SLACK / 4 <= closed_after < IDLE_TIMEOUT + SLACK, closed_after
        print(f"idle connections closed after {closed_after:.1f} s")
    finally:
        for sock in idle:
            sock.close()


@pytest.mark.parametrize("service", ["http"], indirect=True)
def test_a_request_head_sent_a_byte_at_a_time_is_cut(service):
    base, _, _, port = service
    slow = socket.create_connection(("127.0.0.1", port))
    started = time.monotonic()
    cut = None
    try:
        for byte in b"GET /api/v1/stacks HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 40:
            slow.sendall(bytes([byte]))
            time.sleep(0.5)  # each read gets a byte well within the idle timeout
            if time.monotonic() - started > 2:  # meanwhile others are served
                assert requests.get(f"{base}/health", timeout=2).status_code == 200
    except OSError:
        cut = time.monotonic() - started
    finally:
        slow.close()
    assert cut is not None, "a request head dripped for 20 s was never cut"
    assert HEAD_TIMEOUT - SLACK / 4 <= cut < HEAD_TIMEOUT + SLACK, cut
    print(f"\na request head dripped a byte every 0.5 s was cut after {cut:.1f} s")
