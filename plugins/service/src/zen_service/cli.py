"""``zenml service up/status/down``: the zen service in the background; ``run``: in the
foreground.

Added to ``zenml`` by :mod:`zen_service.plugin`; the work is in
:mod:`zen_service.manager`, imported when a command runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
from click.core import ParameterSource

from zen_core.cli.options import KeptFile, examples
from zen_core.cli.output import emit_data, info, output_option, success
from zen_service.options import DRAIN_SECONDS, MAX_BODY_MIB, MAX_HEADER_KIB, ServeOptions


@click.group(epilog=examples("zenml service up", "zenml service status",
                             "zenml service down", "zenml service run"))
def service() -> None:
    """Share a profile's stacks over HTTP with a zen service."""


def _where_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """What to serve and where: the options of `up` and `run`."""
    for option in reversed([
        click.option("--profile", "profile", default=None,
                     help="The profile to serve (default: the active one)."),
        click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True,
                     help="The TCP port to listen on."),
        click.option("--host", default="127.0.0.1", show_default=True,
                     help="The address to listen on; 0.0.0.0 lets other machines in."),
        click.option("--tls-cert", type=KeptFile(), default=None,
                     help="Serve HTTPS only, with this PEM certificate (chain) file."),
        click.option("--tls-key", type=KeptFile(), default=None,
                     help="The private key file of --tls-cert."),
        click.option("--trusted-proxies", default=None, callback=_check_trusted_proxies,
                     metavar="N|ADDRESSES",
                     help="Honour X-Forwarded-For/-Proto/-Host from these proxies only: the "
                          "number of proxies in front of the service, or their addresses "
                          "and networks, separated by commas (default: nobody's)."),
        click.option("--max-header-kib", type=click.IntRange(1, 1024),
                     default=MAX_HEADER_KIB, show_default=True,
                     help="Refuse (431) a request line and headers larger than this."),
        click.option("--max-body-mib", type=click.IntRange(1, 1024),
                     default=MAX_BODY_MIB, show_default=True,
                     help="Refuse (413) a request body larger than this."),
        click.option("--drain-seconds", type=click.FloatRange(0, 600),
                     default=DRAIN_SECONDS, show_default=True,
                     help="When asked to stop, keep serving this long while /ready answers "
                          "503, so that a proxy's health checks take the service out first."),
    ]):
        command = option(command)
    return command


def _check_trusted_proxies(ctx: click.Context, param: click.Parameter,
                           value: str | None) -> str | None:
    from zen_service.proxies import parse_trusted_proxies

    if value is not None:
        try:
            parse_trusted_proxies(value)
        except ValueError as err:
            raise click.BadParameter(str(err)) from None
    return value


def _tls(tls_cert: str | None, tls_key: str | None) -> tuple[str, str] | None:
    from zen_core.exceptions import InvalidDataError

    if (tls_cert is None) != (tls_key is None):
        raise InvalidDataError("Give both --tls-cert and --tls-key, or neither.")
    return (tls_cert, tls_key) if tls_cert and tls_key else None


def _prepare() -> None:
    """The first-run steps (the default profile...), quietly as before; warnings show."""
    from zen_core.cli.common import prepare_quietly

    prepare_quietly()


@service.command(epilog=examples(
    "zenml service up",
    "zenml service up --profile team --host 0.0.0.0 --port 8080",
    "zenml service up --tls-cert cert.pem --tls-key key.pem",
    "zenml service up --trusted-proxies 1 --drain-seconds 2"))
@_where_options
@click.pass_context
def up(ctx: click.Context, profile: str | None, port: int, host: str, tls_cert: str | None,
       tls_key: str | None, **options: Any) -> None:
    """Start the service in the background; returns once it answers.

    The first start makes an admin API key for the profile's active user (the user and
    the role are created if needed); `zenml service status --show-token` prints it. If
    it runs already, `up` says so, and fails if an option given differs from its run's.
    """
    from zen_service import manager
    from zen_service.state import ServiceError

    tls = _tls(tls_cert, tls_key)
    _prepare()
    state, started = manager.start_service(profile, host=host, port=port, report=info,
                                           tls=tls, options=ServeOptions(**options))
    if not started:
        given = {**options, "profile": profile, "port": port, "host": host,
                 "tls_cert": tls_cert, "tls_key": tls_key}
        asked = {name: value for name, value in given.items()
                 if ctx.get_parameter_source(name) is not ParameterSource.DEFAULT}
        differs = manager.differences(state, asked)
        if differs:
            raise ServiceError(
                f"The zen service is already running at '{state.url}' (pid {state.pid}), "
                f"with other options: {'; '.join(differs)}. Stop it with `zenml service "
                "down` first to start it with these.")
        success(
            f"The zen service is already running at '{state.url}' (pid {state.pid}), serving "
            f"profile '{state.profile}'. Stop it with `zenml service down` to start it with "
            "other options."
        )
        return
    success(f"Zenml Service running at '{state.url}'.")


@service.command(epilog=examples(
    "zenml service run --host 0.0.0.0 --port 8080",
    "zenml service run --profile team --trusted-proxies 10.0.0.5 --drain-seconds 2"))
@_where_options
def run(profile: str | None, port: int, host: str, tls_cert: str | None,
        tls_key: str | None, **options: Any) -> None:
    """Serve in the foreground, for systemd or a container: logs on stderr.

    SIGTERM or CTRL-C stops it gracefully (the requests in flight finish) and it exits 0;
    it exits 1 when it cannot serve. It makes no API key and no state file: create keys
    with `zenml user key create` on the served profile.
    """
    from zen_service.daemon import serve_profile

    tls = _tls(tls_cert, tls_key)
    _prepare()
    code = serve_profile(profile, host, port, tls=tls, options=ServeOptions(**options))
    if code:
        raise SystemExit(code)


@service.command(epilog=examples("zenml service status",
                                 "zenml service status --output json",
                                 "zenml service status --show-token"))
@click.option("--show-token", is_flag=True,
              help="Also print the service's admin API key (keep it secret).")
@output_option
def status(show_token: bool, output_format: str) -> int:
    """Tell whether the service runs, where, and for which profile."""
    from zen_service import manager
    from zen_service.state import state_path

    status_, state = manager.service_status()
    if state is not None and status_ in (manager.RUNNING, manager.NOT_RESPONDING):
        data = {"status": status_, "url": state.url, "pid": state.pid,
                "profile": state.profile, "host": state.host, "port": state.port}
    else:
        data = {"status": manager.STOPPED, "url": None, "pid": None, "profile": None,
                "host": None, "port": None}
    data["state_file"] = str(state_path())
    if show_token:
        data["token"] = state.token if state is not None and state.token else None
    if emit_data(data, output_format):
        return 0 if status_ == manager.RUNNING else 3  # exit code: 3 = not running (LSB)
    if status_ == manager.RUNNING:
        click.echo(f"The zen service is running at '{state.url}' (pid {state.pid}), "
                   f"serving profile '{state.profile}'.")
    elif status_ == manager.NOT_RESPONDING:
        click.echo(f"The zen service process (pid {state.pid}) is running but does not answer "
                   f"at '{state.url}'. Restart it with `zenml service down` and "
                   "`zenml service up`.")
    elif status_ == manager.GONE:
        click.echo(f"The zen service is not running: its process (pid {state.pid}) is gone. "
                   "Start it again with `zenml service up`.")
    else:
        click.echo("The zen service is not running. Start it with `zenml service up`.")
    if show_token:
        if state is None or not state.token:
            click.echo("No key yet: `zenml service up` creates one.")
        else:
            click.echo(f"Token: {state.token}")
    return 0 if status_ == manager.RUNNING else 3  # exit code: 3 = not running (LSB)


@service.command(epilog=examples("zenml service down"))
def down() -> None:
    """Stop the service gracefully (requests in flight complete)."""
    from zen_service import manager

    was, state = manager.stop_service()
    if was == manager.RUNNING:
        success(f"Zenml Service at '{state.url}' stopped.")
    elif was == manager.GONE:
        success(f"The zen service was not running: its process (pid {state.pid}) was gone.")
    else:
        success("The zen service is not running.")
