"""Behind a reverse proxy: whose ``X-Forwarded-For``/``-Proto``/``-Host`` to believe.

::

    app.wsgi_app = trust_proxies(app.wsgi_app, "1")            # one proxy in front
    app.wsgi_app = trust_proxies(app.wsgi_app, "10.0.0.5,10.0.1.0/24")

Werkzeug's ``ProxyFix`` does the work: the client's address, the scheme and
the host the client used then reach the app (its logs, the URLs it builds).
``N``: the last N hops are trusted proxies, whoever connects (the service is
reachable only through them). Addresses or networks: the headers are honoured
(one hop) only on connections from those addresses, and dropped on any other,
so that a client cannot choose the address it is logged with.
"""

from __future__ import annotations

import ipaddress
from typing import Any

#: The headers the proxies set, as WSGI environ keys.
FORWARDED_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_trusted_proxies(text: str) -> int | tuple[Network, ...]:
    """A number of hops (1 or more), or the addresses and networks of ``text``
    (comma-separated); ValueError saying what is wrong otherwise."""
    text = text.strip()
    if text.isdigit():
        hops = int(text)
        if hops < 1:
            raise ValueError("give 1 or more proxies, or their addresses")
        return hops
    parts = [part.strip() for part in text.split(",")]
    if not text or not all(parts):
        raise ValueError("give a number of proxies, or their addresses separated by commas "
                         "(10.0.0.5,10.0.1.0/24)")
    try:
        return tuple(ipaddress.ip_network(part, strict=False) for part in parts)
    except ValueError as err:
        raise ValueError(f"{err}; give a number of proxies, or their addresses and networks "
                         "separated by commas (10.0.0.5,10.0.1.0/24)") from None


def trust_proxies(wsgi_app: Any, text: str) -> Any:
    """``wsgi_app`` honouring the forwarded headers of the proxies ``text`` names."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    trusted = parse_trusted_proxies(text)
    if isinstance(trusted, int):
        return ProxyFix(wsgi_app, x_for=trusted, x_proto=trusted, x_host=trusted)
    return _FromAddresses(wsgi_app, ProxyFix(wsgi_app, x_for=1, x_proto=1, x_host=1), trusted)


class _FromAddresses:
    """``fixed`` for connections from ``networks``; for others ``app``, without the
    forwarded headers."""

    def __init__(self, app: Any, fixed: Any, networks: tuple[Network, ...]) -> None:
        self.app = app
        self.fixed = fixed
        self.networks = networks

    def _trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        return any(ip in network for network in self.networks)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if self._trusted(environ.get("REMOTE_ADDR", "")):
            return self.fixed(environ, start_response)
        for key in FORWARDED_HEADERS:
            environ.pop(key, None)
        return self.app(environ, start_response)
