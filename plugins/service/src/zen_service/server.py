"""The WSGI server: cheroot, with TLS, a graceful stop, and connections that cannot pin it.

::

    from zen_service.server import make_server, run_until_stopped

    server = make_server(app, "127.0.0.1", 8000, tls=("cert.pem", "key.pem"))  # bound now
    run_until_stopped(server, stop_event)      # serves until the event is set, then drains

cheroot already keeps idle keep-alive connections in a selector rather than
in worker threads, stops through public API (``Server.stop``) on every OS and
does TLS with the standard library (``BuiltinSSLAdapter``). Three things it
does not do are added here (docs/decisions.md says why):

* A new connection goes straight to a worker thread, which then waits up to
  the socket timeout for its first byte: 200 connections that send nothing
  hold every worker. Here a new connection waits in the selector, like an
  idle keep-alive one, until it has something to read (and is closed after
  :data:`IDLE_TIMEOUT` if it never does).
* The TLS handshake runs in the thread that accepts connections, so one
  client that never sends its hello stops all accepting. Here the handshake
  runs in the worker, once the client has sent something.
* The socket timeout bounds each read, not a request: a client sending one
  byte every few seconds (slowloris) would keep a worker forever. Here the
  handshake, request line and headers must all be in within
  :data:`HEAD_TIMEOUT`; a watchdog cuts the connection otherwise.

And a TLS client hello on a plain HTTP port (an ``https://`` URL for a service
started without a certificate) is answered at once with a plain 400 that says
so, instead of waiting for a request line that never comes.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import signal
import socket
import ssl
import threading
import time
from typing import Any

from cheroot import server as cheroot_server
from cheroot import wsgi
from cheroot.ssl.builtin import BuiltinSSLAdapter

#: Worker threads: requests being handled at once (each opens its own store instance).
THREADS = 8
#: Seconds a connection may stay silent: before its first request, between requests
#: (keep-alive), and within one read or write.
IDLE_TIMEOUT = 5
#: Seconds for the TLS handshake, the request line and the headers of one request.
HEAD_TIMEOUT = 5.0
#: How long a stopping server waits for the requests in flight.
GRACE_SECONDS = 20.0
#: Connections kept waiting (idle or between requests) at most; more are closed at once.
MAX_WAITING = 1000
#: The listen backlog: connections the OS queues before they are accepted.
BACKLOG = 128

logger = logging.getLogger("zen_service.server")


class TLSFilesError(Exception):
    """The certificate or its private key cannot be used (the reason is the message)."""


class _Watchdog:
    """Cuts the connections whose request head takes longer than its deadline."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._heap: list[tuple[float, int]] = []
        self._armed: dict[int, socket.socket] = {}
        self._ids = itertools.count()
        self._thread: threading.Thread | None = None

    def arm(self, sock: socket.socket, seconds: float) -> int:
        with self._lock:
            token = next(self._ids)
            self._armed[token] = sock
            was_empty = not self._heap
            heapq.heappush(self._heap, (time.monotonic() + seconds, token))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="zen-head-watchdog",
                                                daemon=True)
                self._thread.start()
            if was_empty:  # else it already waits for an earlier deadline than this one
                self._wake.notify()
            return token

    def disarm(self, token: int) -> None:
        with self._lock:
            self._armed.pop(token, None)

    def _run(self) -> None:
        while True:
            with self._lock:
                while self._heap and self._heap[0][1] not in self._armed:
                    heapq.heappop(self._heap)  # disarmed in time
                if not self._heap:
                    self._wake.wait()
                    continue
                deadline, token = self._heap[0]
                wait = deadline - time.monotonic()
                if wait > 0:
                    self._wake.wait(wait)
                    continue
                heapq.heappop(self._heap)
                sock = self._armed.pop(token)
            _cut(sock)


def _cut(sock: socket.socket) -> None:
    """End a connection a worker is blocked reading from: the read returns at once."""
    try:
        # NOTE: the plain socket's shutdown, also for a TLS socket: SSLSocket.shutdown
        # would drop the TLS state under the feet of the thread reading from it.
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass


_watchdog = _Watchdog()

_PLAIN_HTTP_ON_TLS = (
    "The client sent a plain HTTP request, but this zen service only speaks HTTPS on "
    "this port: use an https:// URL."
)
_TLS_ON_PLAIN_HTTP = (
    "The client started a TLS handshake, but this zen service speaks plain HTTP on this "
    "port: use an http:// URL, or start the service with --tls-cert and --tls-key."
)
#: The first byte of a TLS record carrying a handshake (a client hello).
_TLS_HANDSHAKE = b"\x16"


def _send_plain_error(sock: socket.socket, message: str) -> None:
    """A 400 with ``message``, written on the socket itself (not through TLS)."""
    body = message.encode()
    head = (f"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
    try:
        socket.socket.sendall(sock, head + body)
    except OSError:
        pass


class _Request(cheroot_server.HTTPRequest):
    def parse_request(self) -> None:
        token = _watchdog.arm(self.conn.socket, HEAD_TIMEOUT)
        try:
            super().parse_request()
        finally:
            _watchdog.disarm(token)


class _Connection(cheroot_server.HTTPConnection):
    RequestHandlerClass = _Request
    #: Whether the TLS handshake is still to be done (set for TLS connections).
    handshake_pending = False
    #: Whether it has waited in the selector for its first bytes.
    waited = False
    #: Whether its first bytes are still to be looked at (plain HTTP connections).
    first = False

    def communicate(self) -> bool:
        if self.handshake_pending:
            self.handshake_pending = False
            if not self._handshake():
                return False
        elif self.first:
            self.first = False
            try:  # readable, as the selector said: this does not wait
                start = self.socket.recv(1, socket.MSG_PEEK)
            except OSError:
                return False
            if start == _TLS_HANDSHAKE:  # https:// sent to this plain HTTP port
                _send_plain_error(self.socket, _TLS_ON_PLAIN_HTTP)
                return False
        return super().communicate()

    def _handshake(self) -> bool:
        sock = self.socket
        token = _watchdog.arm(sock, HEAD_TIMEOUT)
        try:
            sock.do_handshake()
            return True
        except ssl.SSLError as err:
            if "http request" in str(err).lower():
                _send_plain_error(sock, _PLAIN_HTTP_ON_TLS)
            else:
                logger.info("TLS handshake with %s failed: %s", self.remote_addr,
                            err.reason or err)
        except OSError:
            pass  # the client went away, or took too long
        finally:
            _watchdog.disarm(token)
        return False


class _LazyTLSAdapter(BuiltinSSLAdapter):
    """TLS whose handshake the worker does (``_Connection``), not the accepting thread."""

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

    def process_conn(self, conn: _Connection) -> None:
        if conn.waited:
            super().process_conn(conn)
            return
        # A new connection: wait in the selector until it sends something.
        conn.waited = True
        conn.handshake_pending = isinstance(conn.socket, ssl.SSLSocket)
        conn.first = not conn.handshake_pending
        if not self.can_add_keepalive_connection:
            conn.close()  # MAX_WAITING connections already wait
            return
        self.put_conn(conn)


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
                tls: tuple[str, str] | None = None, grace: float = GRACE_SECONDS) -> ZenServer:
    """A server for ``app`` bound to ``host:port`` (not yet serving); with ``tls``, the
    certificate and private key files, HTTPS only. Raises TLSFilesError for unusable TLS
    files and OSError (with the OS's errno) if it cannot listen."""
    server = ZenServer((host, port), app, numthreads=threads, request_queue_size=BACKLOG,
                       timeout=IDLE_TIMEOUT, shutdown_timeout=grace,
                       server_name="zen_service")
    server.keep_alive_conn_limit = MAX_WAITING
    if tls is not None:
        server.ssl_adapter = tls_adapter(*tls)
    try:
        server.prepare()
    except OSError as err:
        raise server.bind_error or err from None
    return server


def run_until_stopped(server: ZenServer, stop: threading.Event) -> None:
    """Serve until ``stop`` is set, then stop gracefully: no new connections, idle ones
    closed, the requests in flight finished (up to the server's grace period)."""
    serving = threading.Thread(target=server.serve, name="zen-serve", daemon=True)
    serving.start()
    while not stop.wait(0.5):  # a timeout, so that signals are handled on every OS
        if not serving.is_alive():
            break
    server.stop()
    serving.join(5)


def install_stop_handlers(stop: threading.Event) -> None:
    """Set ``stop`` on SIGTERM and SIGINT (CTRL_BREAK on Windows)."""

    def on_signal(signum: int, frame: Any) -> None:
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
