"""The service this machine runs: its key, found in its state file, sent only to it.

``zenml service up`` writes ``service.json`` (mode 0600) in the zen config
folder with the service's admin API key and the secret of the current run
(``instance``); the format belongs to ``zen_service.state``, which this
distribution must not depend on, hence this small reader. Before the key is
sent, the program answering at the URL must prove it knows that secret:
``GET /health?challenge=C`` answers ``proof`` = HMAC-SHA256(secret, C) for a
fresh random C. A program that took the port after the service stopped (or
any other one) cannot, even one that once read the service's ``/health``:
the secret never leaves the service and the file. A mismatch is refused in one
line and nothing is sent.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from zen_core.exceptions import StoreUnavailableError, ZenError

if TYPE_CHECKING:
    from zen_rest_store.store import RestStore

#: The service's state file in the zen config folder (format owned by zen_service.state).
SERVICE_STATE_FILE = "service.json"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


@dataclass(frozen=True)
class LocalService:
    token: str
    #: The secret of its current run ("" in a state file of an older zen).
    instance: str


def local_service(url: str, config_directory: Path | None) -> LocalService | None:
    """The key and run secret of the service this machine runs, if ``url`` points at it.

    The state file is looked for in ``config_directory``, the zen config folder of
    whoever opened the store (``StoreContext.config_directory``); without one there
    is no local service to find: a store never reads the global configuration.
    """
    if config_directory is None:
        return None
    try:
        data = json.loads((config_directory / SERVICE_STATE_FILE).read_text(encoding="utf-8"))
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except (OSError, ValueError, ZenError):
        return None
    if not isinstance(data, dict) or data.get("port") != port:
        return None
    if parts.hostname not in LOCAL_HOSTS and parts.hostname != data.get("host"):
        return None
    token, instance = data.get("token"), data.get("instance")
    if not isinstance(token, str) or not token:
        return None
    return LocalService(token, instance if isinstance(instance, str) else "")


def local_service_token(url: str, config_directory: Path | None) -> str | None:
    """Just the key of :func:`local_service`."""
    found = local_service(url, config_directory)
    return found.token if found is not None else None


def expected_proof(instance: str, challenge: str) -> str:
    return hmac.new(instance.encode(), challenge.encode(), hashlib.sha256).hexdigest()


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
    wrong = store.wrong_scheme(response)
    if wrong is not None:
        raise wrong
    try:
        proof = response.json().get("proof") if response.status_code == 200 else None
    except (ValueError, AttributeError):
        proof = None
    if not isinstance(proof, str) or not hmac.compare_digest(
            proof, expected_proof(local.instance, challenge)):
        raise StoreUnavailableError(f"{refused} (it could not prove the instance recorded "
                                    f"in service.json), {how}")
