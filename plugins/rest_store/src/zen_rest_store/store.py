"""The rest store: the store contract over HTTP, against a zen service.

::

    from zen_core.store import StoreContext
    from zen_rest_store.store import RestStore

    store = RestStore("http://localhost:8000", StoreContext(token="..."))
    for stack in store.list_stacks():
        print(stack.name, stack.revision, stack.components)

The token is the context's, else ``$ZENML_STORE_TOKEN``, else, when the URL is
the service this machine runs (``zenml service up``), the token in its state
file in the context's config folder. Error responses become the same
``zen_core`` exception, with the same message, that the service raised (a
stale ``If-Match`` is a :class:`ConflictError`); an unreachable service is a
:class:`StoreUnavailableError` within a few seconds. One ``requests.Session``
per store instance keeps connections alive between calls.

Writes (:meth:`RestStore.apply`): one write is one request to its own route
(``POST``, ``PATCH`` or ``DELETE``, with ``If-Match`` when it names the
revision it expects); several are one ``POST /api/v1/batch``, which the
service applies all or nothing.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from zen_core import env
from zen_core.exceptions import (
    AlreadyExistsError,
    AuthenticationError,
    ConflictError,
    InvalidDataError,
    NotFoundError,
    NotPermittedError,
    StoreUnavailableError,
    ZenError,
    error_class,
)
from zen_core.models import Component, ComponentType, Stack
from zen_core.store import BaseStore, StoreContext, StoreRules, Written
from zen_core.writes import (
    DeleteComponent,
    DeleteStack,
    RegisterComponent,
    RegisterStack,
    UpdateComponent,
    UpdateStack,
    Write,
    to_dict,
)
from zen_rest_store import __version__

ENV_TOKEN = env.STORE_TOKEN
API_PREFIX = "/api/v1"
#: Seconds to connect (a down service fails at once; an unroutable host after this)...
CONNECT_TIMEOUT = 3.0
#: ...and to wait for an answer (the service waits up to 30 s for a busy store's lock).
READ_TIMEOUT = 10.0
#: A batch may wait this much longer per write it holds (a profile copy of thousands).
BATCH_SECONDS_PER_WRITE = 0.01
#: The service's state file in the zen config folder (format owned by zen_service.state).
SERVICE_STATE_FILE = "service.json"

_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}

#: For an error class name we don't know (a newer service): the class by HTTP status.
_BY_STATUS: dict[int, type[ZenError]] = {
    401: AuthenticationError,
    403: NotPermittedError,
    404: NotFoundError,
    409: AlreadyExistsError,
    412: ConflictError,
    422: InvalidDataError,
}


def local_service_token(url: str, config_directory: Path | None = None) -> str | None:
    """The token of the service this machine runs, if ``url`` points at it.

    The service's state file is looked for in ``config_directory`` (default: the
    zen config folder of this process).
    """
    from zen_core.config import config_dir

    try:
        folder = config_directory or config_dir()
        data = json.loads((folder / SERVICE_STATE_FILE).read_text(encoding="utf-8"))
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except (OSError, ValueError, ZenError):
        return None
    if not isinstance(data, dict) or data.get("port") != port:
        return None
    if parts.hostname not in _LOCAL_HOSTS and parts.hostname != data.get("host"):
        return None
    token = data.get("token")
    return token if isinstance(token, str) and token else None


class RestStore(BaseStore):
    """The store of a zen service.

    ``rules`` given to :meth:`apply` (and the write helpers) are not sent: the
    service applies its own, those of the flavors installed where it runs,
    inside the same lock or transaction, through ``zen_core.services``. So a
    write through a rest profile is refused exactly as the service's own CLI
    would refuse it, with the same message.
    """

    type_name = "rest"

    def __init__(self, url: str, context: StoreContext | None = None) -> None:
        super().__init__(url.rstrip("/"), context)
        self._session: requests.Session | None = None

    # --- HTTP ---------------------------------------------------------------------------
    @property
    def session(self) -> requests.Session:
        if self._session is None:
            session = requests.Session()
            # A proxy from $HTTP_PROXY cannot reach this machine's own service.
            session.trust_env = urlsplit(self.url).hostname not in _LOCAL_HOSTS
            session.headers.update({
                "Accept": "application/json",
                "User-Agent": f"zen-rest-store/{__version__}",
            })
            self._session = session
        return self._session

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def _token_and_source(self) -> tuple[str | None, str]:
        if self.context.token:
            return self.context.token, (
                "the profile's token" if self.context.profile else "the token it was given")
        token = os.environ.get(ENV_TOKEN)
        if token:
            return token, f"the token in ${ENV_TOKEN}"
        local = local_service_token(self.url, self.config_directory)
        if local:
            return local, "the token of the service this machine runs"
        return None, (
            f"no token (the profile has none, ${ENV_TOKEN} is not set, and {self.url} is "
            "not the service this machine runs)"
        )

    def _call(self, method: str, path: str, body: Any = None, *,
              expected_revision: int | None = None, timeout: float | None = None) -> Any:
        token, source = self._token_and_source()
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if expected_revision is not None:
            headers["If-Match"] = f'"{expected_revision}"'
        try:
            response = self.session.request(
                method, self.url + API_PREFIX + path, json=body, headers=headers,
                timeout=(CONNECT_TIMEOUT, timeout or READ_TIMEOUT),
            )
        except requests.RequestException as err:
            raise self._unreachable(err, timeout or READ_TIMEOUT) from None
        if response.status_code >= 400:
            raise self._error(response, source)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise StoreUnavailableError(
                f"The server at {self.url} answered {method} {path} with something that is "
                "not JSON: is it a zen service?"
            ) from None

    def _unreachable(self, err: requests.RequestException,
                     read_timeout: float) -> StoreUnavailableError:
        text = str(err)
        if isinstance(err, requests.ConnectTimeout):
            reason = f"no connection within {CONNECT_TIMEOUT:g} s"
        elif isinstance(err, requests.ReadTimeout):
            reason = f"no answer within {read_timeout:g} s"
        elif "refused" in text or "Errno 111" in text or "10061" in text:
            reason = "connection refused"
        elif "resolve" in text or "known" in text or "getaddrinfo" in text:
            reason = "unknown host"
        else:
            reason = f"{type(err).__name__}"
        return StoreUnavailableError(
            f"Cannot reach the zen service at {self.url} ({reason}). Is it running? "
            "Check with `zenml service status` on its machine, or fix the profile's URL."
        )

    def _error(self, response: requests.Response, token_source: str) -> ZenError:
        status = response.status_code
        try:
            data = response.json()
            name, message = str(data["error"]), str(data["message"])
        except (ValueError, KeyError, TypeError):
            if status >= 500:
                return StoreUnavailableError(
                    f"The zen service at {self.url} failed: {status} {response.reason}."
                )
            return ZenError(
                f"The server at {self.url} answered {status} {response.reason}: is it a "
                "zen service?"
            )
        cls = error_class(name)
        if cls is ZenError and name != "ZenError":
            cls = _BY_STATUS.get(status, StoreUnavailableError if status >= 500 else ZenError)
        if status == 401:
            return AuthenticationError(f"{message} This client sent {token_source}.")
        return cls(message)

    # --- reads ------------------------------------------------------------------------------
    def list_stacks(self) -> list[Stack]:
        return [Stack.from_dict(d) for d in self._call("GET", "/stacks")]

    def get_stack(self, name: str) -> Stack:
        return Stack.from_dict(self._call("GET", _stack_path(name)))

    def list_components(self, type: ComponentType | None = None) -> list[Component]:
        path = "/components" if type is None else f"/components/{ComponentType.parse(type).value}"
        return [Component.from_dict(d) for d in self._call("GET", path)]

    def get_component(self, type: ComponentType, name: str) -> Component:
        return Component.from_dict(self._call("GET", _component_path(type, name)))

    # --- writes -----------------------------------------------------------------------------
    def apply(self, writes: Sequence[Write], rules: StoreRules | None = None) -> list[Written]:
        """One write: its own route; several: one ``POST /batch``, all or nothing.

        ``rules`` are not sent: the service applies its own (see the class).
        """
        writes = list(writes)
        if not writes:
            return []
        if len(writes) == 1:
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
            return Stack.from_dict(self._call("POST", "/stacks", body))
        if isinstance(write, UpdateStack):
            data = self._call("PATCH", _stack_path(write.name), write.change.to_dict(),
                              expected_revision=write.change.expected_revision)
            return Stack.from_dict(data)
        self._call("DELETE", _stack_path(write.name), expected_revision=write.expected_revision)
        return None


def _record(write: Write, data: Any) -> Written:
    """The record the service answered for ``write``."""
    if isinstance(write, (DeleteComponent, DeleteStack)):
        return None
    if isinstance(write, (RegisterStack, UpdateStack)):
        return Stack.from_dict(data)
    return Component.from_dict(data)


def _q(name: str) -> str:
    return quote(str(name), safe="")


def _stack_path(name: str) -> str:
    return f"/stacks/{_q(name)}"


def _component_path(type: ComponentType, name: str) -> str:
    return f"/components/{ComponentType.parse(type).value}/{_q(name)}"
