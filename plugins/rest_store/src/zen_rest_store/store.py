"""The rest store: the store contract over HTTP(S), against a zen service.

::

    from zen_core.store import StoreContext
    from zen_rest_store.store import RestStore

    store = RestStore("https://zen.example.com", StoreContext(token="zen_..."))
    for stack in store.list_stacks():
        print(stack.name, stack.revision, stack.components)

The API key is the context's, else ``$ZENML_STORE_TOKEN``, else, when the URL
is the service this machine runs (``zenml service up``), the key in its state
file in the context's config folder. That last key is sent only once the
service at the URL has proved it is the run the state file records
(:mod:`zen_rest_store.identity`); otherwise nothing is sent and the error says
so. Over HTTPS the server's certificate is checked against the system's CAs,
or the context's ``ca_cert``, or not at all with ``insecure``.

Error responses become the same ``zen_core`` exception, with the same message,
that the service raised (a stale ``If-Match`` is a :class:`ConflictError`, a
missing role a :class:`NotPermittedError`); an unreachable service, or one that
speaks another protocol than the URL says, is a :class:`StoreUnavailableError`
at once (:mod:`zen_rest_store.failures`). One ``requests.Session`` per store
instance keeps connections alive.

Writes (:meth:`RestStore.apply`): one write of a stack or component is one
request to its own route (``POST``, ``PATCH`` or ``DELETE``, with ``If-Match``
when it names the revision it expects); several writes, and every write of
users, teams, roles and keys, are one ``POST /api/v1/batch``, which the service
applies all or nothing. The service records them in the history as done by the
key's user: the ``actor`` given to :meth:`apply` is not sent.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from zen_core import env
from zen_core.account_records import ApiKey, Event, RoleAssignment, Team, User
from zen_core.exceptions import NotPermittedError, StoreUnavailableError, UserNotFoundError
from zen_core.models import Component, ComponentType, Stack
from zen_core.secret_records import Secret
from zen_core.store import BaseStore, StoreContext, StoreRules, Written
from zen_core.writes import (
    AccountWrite,
    AddTeamMember,
    AssignRole,
    CreateApiKey,
    CreateSecret,
    CreateTeam,
    CreateUser,
    DeleteComponent,
    DeleteSecret,
    RegisterComponent,
    RegisterStack,
    RemoveTeamMember,
    TouchApiKey,
    UpdateComponent,
    UpdateSecret,
    UpdateStack,
    Write,
    to_dict,
)
from zen_rest_store import __version__
from zen_rest_store.failures import PROFILE_TOKEN, answered_error, unreachable
from zen_rest_store.identity import (
    LOCAL_HOSTS,
    LocalService,
    check_identity,
    local_service,
    local_service_token,
)

__all__ = ["RestStore", "local_service", "local_service_token"]

ENV_TOKEN = env.STORE_TOKEN
API_PREFIX = "/api/v1"
#: Seconds to connect (a down service fails at once; an unroutable host after this)...
CONNECT_TIMEOUT = 3.0
#: ...and to wait for an answer (the service waits up to 30 s for a busy store's lock).
READ_TIMEOUT = 10.0
#: The service's header with the expiry (ISO 8601, UTC) of the key a request was sent with.
KEY_EXPIRES_HEADER = "X-Zen-Key-Expires"
#: A key that expires within this is announced (one line) by the commands that use it.
EXPIRY_NOTICE = timedelta(days=7)
#: A batch may wait this much longer per write it holds (a profile copy of thousands).
BATCH_SECONDS_PER_WRITE = 0.01

class RestStore(BaseStore):
    """The store of a zen service.

    ``rules`` given to :meth:`apply` (and the write helpers) are not sent: the
    service applies its own, those of the flavors installed where it runs,
    inside the same lock or transaction, through ``zen_core.services``. So a
    write through a rest profile is refused exactly as the service's own CLI
    would refuse it, with the same message. Roles are the service's to check
    too (the store type ``authorizes``): the domain layer does not check them
    again on this side.
    """

    type_name = "rest"
    #: The service seals secret values with its profile's key: they travel in clear (TLS).
    seals_secrets = True

    def __init__(self, url: str, context: StoreContext | None = None) -> None:
        super().__init__(url.rstrip("/"), context)
        self._session: requests.Session | None = None
        #: The local service whose identity was checked (its key may be sent).
        self._checked: LocalService | None = None
        self._expiry_told = False

    # --- HTTP ---------------------------------------------------------------------------
    @property
    def session(self) -> requests.Session:
        if self._session is None:
            session = requests.Session()
            # A proxy from $HTTP_PROXY cannot reach this machine's own service.
            session.trust_env = urlsplit(self.url).hostname not in LOCAL_HOSTS
            session.headers.update({
                "Accept": "application/json",
                "User-Agent": f"zen-rest-store/{__version__}",
            })
            if self.context.insecure:
                import urllib3

                # NOTE: the profile was created with --insecure, after a warning; one per
                # request would bury every answer.
                urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
                session.verify = False
            elif self.context.ca_cert:
                session.verify = str(self._readable_ca(self.context.ca_cert))
            self._session = session
        return self._session

    def _readable_ca(self, path: Path) -> Path:
        """The CA file, checked: a file that went away is one line saying what to do."""
        try:
            with open(path, "rb") as f:
                f.read(1)
        except OSError as err:
            raise StoreUnavailableError(
                f"Cannot read the CA certificate {path} ({err.strerror or err}) that "
                f"{self._whose} trusts. {self._update_hint('--ca-cert FILE', 'a CA file')}"
            ) from None
        return path

    @property
    def _whose(self) -> str:
        return f"profile '{self.context.profile}'" if self.context.profile else "this store"

    def _update_hint(self, option: str, what: str) -> str:
        if not self.context.profile:
            return f"Open the store with {what} that works."
        return f"Give it {what} with `zenml profile update {self.context.profile} {option}`."

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def _token_and_source(self) -> tuple[str | None, str]:
        """The key to send: one given in code, else ``$ZENML_STORE_TOKEN`` (over the
        profile's, as ``AWS_*`` variables win over a stored profile), else the profile's,
        else the key of the service this machine runs."""
        if self.context.token and not self.context.profile:
            return self.context.token, "the token it was given"
        token = os.environ.get(ENV_TOKEN)
        if token:
            return token, f"the token in ${ENV_TOKEN}"
        if self.context.token:
            return self.context.token, PROFILE_TOKEN
        local = local_service(self.url, self.config_directory)
        if local is not None:
            if self._checked != local:
                check_identity(self, local)
                self._checked = local
            return local.token, "the key of the service this machine runs"
        return None, (
            f"no token (the profile has none, ${ENV_TOKEN} is not set, and {self.url} is "
            "not the service this machine runs)"
        )

    def request(self, method: str, path: str, *, headers: dict[str, str] | None = None,
                timeout: float | None = None, **kwargs: Any) -> requests.Response:
        """One HTTP request to the service (no API key added), errors of the connection
        raised as StoreUnavailableError saying what went wrong."""
        read_timeout = timeout or READ_TIMEOUT
        session = self.session
        try:
            return session.request(method, self.url + path, headers=headers,
                                   timeout=(CONNECT_TIMEOUT, read_timeout), **kwargs)
        except requests.RequestException as err:
            raise unreachable(self.url, self.context.profile, err, CONNECT_TIMEOUT,
                              read_timeout) from None
        except OSError as err:  # a CA file unreadable since the check above
            raise StoreUnavailableError(
                f"Cannot talk to the zen service at {self.url}: {err}.") from None

    def _call(self, method: str, path: str, body: Any = None, *,
              expected_revision: int | None = None, timeout: float | None = None,
              params: dict[str, Any] | None = None) -> Any:
        token, source = self._token_and_source()
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if expected_revision is not None:
            headers["If-Match"] = f'"{expected_revision}"'
        response = self.request(method, API_PREFIX + path, json=body, headers=headers,
                                timeout=timeout, params=params)
        if response.status_code >= 400:
            raise answered_error(self.url, response, source, self._update_hint)
        self._announce_expiry(response, source)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise StoreUnavailableError(
                f"The server at {self.url} answered {method} {path} with something that is "
                "not JSON: is it a zen service?"
            ) from None

    def _announce_expiry(self, response: requests.Response, token_source: str) -> None:
        """Once per store: a key that expires within :data:`EXPIRY_NOTICE` (the service
        sends the expiry of the key it was given), on the context's ``warn``."""
        expires = response.headers.get(KEY_EXPIRES_HEADER)
        if self._expiry_told or not expires or self.context.warn is None:
            return
        try:
            moment = datetime.fromisoformat(expires.replace("Z", "+00:00"))
        except ValueError:
            return
        left = moment - datetime.now(timezone.utc)
        if left > EXPIRY_NOTICE:
            return
        self._expiry_told = True
        days = max(left.total_seconds(), 0) / 86400
        when = f"in {days:.0f} days" if days >= 1.5 else f"in {days * 24:.0f} hours"
        hint = (self._update_hint("--token-stdin", "a new one") if token_source ==
                PROFILE_TOKEN else "Ask an admin for a new one.")
        self.context.warn(f"The API key ({token_source}) of {self._whose} expires {when}, at "
                          f"{expires}. {hint}")

    # --- reads ------------------------------------------------------------------------------
    def list_stacks(self) -> list[Stack]:
        return [Stack.from_dict(d) for d in self._call("GET", "/stacks")["items"]]

    def get_stack(self, name: str) -> Stack:
        return Stack.from_dict(self._call("GET", _stack_path(name)))

    def list_components(self, type: ComponentType | None = None) -> list[Component]:
        path = "/components" if type is None else f"/components/{ComponentType.parse(type).value}"
        return [Component.from_dict(d) for d in self._call("GET", path)["items"]]

    def get_component(self, type: ComponentType, name: str) -> Component:
        return Component.from_dict(self._call("GET", _component_path(type, name)))

    # --- secrets (values in clear over the wire: the service seals them) ----------------------
    def list_secrets(self) -> list[Secret]:
        return [Secret.from_dict(d) for d in self._call("GET", "/secrets")]

    def get_secret(self, name: str) -> Secret:
        return Secret.from_dict(self._call("GET", _secret_path(name)))

    # --- accounts and history (reads) --------------------------------------------------------
    def list_users(self) -> list[User]:
        return [User.from_dict(d) for d in self._call("GET", "/users")]

    def list_teams(self) -> list[Team]:
        return [Team.from_dict(d) for d in self._call("GET", "/teams")]

    def list_role_assignments(self) -> list[RoleAssignment]:
        return [RoleAssignment.from_dict(d) for d in self._call("GET", "/role-assignments")]

    def list_api_keys(self, user: str | None = None) -> list[ApiKey]:
        """The keys (admins only), without their hashes: a service never sends them, so each
        record's ``secret_hash`` is empty."""
        if user is None:
            found = [k for u in self.list_users() for k in self.list_api_keys(u.name)]
            return sorted(found, key=lambda k: (k.user, k.name))
        try:
            data = self._call("GET", f"/users/{_q(user)}/api-keys")
        except UserNotFoundError:
            return []  # as every store answers for a user it does not know
        return [ApiKey.from_dict(d) for d in data]

    def find_api_key(self, key_id: str) -> ApiKey | None:
        raise NotPermittedError(
            "A rest store does not look API keys up: the zen service checks the keys it is "
            "sent, and never sends their hashes."
        )

    def list_events(self, *, limit: int = 50, offset: int = 0, actor: str | None = None,
                    target: str | None = None, name: str | None = None,
                    ) -> tuple[list[Event], int]:
        params = {"limit": limit, "offset": offset, "user": actor, "target": target,
                  "name": name}
        data = self._call("GET", "/events",
                          params={k: v for k, v in params.items() if v is not None})
        return [Event.from_dict(e) for e in data["events"]], int(data["total"])

    def whoami(self) -> dict[str, Any]:
        """Who the service takes this client for: ``{"user", "roles", "key"}`` (the user of
        the API key sent, their roles, and the key's name, creation, expiry and last use)."""
        return self._call("GET", "/me")

    # --- writes -----------------------------------------------------------------------------
    def apply(self, writes: Sequence[Write], rules: StoreRules | None = None,
              actor: str | None = None) -> list[Written]:
        """One write of a stack or component: its own route; several, or any write of
        accounts: one ``POST /batch``, all or nothing.

        ``rules`` and ``actor`` are not sent: the service applies its own rules and
        records the key's user (see the class).
        """
        writes = list(writes)
        if not writes:
            return []
        if any(isinstance(w, TouchApiKey) for w in writes):
            raise NotPermittedError(
                "A zen service records the use of its API keys itself: a rest store does not "
                "write a key's last use.")
        if len(writes) == 1 and not isinstance(writes[0], AccountWrite):
            return [self._apply_one(writes[0])]
        timeout = READ_TIMEOUT + BATCH_SECONDS_PER_WRITE * len(writes)
        answer = self._call("POST", "/batch", {"writes": [to_dict(w) for w in writes]},
                            timeout=timeout)
        written = answer.get("written") if isinstance(answer, dict) else None
        if not isinstance(written, list) or len(written) != len(writes):
            raise StoreUnavailableError(
                f"The zen service at {self.url} answered a batch of {len(writes)} writes "
                "with something else than their records: is it a zen service of this version?"
            )
        return [_record(write, data) for write, data in zip(writes, written, strict=True)]

    def _apply_one(self, write: Write) -> Written:
        if isinstance(write, CreateSecret):
            body = {"name": write.secret.name, "uuid": write.secret.uuid,
                    "values": write.secret.values}
            return Secret.from_dict(self._call("POST", "/secrets", body))
        if isinstance(write, UpdateSecret):
            return Secret.from_dict(self._call(
                "PATCH", _secret_path(write.name), write.change.to_dict(),
                expected_revision=write.change.expected_revision))
        if isinstance(write, DeleteSecret):
            self._call("DELETE", _secret_path(write.name),
                       expected_revision=write.expected_revision)
            return None
        if isinstance(write, RegisterComponent):
            body = write.component.to_dict()
            for key in ("revision", "created", "updated"):
                del body[key]
            return Component.from_dict(self._call("POST", "/components", body))
        if isinstance(write, UpdateComponent):
            data = self._call("PATCH", _component_path(write.type, write.name),
                              write.change.to_dict(),
                              expected_revision=write.change.expected_revision)
            return Component.from_dict(data)
        if isinstance(write, DeleteComponent):
            self._call("DELETE", _component_path(write.type, write.name),
                       expected_revision=write.expected_revision)
            return None
        if isinstance(write, RegisterStack):
            body = {"name": write.stack.name,
                    "components": {t.value: n for t, n in write.stack.components.items()}}
            if write.stack.labels:
                body["labels"] = dict(write.stack.labels)
            return Stack.from_dict(self._call("POST", "/stacks", body))
        if isinstance(write, UpdateStack):
            data = self._call("PATCH", _stack_path(write.name), write.change.to_dict(),
                              expected_revision=write.change.expected_revision)
            return Stack.from_dict(data)
        self._call("DELETE", _stack_path(write.name), expected_revision=write.expected_revision)
        return None


def _record(write: Write, data: Any) -> Any:
    """The record the service answered for ``write``."""
    if data is None:
        return None
    if isinstance(write, (CreateSecret, UpdateSecret)):
        return Secret.from_dict(data)
    if isinstance(write, (RegisterStack, UpdateStack)):
        return Stack.from_dict(data)
    if isinstance(write, (RegisterComponent, UpdateComponent)):
        return Component.from_dict(data)
    if isinstance(write, CreateUser):
        return User.from_dict(data)
    if isinstance(write, (CreateTeam, AddTeamMember, RemoveTeamMember)):
        return Team.from_dict(data)
    if isinstance(write, AssignRole):
        return RoleAssignment.from_dict(data)
    if isinstance(write, CreateApiKey):
        return ApiKey.from_dict(data)
    return None


def _q(name: str) -> str:
    return quote(str(name), safe="")


def _stack_path(name: str) -> str:
    return f"/stacks/{_q(name)}"


def _secret_path(name: str) -> str:
    return f"/secrets/{_q(name)}"


def _component_path(type: ComponentType, name: str) -> str:
    return f"/components/{ComponentType.parse(type).value}/{_q(name)}"
