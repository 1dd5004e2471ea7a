"""What most commands share: the client, with its preamble on stderr."""

from __future__ import annotations

from zen_core.cli.output import info, warning
from zen_core.client import Client


def make_client(announce: bool = True) -> Client:
    """A client reporting to stderr; ``announce`` prints the repository and profile lines."""
    client = Client(report=info, warn=warning).prepare()
    if announce:
        if client.repository is None:
            info("Running without an active repository root.")
        info(f"Running with active profile: '{client.profile.name}' ({client.profile_scope})")
    return client
