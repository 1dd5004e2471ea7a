"""The service process: ``python -m zen_service.daemon --profile P --host H --port N``.

It reads its token from the first line of stdin (not argv, which ``ps``
shows to everyone), serves the profile with waitress and stops gracefully on
SIGTERM (CTRL_BREAK on Windows): it stops accepting connections, lets the
requests in flight finish, then exits 0. Known start-up failures (port in
use, unknown profile...) are one ``Error: ...`` line on stderr and exit 1, which
``zenml service up`` shows to the user.

:func:`serve` runs any WSGI app the same way; benchmarks use it to serve a
baseline app with the very same server settings.
"""

from __future__ import annotations

import argparse
import errno
import os
import signal
import sys
import threading
import time
from typing import Any

#: Worker threads of waitress: each opens its own store instance.
THREADS = 8
#: How long a stopping service waits for the requests in flight.
GRACE_SECONDS = 20.0


def make_server(app: Any, host: str, port: int, threads: int = THREADS) -> Any:
    """A waitress server bound to ``host:port`` (not yet serving)."""
    import logging

    from waitress.server import create_server

    # NOTE: waitress warns on every queued request under load; that is not news.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    return create_server(
        app, map={}, host=host, port=port, threads=threads, ident="zen_service",
        clear_untrusted_proxy_headers=True, channel_timeout=60,
    )


def run_until_stopped(server: Any, stop: threading.Event,
                      grace: float = GRACE_SECONDS) -> None:
    """Serve until ``stop`` is set, then finish the requests in flight and close."""
    from waitress import wasyncore
    from waitress.channel import HTTPChannel
    from waitress.server import BaseWSGIServer

    socket_map = server._map if hasattr(server, "_map") else server.map
    use_poll = server.adj.asyncore_use_poll
    while not stop.is_set():
        wasyncore.loop(timeout=0.5, map=socket_map, use_poll=use_poll, count=1)

    # Stop listening; close idle keep-alive connections; let busy ones finish.
    for listener in [d for d in list(socket_map.values()) if isinstance(d, BaseWSGIServer)]:
        listener.accepting = False
        wasyncore.dispatcher.close(listener)

    def busy(channel: HTTPChannel) -> bool:
        return bool(channel.requests or channel.total_outbufs_len or channel.request)

    deadline = time.monotonic() + grace
    while True:
        channels = [d for d in list(socket_map.values()) if isinstance(d, HTTPChannel)]
        for channel in channels:
            if not busy(channel):
                channel.handle_close()
        if not any(busy(c) for c in channels) or time.monotonic() > deadline:
            break
        wasyncore.loop(timeout=0.05, map=socket_map, use_poll=use_poll, count=1)
    server.task_dispatcher.shutdown(cancel_pending=True, timeout=1)
    for dispatcher in list(socket_map.values()):
        try:
            dispatcher.close()
        except OSError:
            pass


def install_stop_handlers(server: Any, stop: threading.Event) -> None:
    def on_signal(signum: int, frame: Any) -> None:
        stop.set()
        try:
            for trigger in _triggers(server):
                trigger.pull_trigger()  # wake the loop now
        except OSError:
            pass

    signals = [signal.SIGTERM, signal.SIGINT]
    if hasattr(signal, "SIGBREAK"):  # pragma: no cover - Windows
        signals.append(signal.SIGBREAK)
    for signum in signals:
        signal.signal(signum, on_signal)


def _triggers(server: Any) -> list[Any]:
    from waitress.trigger import trigger

    socket_map = server._map if hasattr(server, "_map") else server.map
    return [d for d in list(socket_map.values()) if isinstance(d, trigger)]


def serve(app: Any, host: str = "127.0.0.1", port: int = 8000, threads: int = THREADS) -> None:
    """Serve ``app`` with waitress until SIGTERM/SIGINT, then stop gracefully."""
    server = make_server(app, host, port, threads)
    stop = threading.Event()
    install_stop_handlers(server, stop)
    run_until_stopped(server, stop)


def bind_error_message(err: OSError, host: str, port: int) -> str:
    if err.errno == errno.EADDRINUSE or getattr(err, "winerror", None) == 10048:
        return (f"Port {port} on {host} is already in use (another zen service or another "
                "program). Choose another port with --port.")
    if err.errno == errno.EACCES:
        return f"Not allowed to listen on {host}:{port}. Choose a port above 1024 with --port."
    if err.errno == errno.EADDRNOTAVAIL:
        return f"{host} is not an address of this machine. Choose another with --host."
    reason = getattr(err, "strerror", None) or str(err)
    return f"Cannot listen on {host}:{port}: {reason}."


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m zen_service.daemon")
    parser.add_argument("--profile", default=None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--threads", type=int, default=THREADS)
    # For the store contract suite only (its records use made-up configurations): serve
    # without the flavors' schemas and stack rules. Not offered by `zenml service up`.
    parser.add_argument("--without-flavor-rules", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    token = sys.stdin.readline().strip() if not sys.stdin.isatty() else ""
    token = token or os.environ.get("ZEN_SERVICE_TOKEN", "")
    if not token:
        print("Error: No token on stdin (nor in ZEN_SERVICE_TOKEN).", file=sys.stderr)
        return 1

    import logging

    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from zen_core.exceptions import ZenError

    try:
        from zen_service.app import create_app

        app = create_app(args.profile, token=token,
                         enforce_rules=not args.without_flavor_rules)
        server = make_server(app, args.host, args.port, args.threads)
    except ZenError as err:
        print(f"Error: {err.message}", file=sys.stderr, flush=True)
        return 1
    except OSError as err:
        print(f"Error: {bind_error_message(err, args.host, args.port)}", file=sys.stderr,
              flush=True)
        return 1
    stop = threading.Event()
    install_stop_handlers(server, stop)
    print(f"Serving profile '{app.config['ZEN_PROFILE']}' on {args.host}:{args.port} "
          f"(pid {os.getpid()}).", file=sys.stderr, flush=True)
    if args.without_flavor_rules:
        print("Warning: flavor schemas and stack rules are NOT enforced (testing only).",
              file=sys.stderr, flush=True)
    run_until_stopped(server, stop)
    print("Stopped.", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
