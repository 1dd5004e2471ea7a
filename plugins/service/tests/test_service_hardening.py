"""Connections that do not send a request cannot take the service: against the real daemon.

The issue's figure: about 100 idle connections, opened by anyone who can reach the port
and without a key, made ``/health`` and the API time out for everyone. Here 200 are held
open while ``/health`` and an authenticated read must answer within a second, over plain
HTTP and over TLS; idle connections are closed after seconds, and so is one that sends its
request head a byte at a time (slowloris).
"""

from __future__ import annotations

import os
import socket
import time

import pytest
import requests

from zen_service.server import HEAD_TIMEOUT, IDLE_TIMEOUT
from zen_service.state import read_state
from zen_service.testing import bearer, free_port

pytestmark = pytest.mark.skipif(os.name == "nt", reason="the daemon tests are POSIX only")

IDLE = 200


@pytest.fixture(params=["http", "https"])
def service(request, zenml, zen_home, tmp_path):
    """A running daemon on the default profile (plain, then TLS): (base URL, key, verify)."""
    port = free_port()
    command = f"service up --port {port}"
    verify: bool | str = True
    if request.param == "https":
        trustme = pytest.importorskip("trustme")
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
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(IDLE)]
    try:
        time.sleep(0.3)  # all accepted and waiting
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
        # ...and the idle ones are closed after seconds, not minutes
        started = time.monotonic()
        idle[0].settimeout(IDLE_TIMEOUT + 5)
        assert idle[0].recv(1) == b""
        closed_after = time.monotonic() - started + 0.3
        assert closed_after < IDLE_TIMEOUT + 2, closed_after
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
    assert cut is not None and cut < HEAD_TIMEOUT + 2, cut
    print(f"\na request head dripped a byte every 0.5 s was cut after {cut:.1f} s")
