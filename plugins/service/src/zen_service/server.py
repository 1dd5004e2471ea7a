"""The WSGI server: cheroot, with TLS, a graceful stop, and clients that cannot pin it.

::

    from zen_service.server import make_server, run_until_stopped

    server = make_server(app, "127.0.0.1", 8000, tls=("cert.pem", "key.pem"))  # bound now
    run_until_stopped(server, stop_event)      # serves until the event is set, then drains

cheroot keeps idle keep-alive connections in a selector rather than in worker
threads, stops through public API (``Server.stop``) on every OS, does TLS with
the standard library (``BuiltinSSLAdapter``) and bounds the request head and
body (``max_request_header_size``, ``max_request_body_size``). What it does
not do is added here by subclassing (docs/decisions.md says why):

* A new connection waits in the selector, like an idle keep-alive one, until
  it sends something (cheroot gives it a worker at once, which then waits:
  200 silent connections held every worker); it is closed after
  :data:`IDLE_TIMEOUT` if it never does.
* The TLS handshake and the request head are read by the selector thread,
  without waiting (:mod:`zen_service.connection`): a worker gets a request
  only once its head is in, so clients sending a byte now and then hold no
  worker. The handshake and head must be in within :data:`HEAD_TIMEOUT`, and
  a request with its body within :data:`REQUEST_TIMEOUT`.
* A request answered before its body was read (a 401) closes the
  connection instead of reading the body first.
"""

from __future__ import annotations

import logging
import signal
import socket
import ssl
import threading
import time
from typing import Any

from cheroot import wsgi
from cheroot.ssl.builtin import BuiltinSSLAdapter

from zen_service.connection import READY, WAIT, Gateway, _Connection
from zen_service.options import ServeOptions

#: Worker threads: requests being handled at once (each opens its own store instance).
THREADS = 8
#: Seconds a connection may stay silent: before its first request, between requests
#: (keep-alive), and within one read or write.
IDLE_TIMEOUT = 5
#: Seconds for the TLS handshake, the request line and the headers of one request,
#: from its first byte.
HEAD_TIMEOUT = 5.0
#: Seconds for a whole request, head and body, from its first byte.
REQUEST_TIMEOUT = 10.0
#: How long a stopping server waits for the requests in flight.
GRACE_SECONDS = 20.0
#: Connections kept waiting (idle, between requests, or sending a head) at most; more
#: are closed at once.
MAX_WAITING = 1000
#: The listen backlog: connections the OS queues before they are accepted.
BACKLOG = 128

logger = logging.getLogger("zen_service.server")


class TLSFilesError(Exception):
    """The certificate or its private key cannot be used (the reason is the message)."""


class _LazyTLSAdapter(BuiltinSSLAdapter):
    """TLS whose handshake the selector thread does (``_Connection``), once the client has
    sent something, not the accepting thread."""

    def wrap(self, sock: socket.socket) -> tuple[ssl.SSLSocket, dict[str, str]]:
        wrapped = self.context.wrap_socket(sock, server_side=True,
                                           do_handshake_on_connect=False)
        return wrapped, {"wsgi.url_scheme": "https", "HTTPS": "on"}


class ZenServer(wsgi.Server):
    ConnectionClass = _Connection
    #: The OSError of the last failed bind (cheroot re-raises it as text only).
    bind_error: OSError | None = None

    def bind(self, family: Any, type: Any, proto: int = 0) -> Any:
        try:
            return super().bind(family, type, proto)
        except OSError as err:
            self.bind_error = err
            raise

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.gateway = Gateway
        self.head_timeout = HEAD_TIMEOUT
        self.request_timeout = REQUEST_TIMEOUT

    def process_conn(self, conn: _Connection) -> None:
        """Called by the selector thread for a new connection and for one that has
        something to read (and by a worker for one holding a pipelined request)."""
        if not conn.accepted:
            conn.accepted = True
            if not self.can_add_keepalive_connection:
                conn.close()  # MAX_WAITING connections already wait
                return
            self.put_conn(conn)  # wait in the selector until it sends something
            return
        outcome = conn.read_head(self.max_request_header_size)
        if outcome == READY:
            super().process_conn(conn)  # to a worker
        elif outcome == WAIT:
            self.put_conn(conn)
            if conn.head_started is not None:
                # cheroot closes waiting connections unused for `timeout` seconds: make
                # the head's time count from its first byte, bounded by head_timeout.
                waited = time.monotonic() - conn.head_started
                conn.last_used = time.time() - waited + self.head_timeout - self.timeout
        else:
            conn.close()


def tls_adapter(cert: str, key: str) -> _LazyTLSAdapter:
    """The TLS of a server: TLS 1.2 or newer with ``cert`` (a PEM chain) and ``key``;
    TLSFilesError saying why if they cannot be used."""
    try:
        adapter = _LazyTLSAdapter(cert, key)
    except ssl.SSLError as err:
        raise TLSFilesError(err.reason or str(err)) from None
    except OSError as err:
        raise TLSFilesError(f"{err.strerror or err} ({err.filename or cert})") from None
    adapter.context.minimum_version = ssl.TLSVersion.TLSv1_2
    return adapter


def make_server(app: Any, host: str, port: int, threads: int = THREADS,
                tls: tuple[str, str] | None = None, grace: float = GRACE_SECONDS,
                options: ServeOptions | None = None) -> ZenServer:
    """A server for ``app`` bound to ``host:port`` (not yet serving); with ``tls``, the
    certificate and private key files, HTTPS only; ``options`` give the head and body
    limits. Raises TLSFilesError for unusable TLS files and OSError (with the OS's errno)
    if it cannot listen."""
    options = options or ServeOptions()
    server = ZenServer((host, port), app, numthreads=threads, request_queue_size=BACKLOG,
                       timeout=IDLE_TIMEOUT, shutdown_timeout=grace,
                       server_name="zen_service")
    server.keep_alive_conn_limit = MAX_WAITING
    server.max_request_header_size = options.max_header_bytes
    server.max_request_body_size = options.max_body_bytes
    if tls is not None:
        server.ssl_adapter = tls_adapter(*tls)
    try:
        server.prepare()
    except OSError as err:
        raise server.bind_error or err from None
    return server


def run_until_stopped(server: ZenServer, stop: threading.Event, drain: float = 0.0,
                      hurry: threading.Event | None = None) -> bool:
    """Serve until ``stop`` is set, then stop gracefully: serve ``drain`` seconds more (a
    proxy's health checks see ``/ready`` answer 503 meanwhile and send new requests
    elsewhere; ``hurry`` set cuts that short), then no new connections, idle ones closed,
    the requests in flight finished (up to the server's grace period). False if the
    server stopped by itself."""
    serving = threading.Thread(target=server.serve, name="zen-serve", daemon=True)
    serving.start()
    while not stop.wait(0.5):  # a timeout, so that signals are handled on every OS
        if not serving.is_alive():
            break
    asked = stop.is_set()
    if asked and drain > 0 and serving.is_alive():
        logger.info("Stopping: serving %g s more while /ready says so.", drain)
        hurry = hurry or threading.Event()
        deadline = time.monotonic() + drain
        while not hurry.wait(min(0.5, max(deadline - time.monotonic(), 0))):
            if time.monotonic() >= deadline or not serving.is_alive():
                break
    server.stop()
    serving.join(5)
    return asked


def install_stop_handlers(stop: threading.Event,
                          again: threading.Event | None = None) -> None:
    """SIGTERM and SIGINT (CTRL_BREAK on Windows) set ``stop``; a second one sets
    ``again`` (no more draining)."""

    def on_signal(signum: int, frame: Any) -> None:
        if stop.is_set() and again is not None:
            again.set()
        stop.set()

    signals = [signal.SIGTERM, signal.SIGINT]
    if hasattr(signal, "SIGBREAK"):  # pragma: no cover - Windows
        signals.append(signal.SIGBREAK)
    for signum in signals:
        signal.signal(signum, on_signal)


def serve(app: Any, host: str = "127.0.0.1", port: int = 8000, threads: int = THREADS,
          tls: tuple[str, str] | None = None) -> None:
    """Serve ``app`` until SIGTERM/SIGINT (CTRL_BREAK on Windows), then stop gracefully."""
    server = make_server(app, host, port, threads, tls)
    stop = threading.Event()
    install_stop_handlers(stop)
    run_until_stopped(server, stop)
