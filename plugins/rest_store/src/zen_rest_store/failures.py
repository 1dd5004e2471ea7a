"""What a failed request to a zen service becomes: one ``zen_core`` error, one line.

An error answer becomes the exception the service raised, with its message (a class
this side does not know is chosen by the HTTP status); a connection that failed, TLS
that failed, or a server that speaks another protocol than the URL says becomes a
:class:`StoreUnavailableError` saying what to do.
"""

from __future__ import annotations

from collections.abc import Callable

import requests

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

#: For an error class name we don't know (a newer service): the class by HTTP status.
_BY_STATUS: dict[int, type[ZenError]] = {
    401: AuthenticationError,
    403: NotPermittedError,
    404: NotFoundError,
    409: AlreadyExistsError,
    412: ConflictError,
    422: InvalidDataError,
}
#: What cheroot (and so a zen service) answers an http:// request on its HTTPS port.
_HTTPS_ONLY = "only speaks HTTPS"
#: What OpenSSL says when the other side does not speak TLS at all.
_NOT_TLS = ("wrong version number", "wrong_version_number", "record layer failure",
            "packet length too long", "http request")
#: Where the key sent came from, when it is the profile's (an expired one: update it).
PROFILE_TOKEN = "the profile's token"


def unreachable(url: str, profile: str | None, err: requests.RequestException,
                connect_timeout: float, read_timeout: float) -> StoreUnavailableError:
    """The error for a request to ``url`` that got no answer."""
    text = str(err)
    if isinstance(err, requests.exceptions.SSLError):
        return tls_failure(url, text)
    if isinstance(err, requests.ConnectTimeout):
        reason = f"no connection within {connect_timeout:g} s"
    elif isinstance(err, requests.ReadTimeout):
        reason = f"no answer within {read_timeout:g} s"
    elif "refused" in text or "Errno 111" in text or "10061" in text:
        reason = "connection refused"
    elif "resolve" in text or "known" in text or "getaddrinfo" in text:
        reason = "unknown host"
    else:
        reason = f"{type(err).__name__}"
    fix = f" (`zenml profile update {profile} --url URL`)" if profile else ""
    return StoreUnavailableError(
        f"Cannot reach the zen service at {url} ({reason}). Is it running? "
        f"Check with `zenml service status` on its machine, or fix the profile's URL{fix}."
    )


def tls_failure(url: str, text: str) -> StoreUnavailableError:
    lowered = text.lower()
    if any(marker in lowered for marker in _NOT_TLS):
        http_url = "http://" + url.split("://", 1)[1]
        return StoreUnavailableError(
            f"The server at {url} does not speak TLS: it answered in plain HTTP. "
            f"Use {http_url} in the profile, or start the service with --tls-cert and "
            "--tls-key."
        )
    if "certificate verify failed" in lowered or "certificate_verify_failed" in lowered:
        reason = text.split("certificate verify failed:", 1)[-1].split("(_ssl")[0]
        reason = reason.strip(" ')\"") or "not trusted"
        return StoreUnavailableError(
            f"The TLS certificate of the zen service at {url} is not trusted "
            f"({reason}). Create the profile with --ca-cert FILE (the CA certificate that "
            "signed it), or with --insecure for a development set-up only."
        )
    return StoreUnavailableError(f"TLS with the zen service at {url} failed: {text}")


def wrong_scheme(url: str, response: requests.Response) -> StoreUnavailableError | None:
    """The error for what a service's HTTPS port answers an http:// request, or None."""
    if response.status_code == 400 and _HTTPS_ONLY in response.text:
        https_url = "https://" + url.split("://", 1)[1]
        return StoreUnavailableError(
            f"The zen service at {url} speaks HTTPS only: use {https_url} in the profile."
        )
    return None


def answered_error(url: str, response: requests.Response, token_source: str,
                   update_hint: Callable[[str, str], str]) -> ZenError:
    """The error an error answer from ``url`` stands for. ``token_source`` says where the
    key sent came from; ``update_hint(option, what)`` how to give the profile another."""
    status = response.status_code
    try:
        data = response.json()
        name, message = str(data["error"]), str(data["message"])
    except (ValueError, KeyError, TypeError):
        if status >= 500:
            return StoreUnavailableError(
                f"The zen service at {url} failed: {status} {response.reason}."
            )
        wrong = wrong_scheme(url, response)
        if wrong is not None:
            return wrong
        return ZenError(
            f"The server at {url} answered {status} {response.reason}: is it a zen service?"
        )
    cls = error_class(name)
    if cls is ZenError and name != "ZenError":
        cls = _BY_STATUS.get(status, StoreUnavailableError if status >= 500 else ZenError)
    if status == 401:
        hint = ""
        if token_source == PROFILE_TOKEN:
            hint = " " + update_hint("--token-stdin", "a new key")
        return AuthenticationError(f"{message} This client sent {token_source}.{hint}")
    return cls(message)
