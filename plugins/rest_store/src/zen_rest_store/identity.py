"""The service this machine runs: its key, found in its state file, sent only to it.

``zenml service up`` writes ``service.json`` (mode 0600) in the zen config
folder with the service's admin API key and the secret of the current run
(``instance``); :mod:`zen_core.local_service` reads it (shared with zen-service,
which this distribution must not depend on). Before the key is sent, the program
answering at the URL must prove it knows that secret: ``GET /health?challenge=C``
answers ``proof`` = HMAC-SHA256(secret, C) for a fresh random C. A program that
took the port after the service stopped (or any other one) cannot, even one that
once read the service's ``/health``: the secret never leaves the service and the
file. A mismatch is refused in one line and nothing is sent.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from zen_core.exceptions import StoreUnavailableError
from zen_core.local_service import (
    LOCAL_HOSTS,
    LocalService,
    instance_proof,
    local_service,
    proof_matches,
)
from zen_rest_store.failures import wrong_scheme

if TYPE_CHECKING:
    from zen_rest_store.store import RestStore

__all__ = ["LOCAL_HOSTS", "LocalService", "check_identity", "expected_proof", "local_service",
           "local_service_token"]

#: What the service answers a challenge with (kept under its old name for the tests).
expected_proof = instance_proof


def local_service_token(url: str, config_directory: Path | None) -> str | None:
    """Just the key of :func:`local_service`."""
    found = local_service(url, config_directory)
    return found.token if found is not None else None


def check_identity(store: RestStore, local: LocalService) -> None:
    """Raise StoreUnavailableError, having sent no key, unless the service at the store's
    URL proves it is the run of ``local``."""
    url = store.url
    refused = (f"The program answering at {url} is not the zen service this machine "
               "started")
    how = ("so its key was not sent. Check with `zenml service status`, and restart it "
           "with `zenml service up` if it is not running.")
    if not local.instance:
        raise StoreUnavailableError(
            f"{refused}, or it cannot tell: the state file service.json records no "
            f"instance to check (it was written by an older zen), {how}")
    challenge = secrets.token_urlsafe(24)
    response = store.request("GET", "/health", params={"challenge": challenge})
    wrong = wrong_scheme(url, response)
    if wrong is not None:
        raise wrong
    try:
        proof = response.json().get("proof") if response.status_code == 200 else None
    except (ValueError, AttributeError):
        proof = None
    if not proof_matches(local.instance, challenge, proof):
        raise StoreUnavailableError(f"{refused} (it could not prove the instance recorded "
                                    f"in service.json), {how}")
