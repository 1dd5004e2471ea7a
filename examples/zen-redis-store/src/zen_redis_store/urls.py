"""The store's URL: ``redis://[user:password@]host:port/db?prefix=NAME`` (or ``rediss://``).

Every key the store writes starts with ``NAME:`` (default ``zen``), so one Redis
database can hold several profiles' stores side by side.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from zen_core.plugin import InvalidDataError

DEFAULT_PREFIX = "zen"
_PREFIX = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")


def split_url(url: str) -> tuple[str, str]:
    """``(the URL redis-py opens, the key prefix)``."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    prefix = next((v for k, v in query if k == "prefix"), DEFAULT_PREFIX)
    rest = urlencode([(k, v) for k, v in query if k != "prefix"])
    return urlunsplit(parts._replace(query=rest)), prefix


def check_url(url: str) -> None:
    """Refuse a URL this store cannot open (raised as a one-line ``Error:``)."""
    scheme = urlsplit(url).scheme
    if scheme not in ("redis", "rediss"):
        raise InvalidDataError(
            f"Invalid URL for store type 'redis': {url}. Use redis://host:port/db?prefix=NAME.")
    _, prefix = split_url(url)
    if not _PREFIX.fullmatch(prefix):
        raise InvalidDataError(
            f"Invalid key prefix {prefix!r} in {url}: use letters, digits, '_', '.' and '-'.")
