"""The rest store: the store contract over HTTP, against a zen service.

::

    from zen_rest_store.store import RestStore

    store = RestStore("http://localhost:8000", token="...")
    for stack in store.list_stacks():
        print(stack.name, stack.components)

The token is the one given, else ``$ZENML_STORE_TOKEN``, else, when the URL is
the service this machine runs (``zenml service up``), the token in its state
file. Error responses become the same ``zen_core`` exception, with the same
message, that the served store raised; an unreachable service is a
:class:`StoreUnavailableError` within a few seconds. One ``requests.Session``
per store instance keeps connections alive between calls.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from zen_core.exceptions import (
    AlreadyExistsError,
    AuthenticationError,
    InvalidDataError,
    NotFoundError,
    StoreUnavailableError,
    ZenError,
    error_class,
)
from zen_core.models import Component, ComponentType, Stack
from zen_core.store import BaseStore
from zen_rest_store import __version__

ENV_TOKEN = "ZENML_STORE_TOKEN"
API_PREFIX = "/api/v1"
#: Seconds to connect (a down service fails at once; an unroutable host after this)...
CONNECT_TIMEOUT = 3.0
#: ...and to wait for an answer (the service waits up to 30 s for a busy store's lock).
READ_TIMEOUT = 10.0
#: The service's state file in the zen config folder (format owned by zen_service.state).
SERVICE_STATE_FILE = "service.json"

_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}

#: For an error class name we don't know (a newer service): the class by HTTP status.
_BY_STATUS: dict[int, type[ZenError]] = {
    401: AuthenticationError,
    404: NotFoundError,
    409: AlreadyExistsError,
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
    type_name = "rest"

    def __init__(self, url: str, token: str | None = None) -> None:
        super().__init__(url.rstrip("/"))
        self._token = token
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
        if self._token:
            return self._token, "the profile's token"
        env = os.environ.get(ENV_TOKEN)
        if env:
            return env, f"the token in ${ENV_TOKEN}"
        local = local_service_token(self.url, self.config_directory)
        if local:
            return local, "the token of the service this machine runs"
        return None, (
            f"no token (the profile has none, ${ENV_TOKEN} is not set, and {self.url} is "
            "not the service this machine runs)"
        )

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        token, source = self._token_and_source()
        headers = {"Authorization": f"Bearer {token}"} if token else None
        try:
            response = self.session.request(
                method, self.url + API_PREFIX + path, json=body, headers=headers,
                timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
            )
        except requests.RequestException as err:
            raise self._unreachable(err) from None
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

    def _unreachable(self, err: requests.RequestException) -> StoreUnavailableError:
        text = str(err)
        if isinstance(err, requests.ConnectTimeout):
            reason = f"no connection within {CONNECT_TIMEOUT:g} s"
        elif isinstance(err, requests.ReadTimeout):
            reason = f"no answer within {READ_TIMEOUT:g} s"
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

    # --- stacks -----------------------------------------------------------------------------
    def list_stacks(self) -> list[Stack]:
        return [Stack.from_dict(d) for d in self._call("GET", "/stacks")]

    def get_stack(self, name: str) -> Stack:
        return Stack.from_dict(self._call("GET", f"/stacks/{_q(name)}"))

    def register_stack(self, stack: Stack) -> None:
        self._call("POST", "/stacks", stack.to_dict())

    def update_stack(self, name: str, stack: Stack) -> None:
        self._call("PUT", f"/stacks/{_q(name)}", stack.to_dict())

    def delete_stack(self, name: str) -> None:
        self._call("DELETE", f"/stacks/{_q(name)}")

    # --- components -------------------------------------------------------------------------
    def list_components(self, type: ComponentType | None = None) -> list[Component]:
        path = "/components" if type is None else f"/components/{ComponentType.parse(type).value}"
        return [Component.from_dict(d) for d in self._call("GET", path)]

    def get_component(self, type: ComponentType, name: str) -> Component:
        return Component.from_dict(self._call("GET", _component_path(type, name)))

    def register_component(self, component: Component) -> None:
        self._call("POST", "/components", component.to_dict())

    def update_component(self, type: ComponentType, name: str, component: Component) -> None:
        body = component.to_dict()
        del body["type"]  # the URL names it: a component keeps its type
        self._call("PUT", _component_path(type, name), body)

    def delete_component(self, type: ComponentType, name: str) -> None:
        self._call("DELETE", _component_path(type, name))


def _q(name: str) -> str:
    return quote(str(name), safe="")


def _component_path(type: ComponentType, name: str) -> str:
    return f"/components/{ComponentType.parse(type).value}/{_q(name)}"
