"""What most commands share: the client, with its preamble on stderr; asking before deletes."""

from __future__ import annotations

import sys

import click

from zen_core.cli.options import PROFILE, STACK
from zen_core.cli.output import info, warning
from zen_core.client import Client


def make_client(announce: bool = True) -> Client:
    """A client reporting to stderr, with the profile and stack the command line names
    (``--profile``, ``--stack``); ``announce`` prints the repository and profile lines."""
    from zen_core.cli.progress import cli_progress

    ctx = click.get_current_context(silent=True)
    meta = ctx.meta if ctx is not None else {}
    client = Client(report=info, warn=warning, profile=meta.get(PROFILE),
                    stack=meta.get(STACK), progress=cli_progress()).prepare()
    if announce:
        if client.repository is None:
            info("Running without an active repository root.")
        info(f"Running with active profile: '{client.profile.name}' ({client.profile_scope})")
    return client


def confirm_deletion(question: str, yes: bool) -> None:
    """Ask ``question`` when a person is at the terminal (stdin is one) and ``--yes`` was
    not given; without a terminal the delete goes ahead, as kubectl and docker do. A "no"
    aborts the command (exit 1, nothing deleted)."""
    if yes or not sys.stdin.isatty():
        return
    click.confirm(question, default=False, abort=True, err=True)
