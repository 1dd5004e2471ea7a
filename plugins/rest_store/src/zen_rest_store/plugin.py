"""Registers the ``rest`` store type. Imported on every command: no ``requests`` here."""

from __future__ import annotations

from urllib.parse import urlsplit

from zen_core import hookimpl
from zen_core.exceptions import InvalidDataError
from zen_core.records import StoreType


def check_url(url: str) -> None:
    """``http(s)://HOST[:PORT]``: no path (a lone trailing '/' is fine), query or credentials."""
    problem = None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        problem = "the port is not a number between 0 and 65535"
    else:
        if parts.scheme not in ("http", "https"):
            problem = "it must start with http:// or https://"
        elif not parts.hostname:
            problem = "it names no host"
        elif parts.path not in ("", "/") or parts.query or parts.fragment:
            problem = "it must not have a path, query or fragment"
        elif parts.username is not None or parts.password is not None:
            problem = "give the token with --token, not in the URL"
    if problem:
        raise InvalidDataError(
            f"Invalid URL for store type 'rest': {url} ({problem}). "
            "Use http(s)://HOST[:PORT], e.g. http://localhost:8000."
        )


@hookimpl
def zen_store_types():
    yield StoreType(
        name="rest",
        description="A zen service over HTTP (`zenml service up`), shared by a team.",
        store_class="zen_rest_store.store:RestStore",
        default_url=None,
        check_url=check_url,
        accepts_token=True,
        uses_tls=True,
        remote=True,  # a client of a service: it authorizes, has its stack, is not served
    )
