"""The service process: ``python -m zen_service.daemon --profile P --host H --port N``.

It reads the secret of this run (what ``/health`` proves it knows, see
:mod:`zen_service.state`) from the first line of stdin, not argv, which ``ps``
shows to everyone. It serves the profile with the server of
:mod:`zen_service.server` (HTTPS with ``--tls-cert`` and ``--tls-key``) and
stops gracefully on SIGTERM (CTRL_BREAK on Windows): it stops accepting
connections, lets the requests in flight finish, then exits 0. Known start-up
failures (port in use, unknown profile, unusable certificate...) are one
``Error: ...`` line on stderr and exit 1, which ``zenml service up`` shows to
the user.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
import threading

from zen_service.server import (
    GRACE_SECONDS,
    THREADS,
    TLSFilesError,
    install_stop_handlers,
    make_server,
    run_until_stopped,
    serve,
)

__all__ = ["GRACE_SECONDS", "THREADS", "install_stop_handlers", "main", "serve"]


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


def tls_error_message(reason: str, cert: str, key: str) -> str:
    return (f"Cannot use the TLS certificate {cert} with the key {key}: {reason}. Give a "
            "PEM certificate (chain) with --tls-cert and its private key with --tls-key.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m zen_service.daemon")
    parser.add_argument("--profile", default=None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--threads", type=int, default=THREADS)
    parser.add_argument("--tls-cert", default=None)
    parser.add_argument("--tls-key", default=None)
    # For the store contract suite only (its records use made-up configurations): serve
    # without the flavors' schemas and stack rules. Not offered by `zenml service up`.
    # Authentication and roles apply all the same.
    parser.add_argument("--without-flavor-rules", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if (args.tls_cert is None) != (args.tls_key is None):
        print("Error: Give both --tls-cert and --tls-key, or neither.", file=sys.stderr)
        return 1
    tls = (args.tls_cert, args.tls_key) if args.tls_cert else None

    instance = sys.stdin.readline().strip() if not sys.stdin.isatty() else ""
    if not instance:
        print("Error: No instance secret on stdin (`zenml service up` sends one).",
              file=sys.stderr)
        return 1

    import logging

    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from zen_core.exceptions import ZenError

    try:
        from zen_service.app import create_app

        app = create_app(args.profile, enforce_rules=not args.without_flavor_rules,
                         instance=instance)
    except ZenError as err:
        print(f"Error: {err.message}", file=sys.stderr, flush=True)
        return 1
    try:
        server = make_server(app, args.host, args.port, args.threads, tls)
    except TLSFilesError as err:
        print(f"Error: {tls_error_message(str(err), *tls)}", file=sys.stderr, flush=True)
        return 1
    except OSError as err:
        print(f"Error: {bind_error_message(err, args.host, args.port)}", file=sys.stderr,
              flush=True)
        return 1
    stop = threading.Event()
    install_stop_handlers(stop)
    scheme = "https" if tls else "http"
    print(f"Serving profile '{app.config['ZEN_PROFILE']}' on {scheme}://{args.host}:"
          f"{args.port} (pid {os.getpid()}).", file=sys.stderr, flush=True)
    if args.without_flavor_rules:
        print("Warning: flavor schemas and stack rules are NOT enforced (testing only).",
              file=sys.stderr, flush=True)
    run_until_stopped(server, stop)
    print("Stopped.", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
