"""One client connection of the server: its request head read without a worker thread,
its body read under a deadline, and never read at all for a request refused before.

cheroot hands a connection to a worker thread as soon as it is readable, and the
worker reads the request line, the headers and (through the app) the body with
blocking reads, each bounded by the socket timeout but not as a whole. With 8
workers, 8 clients sending a byte now and then stop the service. Here:

* The selector thread (cheroot's, which already holds idle connections) does
  the TLS handshake and reads the request head with non-blocking reads, into a
  buffer bounded by the header limit (:meth:`_Connection.read_head`). A worker
  gets the connection only once the head is complete, or over the limit (then
  the answer is a 431). A head that is not complete within the head timeout of
  its first byte is closed by cheroot's own expiry of waiting connections.
* A request with a body must be read whole within the request timeout of its
  first byte: a watchdog cuts the connection otherwise (:class:`_Watchdog`).
* A response sent before its request's body was read closes the connection:
  cheroot would first read the rest of the body (all of it into memory), so an
  unauthenticated client could make the service read and hold any size.
* Bodies over the body limit are refused (413) from their ``Content-Length``,
  before anything is read; chunked ones when they pass it.

And a TLS client hello on a plain HTTP port (an ``https://`` URL for a service
started without a certificate) is answered at once with a plain 400 that says
so, as is a plain HTTP request on a TLS port.
"""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import socket
import ssl
import threading
import time
from typing import Any

from cheroot import errors as cheroot_errors
from cheroot import server as cheroot_server
from cheroot import wsgi
from cheroot.makefile import MakeFile, StreamReader

logger = logging.getLogger("zen_service.server")

#: What :meth:`_Connection.read_head` concludes.
WAIT, READY, CLOSE = "wait", "ready", "close"


class _Watchdog:
    """Cuts the connections whose request is not read by its deadline."""

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
                self._thread = threading.Thread(target=self._run, name="zen-read-watchdog",
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

PLAIN_HTTP_ON_TLS = (
    "The client sent a plain HTTP request, but this zen service only speaks HTTPS on "
    "this port: use an https:// URL."
)
TLS_ON_PLAIN_HTTP = (
    "The client started a TLS handshake, but this zen service speaks plain HTTP on this "
    "port: use an http:// URL, or start the service with --tls-cert and --tls-key."
)
#: The first byte of a TLS record carrying a handshake (a client hello).
_TLS_HANDSHAKE = b"\x16"
_REASONS = {413: "Content Too Large", 414: "URI Too Long",
            431: "Request Header Fields Too Large"}


def _send_plain_error(sock: socket.socket, message: str) -> None:
    """A 400 with ``message``, written on the socket itself (not through TLS)."""
    body = message.encode()
    head = (f"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
    try:
        socket.socket.sendall(sock, head + body)
    except OSError:
        pass


def _complete(head: bytes) -> bool:
    """Whether ``head`` holds a whole request head (``\n\n`` too: cheroot then says why it
    is malformed)."""
    return b"\n\r\n" in head or b"\n\n" in head


def _size(n: int) -> str:
    return f"{n // 2**20} MiB" if n >= 2**20 and n % 2**20 == 0 else f"{n // 2**10} KiB"


class _Reader(StreamReader):
    """cheroot's reader of a connection, into which the selector thread puts back the head
    it read."""

    # NOTE: _pyio's own buffer (``_read_buf``/``_read_pos``), which cheroot's has_data
    # reads too: the head is read from memory, the rest from the socket as before.
    def put_back(self, data: bytes) -> None:
        """Make ``data`` the next bytes read, before the socket's."""
        with self._read_lock:
            self._read_buf = data + self._read_buf[self._read_pos:]
            self._read_pos = 0

    def take_buffered(self) -> bytes:
        """The bytes received but not consumed yet (a pipelined request), taken out."""
        with self._read_lock:
            data = self._read_buf[self._read_pos:]
            self._read_buf, self._read_pos = b"", 0
        return data


class _Body:
    """A request's ``wsgi.input``: tells the request when the body has been read whole, and
    turns cheroot's "too large" into the app's 413."""

    def __init__(self, stream: Any, request: _Request) -> None:
        self._stream = stream
        self._request = request

    def _done(self, data: bytes, size: int | None) -> bytes:
        remaining = getattr(self._stream, "remaining", None)
        if remaining == 0 or (remaining is None and (not data or size in (None, -1))):
            self._request.body_read()
        return data

    def _call(self, method: str, size: int | None) -> bytes:
        try:
            return getattr(self._stream, method)(size)
        except cheroot_errors.MaxSizeExceeded:
            raise self._too_large() from None
        except OSError as err:
            if "Too Large" in str(err):  # cheroot's chunked reader says so this way too
                raise self._too_large() from None
            raise

    def _too_large(self) -> Exception:
        from werkzeug.exceptions import RequestEntityTooLarge

        self._request.close_connection = True
        return RequestEntityTooLarge()

    def read(self, size: int | None = None) -> bytes:
        return self._done(self._call("read", size), size)

    def readline(self, size: int | None = None) -> bytes:
        return self._done(self._call("readline", size), 0)

    def readlines(self, hint: int = 0) -> list[bytes]:
        lines = []
        while line := self.readline():
            lines.append(line)
        return lines

    def __iter__(self) -> Any:
        return iter(self.readline, b"")


class Gateway(wsgi.Gateway_10):
    """WSGI 1.0, with :class:`_Body` as ``wsgi.input``."""

    def get_environ(self) -> dict[str, Any]:
        environ = super().get_environ()
        environ["wsgi.input"] = _Body(environ["wsgi.input"], self.req)
        return environ


class _Request(cheroot_server.HTTPRequest):
    #: Whether the request has a body (a Content-Length above 0, or chunked).
    has_body = False
    #: Whether the body has been read to its end.
    body_complete = False
    _deadline: int | None = None

    def parse_request(self) -> None:
        # The head is in memory (the selector thread read it): nothing here waits for the
        # client. cheroot's own, with the right statuses for a head over the limit.
        self.rfile = cheroot_server.SizeCheckWrapper(self.conn.rfile,
                                                     self.server.max_request_header_size)
        limit = _size(self.server.max_request_header_size)
        try:
            if not self.read_request_line():
                return
        except cheroot_errors.MaxSizeExceeded:
            self.refuse(414, f"Invalid request: the request line is longer than {limit}.")
            return
        try:
            if not self.read_request_headers():
                return
        except cheroot_errors.MaxSizeExceeded:
            self.refuse(431, f"Invalid request: the request head is larger than {limit}.")
            return
        self.ready = True
        length = self.inheaders.get(b"Content-Length", b"0")
        self.has_body = self.chunked_read or length.strip() not in (b"", b"0")
        if self.has_body:
            left = self.conn.request_started + self.server.request_timeout - time.monotonic()
            self._deadline = _watchdog.arm(self.conn.socket, max(left, 0.0))

    def body_read(self) -> None:
        self.body_complete = True
        self._end_deadline()

    def _end_deadline(self) -> None:
        if self._deadline is not None:
            _watchdog.disarm(self._deadline)
            self._deadline = None

    def simple_response(self, status: Any, msg: str = "") -> None:
        if str(status).startswith("413"):  # from Content-Length, before reading the body
            limit = _size(self.server.max_request_body_size)
            self.refuse(413, f"Invalid request: the body is larger than {limit}.")
            return
        super().simple_response(status, msg)

    def refuse(self, status: int, message: str) -> None:
        """Answer ``status`` with a JSON error (as the app's) and close the connection."""
        self.close_connection = True
        body = json.dumps({"error": "InvalidDataError", "message": message}).encode()
        head = (f"{self.server.protocol} {status} {_REASONS[status]}\r\n"
                "Content-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
        try:
            self.conn.wfile.write(head.encode("ISO-8859-1") + body)
        except OSError:
            pass

    def send_headers(self) -> None:
        self._end_deadline()
        if self.has_body and not self.body_complete:
            # Answered without reading the body (a 401, a 404...): cheroot would now read
            # all of it. Close instead; the client learns why from the answer.
            self.close_connection = True
        super().send_headers()

    def respond(self) -> None:
        try:
            super().respond()
        finally:
            self._end_deadline()


class _Connection(cheroot_server.HTTPConnection):
    RequestHandlerClass = _Request

    def __init__(self, server: Any, sock: socket.socket, makefile: Any = MakeFile) -> None:
        super().__init__(server, sock, makefile)
        self.rfile = _Reader(sock, "rb", self.rbufsize)
        #: Whether the server has seen it once (a new connection first waits for bytes).
        self.accepted = False
        #: The TLS handshake is still to be done (TLS connections).
        self.handshake_pending = isinstance(sock, ssl.SSLSocket)
        #: Its first bytes are still to be looked at (plain HTTP connections).
        self.first = not self.handshake_pending
        #: The request head read so far, and when (monotonic) its first byte came.
        self.head = b""
        self.head_started: float | None = None
        #: When the head of the request being handled started (monotonic).
        self.request_started = 0.0

    def read_head(self, limit: int) -> str:
        """Read what the client sent, without waiting (the selector thread calls it when
        the socket is readable): READY when the request head is in (or over ``limit``),
        WAIT for more, CLOSE when the connection is over."""
        sock = self.socket
        # NOTE: a socket with a timeout waits for data before each read, whatever the
        # flags (MSG_DONTWAIT included): it must have none while the selector reads.
        sock.settimeout(0.0)
        try:
            return self._read_head(sock, limit)
        finally:
            try:
                sock.settimeout(self.server.timeout)
            except OSError:
                pass

    def _read_head(self, sock: socket.socket, limit: int) -> str:
        if self.handshake_pending:
            if not self._handshake(sock):
                return WAIT if self.handshake_pending else CLOSE
        elif self.first:
            self.first = False
            try:
                start = sock.recv(1, socket.MSG_PEEK)
            except OSError:
                return CLOSE
            if start == _TLS_HANDSHAKE:  # https:// sent to this plain HTTP port
                _send_plain_error(sock, TLS_ON_PLAIN_HTTP)
                return CLOSE
        head = self.head + self.rfile.take_buffered()
        while len(head) <= limit and not _complete(head):
            try:
                chunk = sock.recv(limit + 1 - len(head))
            except (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
                break
            except OSError:
                return CLOSE
            if not chunk:
                return CLOSE  # the client went away
            head += chunk
        self.head = head
        if not head:
            return WAIT
        if self.head_started is None:
            self.head_started = time.monotonic()
        if len(head) <= limit and not _complete(head):
            return WAIT
        self.rfile.put_back(head)
        self.head = b""
        self.request_started, self.head_started = self.head_started, None
        return READY

    def _handshake(self, sock: Any) -> bool:
        """One step of the TLS handshake; True once it is done."""
        if self.head_started is None:
            self.head_started = time.monotonic()
        try:
            sock.do_handshake()
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            return False
        except ssl.SSLError as err:
            self.handshake_pending = False
            if "http request" in str(err).lower():
                _send_plain_error(sock, PLAIN_HTTP_ON_TLS)
            else:
                logger.info("TLS handshake with %s failed: %s", self.remote_addr,
                            err.reason or err)
            return False
        except OSError:
            self.handshake_pending = False
            return False
        self.handshake_pending = False
        return True
