"""The service process: ``python -m zen_service.daemon --profile P --host H --port N``.

It reads the secret of this run (what ``/health`` proves it knows, see
:mod:`zen_service.state`) from the first line of stdin, not argv, which ``ps``
shows to everyone. It serves the profile with the server of
:mod:`zen_service.server` (HTTPS with ``--tls-cert`` and ``--tls-key``) and
stops gracefully on SIGTERM (CTRL_BREAK on Windows): ``/ready`` answers 503
for ``--drain-seconds``, then it stops accepting connections, lets the requests
in flight finish, and exits 0. Known start-up failures (port in use, unknown
profile, unusable certificate...) are one ``Error: ...`` line on stderr and
exit 1, which ``zenml service up`` shows to the user. ``zenml service run``
serves the same way in its own process (:func:`serve_profile`).
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
import threading

from zen_service.options import (
    DRAIN_SECONDS,
    MAX_BODY_MIB,
    MAX_HEADER_KIB,
    ServeOptions,
)
from zen_service.server import (
    GRACE_SECONDS,
    THREADS,
    TLSFilesError,
    install_stop_handlers,
    make_server,
    run_until_stopped,
    serve,
)

__all__ = ["GRACE_SECONDS", "THREADS", "install_stop_handlers", "main", "serve",
           "serve_profile"]


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
    parser.add_argument("--trusted-proxies", default=None)
    parser.add_argument("--max-header-kib", type=int, default=MAX_HEADER_KIB)
    parser.add_argument("--max-body-mib", type=int, default=MAX_BODY_MIB)
    parser.add_argument("--drain-seconds", type=float, default=DRAIN_SECONDS)
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
    options = ServeOptions(trusted_proxies=args.trusted_proxies,
                           max_header_kib=args.max_header_kib, max_body_mib=args.max_body_mib,
                           drain_seconds=args.drain_seconds)
    return serve_profile(args.profile, args.host, args.port, threads=args.threads, tls=tls,
                         options=options, enforce_rules=not args.without_flavor_rules,
                         instance=instance)


def serve_profile(profile: str | None, host: str, port: int, *, threads: int = THREADS,
                  tls: tuple[str, str] | None = None, options: ServeOptions | None = None,
                  enforce_rules: bool = True, instance: str | None = None) -> int:
    """Serve ``profile`` (None: the active one) in this process, logging on stderr, until
    SIGTERM or SIGINT (CTRL_BREAK on Windows); then stop gracefully and return 0. If it
    cannot serve, print ``Error: ...`` on stderr and return 1."""
    import logging

    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from zen_core.exceptions import ZenError
    from zen_service.probes import mark_stopping_on
    from zen_service.proxies import trust_proxies

    options = options or ServeOptions()
    try:
        from zen_service.app import create_app

        app = create_app(profile, enforce_rules=enforce_rules, instance=instance)
        app.config["MAX_CONTENT_LENGTH"] = options.max_body_bytes
        if options.trusted_proxies is not None:
            app.wsgi_app = trust_proxies(app.wsgi_app, options.trusted_proxies)
    except ZenError as err:
        return _cannot_serve(err.message)
    except ValueError as err:  # --trusted-proxies (the CLI checks it before)
        return _cannot_serve(f"Invalid --trusted-proxies: {err}.")
    try:
        server = make_server(app, host, port, threads, tls, options=options)
    except TLSFilesError as err:
        assert tls is not None
        return _cannot_serve(tls_error_message(str(err), *tls))
    except OSError as err:
        return _cannot_serve(bind_error_message(err, host, port))
    stop, again = threading.Event(), threading.Event()
    mark_stopping_on(app, stop)
    install_stop_handlers(stop, again)
    scheme = "https" if tls else "http"
    print(f"Serving profile '{app.config['ZEN_PROFILE']}' on {scheme}://{host}:"
          f"{port} (pid {os.getpid()}).", file=sys.stderr, flush=True)
    if not enforce_rules:
        print("Warning: flavor schemas and stack rules are NOT enforced (testing only).",
              file=sys.stderr, flush=True)
    if not run_until_stopped(server, stop, options.drain_seconds, again):
        return _cannot_serve("The server stopped by itself; its log above says why.")
    print("Stopped.", file=sys.stderr, flush=True)
    return 0


def _cannot_serve(message: str) -> int:
    print(f"Error: {message}", file=sys.stderr, flush=True)
    return 1


if __name__ == "__main__":
    sys.exit(main())
