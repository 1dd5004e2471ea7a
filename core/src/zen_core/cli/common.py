"""What most commands share: the client, with its preamble on stderr; asking before deletes."""

from __future__ import annotations

import sys

import click

from zen_core.cli.options import PROFILE, STACK
from zen_core.cli.output import info, warning
from zen_core.client import Client

#: ``ctx.meta`` key: the effective store's failure at start, and the way round it.
STORE_PROBLEM = "zen.store_problem"


def make_client(announce: bool = True, store: bool = True) -> Client:
    """A client reporting to stderr, with the profile and stack the command line names
    (``--profile``, ``--stack``); ``announce`` prints the repository and profile lines.
    ``store=False`` is for commands that manage profiles: they open no profile's store
    unless they must, and work with no profile in effect (a stale global choice)."""
    from zen_core.cli.progress import cli_progress
    from zen_core.exceptions import ProfileNotFoundError, StoreUnavailableError
    from zen_core.services.setup import way_round

    ctx = click.get_current_context(silent=True)
    meta = ctx.meta if ctx is not None else {}
    client = Client(report=info, warn=warning, profile=meta.get(PROFILE),
                    stack=meta.get(STACK), progress=cli_progress()).prepare(store=store)
    try:
        profile, scope = client.profile.name, client.profile_scope
    except ProfileNotFoundError as err:
        if store:
            raise
        warning(err.message)
        return client
    if announce:
        if client.repository is None:
            info("Running without an active repository root.")
        info(f"Running with active profile: '{profile}' ({scope})")
    if client.store_problem is not None:
        meta[STORE_PROBLEM] = (str(client.store_problem), way_round(client.context))
        if store and isinstance(client.store_problem, StoreUnavailableError):
            # The command needs that store: asking again would cost a second time-out.
            raise client.store_problem
    return client


def way_round_of(ctx: click.Context, err: Exception) -> str | None:
    """The way round ``err`` if it is the effective store's failure seen at start."""
    problem = ctx.meta.get(STORE_PROBLEM)
    return problem[1] if problem and problem[0] in str(err) else None


def prepare_quietly() -> None:
    """The first-run steps every command takes (:meth:`Client.prepare`), with warnings
    only: for a command that works on no profile's records (``zenml service up``)."""
    Client(warn=warning).prepare()


def confirm_deletion(question: str, yes: bool) -> None:
    """Ask ``question`` when a person is at the terminal (stdin is one) and ``--yes`` was
    not given; without a terminal the delete goes ahead, as kubectl and docker do. A "no"
    aborts the command (exit 1, nothing deleted)."""
    if yes or not sys.stdin.isatty():
        return
    if sys.platform == "win32":
        click.confirm(question, default=False, abort=True, err=True)
        return
    while True:
        click.echo(f"{question} [y/N]: ", nl=False, err=True)
        answer = _read_answer()
        if answer in ("y", "yes"):
            return
        if answer in ("", "n", "no"):
            raise click.Abort()
        click.echo("Error: invalid input", err=True)


def _read_answer() -> str:
    """A line from the terminal, waiting in short ``select`` calls.

    NOTE: not ``input()``: a Ctrl-C that lands between the prompt and the read() that
    input() then blocks in is only acted on when a line comes in (CPython runs Python
    signal handlers between calls, and that read() was not interrupted). Each select()
    returns within 0.1 s, so a Ctrl-C always ends the command at once (exit 130)."""
    import select

    while not select.select([sys.stdin], [], [], 0.1)[0]:
        pass
    line = sys.stdin.readline()
    if not line:  # end of input (Ctrl-D): as click does, no answer is a no
        raise click.Abort()
    return line.strip().lower()
