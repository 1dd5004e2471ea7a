"""What the zen service on this machine and its clients share: the state file's name,
which host names mean "this machine", and how a run proves who it is.

``zenml service up`` (``zen_service.state``) writes ``<config dir>/service.json``;
the ``rest`` store reads it to find the key of the service on this machine, and must
not depend on zen-service to do so: both take these from here, so there is one set
of local host names and one proof (standard library only: the CLI imports it).

The proof: ``/health?challenge=C`` answers HMAC-SHA256 of C under the secret of the
service's current run (``instance`` in the state file), so a client tells the service
from another program that took its port before it sends the key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

#: The service's state file in the zen config folder.
STATE_FILE = "service.json"

#: Host names a client on this machine reaches it by.
LOCAL_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
#: Addresses a service binds to listen on every interface (this machine's among them).
WILDCARDS = frozenset({"", "0.0.0.0", "::"})
#: Either: a host that is this machine.
LOCAL_HOSTS = LOCAL_NAMES | WILDCARDS


def is_local_host(host: str | None) -> bool:
    return (host or "") in LOCAL_HOSTS


def probe_host(host: str) -> str:
    """The address to reach a service bound to ``host`` from this machine."""
    if host in WILDCARDS:
        return "::1" if host == "::" else "127.0.0.1"
    return host


def instance_id(instance: str) -> str:
    """The public id of a run (``/health``'s ``instance``), which does not reveal its secret."""
    return hashlib.sha256(b"zen-service-instance:" + instance.encode()).hexdigest()[:16]


def instance_proof(instance: str, challenge: str) -> str:
    """What ``/health?challenge=C`` answers: HMAC-SHA256 of C under the run's secret."""
    return hmac.new(instance.encode(), challenge.encode(), hashlib.sha256).hexdigest()


def proof_matches(instance: str, challenge: str, proof: object) -> bool:
    """Whether ``proof`` is the run ``instance``'s answer to ``challenge`` (constant time)."""
    return isinstance(proof, str) and hmac.compare_digest(
        proof, instance_proof(instance, challenge))


@dataclass(frozen=True)
class LocalService:
    """The service this machine runs, as a client needs it: its key and run secret."""

    token: str
    #: The secret of its current run ("" in a state file of an older zen).
    instance: str


def local_service(url: str, config_directory: Path | None) -> LocalService | None:
    """The key and run secret of the service this machine runs, if ``url`` points at it.

    The state file is looked for in ``config_directory``, the zen config folder of
    whoever opened the store; without one there is no local service to find.
    """
    if config_directory is None:
        return None
    try:
        data = json.loads((config_directory / STATE_FILE).read_text(encoding="utf-8"))
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("port") != port:
        return None
    if not is_local_host(parts.hostname) and parts.hostname != data.get("host"):
        return None
    token, instance = data.get("token"), data.get("instance")
    if not isinstance(token, str) or not token:
        return None
    return LocalService(token, instance if isinstance(instance, str) else "")
